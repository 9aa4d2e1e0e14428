import type { Reply } from '../chat/chat.port.js';
import { reply } from '../chat/chat.port.js';
import type { Messenger } from '../chat/messenger.js';
import type { FormValues } from '../chat/views.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Person } from '../people/people.types.js';
import { isEditable, ownCheckin } from './access.js';
import type { Blockers } from './blockers.js';
import type { Checkin, CheckinRepository } from './checkins.types.js';
import { answeredView, answerForm, CHECKIN, closedView, noCheckinView, skippedView } from './checkins.views.js';
import { promptKey } from './keys.js';
import type { Summarise } from './summarise.js';

export interface AnswerDeps {
  checkins: Pick<CheckinRepository, 'get' | 'history' | 'update' | 'openBlockers'>;
  messenger: Pick<Messenger, 'update'>;
  clock: Clock;
  blockers: Pick<Blockers, 'track'>;
  summarise: Summarise;
}

/**
 * Answering a check-in in the form, or skipping it. Saving an answer updates
 * the prompt in place, tracks the blocker it names and refreshes the summary.
 */
export class CheckinAnswers {
  constructor(private readonly d: AnswerDeps) {}

  /** The check-in a person can answer now: their latest one that is still open, or missed (a late answer). */
  async current(personId: string): Promise<Checkin | null> {
    const [latest] = await this.d.checkins.history(personId, 1);
    if (!latest) return null;
    return isEditable(latest, this.d.clock.now()) ? latest : null;
  }

  async openForm(actor: Person, checkinId: string | undefined): Promise<Reply> {
    const c = checkinId ? await ownCheckin(this.d.checkins, actor, checkinId) : await this.current(actor.id);
    if (!c) return reply.private(noCheckinView());
    if (!isEditable(c, this.d.clock.now())) return reply.private(closedView(c));
    return reply.form(answerForm(c, await this.d.checkins.openBlockers(actor.id)));
  }

  async submitForm(actor: Person, values: FormValues, checkinId: string | undefined): Promise<Reply> {
    if (!checkinId) return reply.private(noCheckinView());
    const c = await ownCheckin(this.d.checkins, actor, checkinId);
    if (!isEditable(c, this.d.clock.now())) return reply.private(closedView(c));
    const errors: Record<string, string> = {};
    const answers: Record<string, string> = {};
    for (const q of c.questions) {
      const raw = values[q.id];
      const text = (Array.isArray(raw) ? raw.join(', ') : (raw ?? '')).trim();
      if (!text) {
        if (!q.optional) errors[q.id] = 'Please answer this one: a sentence is enough.';
        continue;
      }
      if (q.kind === 'mood' && !/^[1-5]$/.test(text)) {
        errors[q.id] = 'Pick a number from 1 (rough) to 5 (great).';
        continue;
      }
      if (text.length > 3000) {
        errors[q.id] = 'Please keep it under 3000 characters.';
        continue;
      }
      answers[q.id] = text;
    }
    if (Object.keys(errors).length) return reply.formErrors(errors);
    const help = values[CHECKIN.needsHelpInput];
    const ticked = (value: string) => (Array.isArray(help) ? help.includes(value) : help === value || (value === 'yes' && help === 'true'));
    const urgent = Boolean(answers.obstacles) && ticked('urgent');
    const needsHelp = urgent || (Boolean(answers.obstacles) && ticked('yes'));
    const saved = await this.save(c, answers, needsHelp, urgent);
    return reply.update(answeredView(saved, this.d.clock.now() < saved.deadlineAt));
  }

  async skip(actor: Person, checkinId: string): Promise<Reply> {
    const c = await ownCheckin(this.d.checkins, actor, checkinId);
    const skipped = await this.d.checkins.update(c.id, ['pending'], { status: 'skipped', step: null }, this.d.clock.now());
    if (!skipped) {
      if (c.status === 'answered') return reply.private(answeredView(c, this.d.clock.now() < c.deadlineAt));
      return reply.private(c.status === 'skipped' ? skippedView(c) : closedView(c));
    }
    await this.d.summarise(c.teamId, c.period);
    return reply.update(skippedView(skipped));
  }

  /** Saves a complete answer (on time, changed, or late) and lets everything that shows it follow. */
  async save(c: Checkin, answers: Record<string, string>, needsHelp: boolean, urgent = false): Promise<Checkin> {
    const now = this.d.clock.now();
    const late = now >= c.deadlineAt;
    const saved = await this.d.checkins.update(
      c.id,
      late ? ['pending', 'missed'] : ['pending', 'answered', 'skipped', 'missed'],
      { status: 'answered', answers, needsHelp, answeredAt: c.answeredAt ?? now, late: late || c.late, step: null },
      now,
    );
    if (!saved) throw new DomainError('conflict', 'This check-in is closed and can no longer be changed.');
    await this.d.messenger.update(promptKey(saved), answeredView(saved, !late));
    await this.d.blockers.track(saved, urgent);
    await this.d.summarise(saved.teamId, saved.period);
    return saved;
  }
}
