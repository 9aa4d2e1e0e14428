import type { Reply } from '../chat/chat.port.js';
import { reply } from '../chat/chat.port.js';
import type { InteractionContext, Interactions } from '../chat/interactions.js';
import type { Messenger } from '../chat/messenger.js';
import type { FormValues } from '../chat/views.js';
import { v } from '../chat/views.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { CacheInvalidation } from '../invalidation.js';
import type { Logger } from '../logger.js';
import type { Person, Team } from '../people/people.types.js';
import type { PeopleRepository, Scheduler, TeamRepository } from '../ports.js';
import type { TandemCommand } from '../help/help.service.js';
import {
  checkinSettingsSchema,
  defaultSettings,
  FINAL_STATUSES,
  type Blocker,
  type BlockerStatus,
  type Checkin,
  type CheckinQuery,
  type CheckinRepository,
  type CheckinSettings,
  type CheckinSettingsInput,
} from './checkins.types.js';
import {
  answeredView,
  answerForm,
  blockerStatusForPerson,
  blockerView,
  CHECKIN,
  closedView,
  historyView,
  NEEDS_HELP_QUESTION,
  noCheckinView,
  promptView,
  skippedView,
  snoozedView,
  stepPrompt,
  summaryView,
  type SummaryEntry,
} from './checkins.views.js';
import { cronPattern, deadlineOf, dueNow, periodMinus, periodOf, promptDate, reminderTimes, schedulerId, type Member } from './schedule.js';

export const SNOOZE_MS = 2 * 3_600_000;
/**
 * How long prompt jobs reuse a read of their team (membership and settings).
 * A firing queues one prompt job per member, and reading a team of thousands
 * for each of them costs more than the DM itself.
 */
const TEAM_READ_TTL_MS = 10_000;
/** The invalidation topic of those reads: a settings change drops them in every process at once. */
export const TEAM_READS_TOPIC = 'checkins.team';

/** Job names the jobs layer routes to this service. */
export const CHECKIN_JOBS = {
  fire: 'checkin.fire',
  prompt: 'checkin.prompt',
  remind: 'checkin.remind',
  snooze: 'checkin.snooze',
  close: 'checkin.close',
  reconcile: 'checkin.reconcile',
} as const;

export interface Participation {
  answered: number;
  skipped: number;
  missed: number;
  /** Answered out of the check-ins that closed (answered + skipped + missed); null when none closed yet. */
  rate: number | null;
}

const NO_WORDS = /^(no|nope|n|non|nein)\.?$/i;
const YES_WORDS = /^(yes|y|yep|yeah|please|oui|ja)\.?!?$/i;
const SKIP_WORDS = /^(skip|-|none|nothing|n\/a|pass)\.?$/i;
const STOP_WORDS = /^(stop|cancel|later)\.?$/i;

type Step = { kind: 'question'; index: number } | { kind: 'needsHelp' };

/**
 * Weekly check-ins: schedule, prompt, answer (form or step by step), remind,
 * close, summarise, and track blockers. Every handler re-reads state and uses
 * the injected clock, so a retried or early-promoted job behaves.
 */
export class CheckinService {
  constructor(
    private readonly repo: CheckinRepository,
    private readonly people: PeopleRepository,
    private readonly teams: TeamRepository,
    private readonly messenger: Messenger,
    private readonly scheduler: Scheduler,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly invalidation: CacheInvalidation,
  ) {
    invalidation.subscribe(TEAM_READS_TOPIC, (teamId) => (teamId === null ? this.teamReads.clear() : this.teamReads.delete(teamId)));
  }

  /** Recent reads of a team and its settings by prompt jobs (see TEAM_READ_TTL_MS). */
  private readonly teamReads = new Map<string, { at: number; read: Promise<{ team: Team | null; settings: CheckinSettings }> }>();

  // ---- settings and schedulers -------------------------------------------

  async settings(teamId: string): Promise<CheckinSettings> {
    await this.team(teamId);
    return (await this.repo.getSettings(teamId)) ?? defaultSettings(teamId);
  }

  /** Replaces the team's settings (missing fields take defaults) and reschedules at once. */
  async updateSettings(teamId: string, input: CheckinSettingsInput): Promise<CheckinSettings> {
    await this.team(teamId);
    const parsed = checkinSettingsSchema.safeParse(input);
    if (!parsed.success) {
      throw new DomainError('validation', 'The check-in settings are not valid', {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    await this.repo.saveSettings(teamId, parsed.data, this.clock.now());
    await this.invalidation.publish(TEAM_READS_TOPIC, teamId);
    await this.reconcileTeam(teamId);
    return this.settings(teamId);
  }

  /** One daily scheduler per (team, time zone among its members) at the prompt time; stale ones removed. */
  async reconcileTeam(teamId: string): Promise<string[]> {
    const team = await this.teams.get(teamId);
    const settings = team ? ((await this.repo.getSettings(teamId)) ?? defaultSettings(teamId)) : null;
    const wanted = new Map<string, string>();
    if (team && settings?.enabled) {
      for (const p of await this.members(team)) wanted.set(schedulerId(team.id, p.timeZone), p.timeZone);
    }
    for (const [id, timeZone] of wanted) {
      await this.scheduler.upsertRecurring(id, { pattern: cronPattern(settings ?? defaultSettings(teamId)), timeZone }, CHECKIN_JOBS.fire, { teamId, timeZone });
    }
    const previous = settings?.schedulers ?? (await this.repo.getSettings(teamId))?.schedulers ?? [];
    for (const id of previous) if (!wanted.has(id)) await this.scheduler.removeRecurring(id);
    const ids = [...wanted.keys()].sort();
    if (team) await this.repo.setSchedulers(teamId, ids);
    return ids;
  }

  /** At boot and hourly: every team, so membership and time zone changes take effect without a restart. */
  async reconcileAll(): Promise<void> {
    const teams = await this.teams.all();
    for (const team of teams) await this.reconcileTeam(team.id);
    const known = new Set(teams.map((t) => t.id));
    for (const s of await this.repo.allSettings()) {
      if (!known.has(s.teamId)) for (const id of s.schedulers) await this.scheduler.removeRecurring(id);
    }
  }

  // ---- jobs ---------------------------------------------------------------

  /** A (team, zone) scheduler fired: queue one prompt per member due now; the job id makes it once per period. */
  async fire(teamId: string, timeZone: string): Promise<number> {
    const team = await this.teams.get(teamId);
    if (!team) return 0;
    const settings = (await this.repo.getSettings(teamId)) ?? defaultSettings(teamId);
    if (!settings.enabled) return 0;
    const now = this.clock.now();
    let queued = 0;
    for (const person of await this.members(team)) {
      if (person.timeZone !== timeZone) continue;
      const due = dueNow(person, now, settings);
      if (!due) continue;
      if (await this.repo.byPersonPeriod(person.id, due.period)) continue;
      await this.scheduler.enqueue(CHECKIN_JOBS.prompt, { personId: person.id, teamId, period: due.period }, { jobId: `checkin.prompt:${person.id}:${due.period}` });
      queued += 1;
    }
    this.logger.info({ teamId, timeZone, queued }, 'check-in prompts queued');
    return queued;
  }

  /** Creates the check-in once per (person, period) and DMs it once; safe to retry and to run on two workers. */
  async prompt(personId: string, teamId: string, period: string): Promise<Checkin | null> {
    const [person, { team, settings }] = await Promise.all([this.people.get(personId), this.recentTeam(teamId)]);
    if (!person?.active || !team?.memberIds.includes(personId)) return null;
    const now = this.clock.now();
    const deadlineAt = deadlineOf(period, person.timeZone, settings);
    if (now >= deadlineAt) return null;
    const previous = await this.repo.previous(personId, period);
    const { checkin } = await this.repo.createOnce({
      personId,
      teamId,
      period,
      timeZone: person.timeZone,
      questions: settings.questions,
      previousPriorities: previous?.answers.priorities?.trim() || null,
      promptedAt: now,
      deadlineAt,
    });
    if (checkin.status !== 'pending') return checkin;
    const view = promptView(checkin, person.name, await this.repo.openBlockers(personId), !previous);
    await this.messenger.dm(personId, view, promptKey(checkin));
    const reminders = reminderTimes(person, checkin.promptedAt, checkin.deadlineAt, settings);
    for (const [i, at] of reminders.entries()) {
      await this.scheduler.enqueue(CHECKIN_JOBS.remind, { checkinId: checkin.id, n: i + 1 }, { jobId: `checkin.remind:${checkin.id}:${i + 1}`, at });
    }
    await this.scheduler.enqueue(CHECKIN_JOBS.close, { checkinId: checkin.id }, { jobId: `checkin.close:${checkin.id}`, at: checkin.deadlineAt });
    return checkin;
  }

  /** Reminder `n` (or a snooze): only while unanswered and before the deadline. */
  async remind(checkinId: string, key: string): Promise<boolean> {
    const c = await this.repo.get(checkinId);
    if (!c || c.status !== 'pending' || this.clock.now() >= c.deadlineAt) return false;
    const person = await this.people.get(c.personId);
    if (!person) return false;
    const view = promptView(c, person.name, await this.repo.openBlockers(c.personId), false, `Hi ${person.name}, your check-in is still waiting.`);
    return this.messenger.dm(c.personId, view, key);
  }

  /** At the person's deadline: an unanswered check-in becomes missed, and the team summary goes out once all are in. */
  async close(checkinId: string): Promise<void> {
    const c = await this.repo.get(checkinId);
    if (!c) return;
    const now = this.clock.now();
    if (now < c.deadlineAt) {
      // Promoted before its time by the clock: come back at the deadline.
      await this.scheduler.enqueue(CHECKIN_JOBS.close, { checkinId }, { jobId: `checkin.close:${checkinId}:${now.getTime()}`, at: c.deadlineAt });
      return;
    }
    if (c.status === 'pending') {
      const closed = await this.repo.update(c.id, ['pending'], { status: 'missed', step: null }, now);
      if (closed) await this.messenger.update(promptKey(closed), closedView(closed));
    }
    await this.summarize(c.teamId, c.period);
  }

  // ---- answering ----------------------------------------------------------

  /** The check-in a person can answer now: their latest one that is still open, or missed (a late answer). */
  async current(personId: string): Promise<Checkin | null> {
    const [latest] = await this.repo.history(personId, 1);
    if (!latest) return null;
    return this.editable(latest) ? latest : null;
  }

  async openForm(actor: Person, checkinId: string | undefined): Promise<Reply> {
    const c = checkinId ? await this.own(actor, checkinId) : await this.current(actor.id);
    if (!c) return reply.private(noCheckinView());
    if (!this.editable(c)) return reply.private(closedView(c));
    return reply.form(answerForm(c, await this.repo.openBlockers(actor.id)));
  }

  async submitForm(actor: Person, values: FormValues, checkinId: string | undefined): Promise<Reply> {
    if (!checkinId) return reply.private(noCheckinView());
    const c = await this.own(actor, checkinId);
    if (!this.editable(c)) return reply.private(closedView(c));
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
    const needsHelp = Boolean(answers.obstacles) && (Array.isArray(help) ? help.includes('yes') : help === 'yes' || help === 'true');
    const saved = await this.saveAnswers(c, answers, needsHelp);
    return reply.update(answeredView(saved, this.clock.now() < saved.deadlineAt));
  }

  async skip(actor: Person, checkinId: string): Promise<Reply> {
    const c = await this.own(actor, checkinId);
    const skipped = await this.repo.update(c.id, ['pending'], { status: 'skipped', step: null }, this.clock.now());
    if (!skipped) {
      if (c.status === 'answered') return reply.private(answeredView(c, this.clock.now() < c.deadlineAt));
      return reply.private(c.status === 'skipped' ? skippedView(c) : closedView(c));
    }
    await this.summarize(c.teamId, c.period);
    return reply.update(skippedView(skipped));
  }

  async snooze(actor: Person, checkinId: string): Promise<Reply> {
    const c = await this.own(actor, checkinId);
    const now = this.clock.now();
    if (c.status !== 'pending' || now >= c.deadlineAt) return reply.private(c.status === 'answered' ? answeredView(c, now < c.deadlineAt) : closedView(c));
    const until = new Date(Math.min(now.getTime() + SNOOZE_MS, c.deadlineAt.getTime() - 60_000));
    const updated = await this.repo.update(c.id, ['pending'], { snoozes: c.snoozes + 1 }, now);
    if (!updated) return reply.private(closedView(c));
    const n = updated.snoozes;
    await this.scheduler.enqueue(CHECKIN_JOBS.snooze, { checkinId: c.id, n }, { jobId: `checkin.snooze:${c.id}:${n}`, at: until });
    return reply.private(snoozedView(until, c.timeZone));
  }

  /**
   * A plain DM from a person with an open check-in: answers the current step,
   * then asks the next. Commands typed as words are left to the command parser.
   */
  async directMessage(actor: Person, text: string, commandNames: readonly string[]): Promise<Reply | null> {
    const firstWord = text.split(/\s+/)[0]?.toLowerCase() ?? '';
    if (commandNames.includes(firstWord) || firstWord === 'help') return null;
    let c = await this.repo.answeringStepByStep(actor.id);
    if (c && !this.editable(c)) {
      // A step-by-step answer left half-way in a week that has closed: forget it, look at this week's.
      await this.repo.update(c.id, ['pending', 'missed', 'answered', 'skipped'], { step: null }, this.clock.now());
      c = null;
    }
    if (!c) {
      const open = await this.current(actor.id);
      if (!open || open.status !== 'pending') return null;
      c = await this.repo.update(open.id, ['pending'], { step: 0 }, this.clock.now());
      if (!c) return null;
    }
    if (STOP_WORDS.test(text.trim())) {
      await this.repo.update(c.id, ['pending', 'missed', 'answered'], { step: null }, this.clock.now());
      return reply.private(v.view('Paused', v.section('Paused. Reply any time to carry on, or use the *Answer now* button.')));
    }
    const steps = stepsOf(c);
    const step = steps[c.step ?? 0];
    if (!step) return null;
    const answers = { ...c.answers };
    let needsHelp = c.needsHelp;
    const value = text.trim();
    if (step.kind === 'needsHelp') {
      if (YES_WORDS.test(value)) needsHelp = true;
      else if (NO_WORDS.test(value)) needsHelp = false;
      else return reply.private(v.view('Yes or no?', v.section(`Sorry, I didn't get that. ${NEEDS_HELP_QUESTION}`)));
    } else {
      const q = c.questions[step.index];
      if (!q) return null;
      if (SKIP_WORDS.test(value) && q.optional) {
        delete answers[q.id];
        if (q.id === 'obstacles') needsHelp = false;
      } else if (q.kind === 'mood') {
        if (!/^[1-5]$/.test(value)) return reply.private(v.view('A number from 1 to 5', v.section(`Please reply with a number from 1 (rough) to 5 (great)${q.optional ? ', or *skip*' : ''}.`)));
        answers[q.id] = value;
      } else if (q.id === 'priorities' && /^same\.?$/i.test(value) && c.previousPriorities) {
        answers[q.id] = c.previousPriorities;
      } else if (!value) {
        return reply.private(v.view('Please answer', v.section('Please answer in a few words.')));
      } else {
        answers[q.id] = value.slice(0, 3000);
      }
    }
    const next = nextStep(c, answers, (c.step ?? 0) + 1);
    if (next < steps.length) {
      const saved = await this.repo.update(c.id, ['pending', 'missed', 'answered'], { answers, needsHelp, step: next }, this.clock.now());
      if (!saved) return reply.private(closedView(c));
      const s = steps[next];
      const textOut = s?.kind === 'question' && saved.questions[s.index] ? stepPrompt(saved.questions[s.index]!, s.index, saved.questions.length, saved.previousPriorities) : NEEDS_HELP_QUESTION;
      return reply.private(v.view(textOut, v.section(textOut)));
    }
    const missingRequired = c.questions.find((q) => !q.optional && !answers[q.id]);
    if (missingRequired) return reply.private(v.view('One more', v.section(`Please answer: ${missingRequired.text}`)));
    const saved = await this.saveAnswers(c, answers, needsHelp);
    return reply.private(answeredView(saved, this.clock.now() < saved.deadlineAt));
  }

  // ---- blockers -----------------------------------------------------------

  async blockerAction(actor: Person, actionId: string, blockerId: string): Promise<Reply> {
    const b = await this.repo.getBlocker(blockerId);
    if (!b) throw new DomainError('not_found', 'That blocker no longer exists.');
    const isManager = actor.id === b.managerId;
    const status: BlockerStatus | null =
      actionId === CHECKIN.blockerAck ? 'acknowledged' : actionId === CHECKIN.blockerFollow ? 'following_up' : actionId === CHECKIN.blockerResolve ? 'resolved' : null;
    if (!status) throw new DomainError('validation', 'That button no longer works.');
    if (!isManager && !(status === 'resolved' && actor.id === b.personId)) {
      throw new DomainError('forbidden', 'Only the manager of this team can act on this blocker.');
    }
    if (b.status === 'resolved') return reply.update(blockerView(b));
    const updated = await this.repo.setBlockerStatus(b.id, status, this.clock.now());
    if (!updated) throw new DomainError('not_found', 'That blocker no longer exists.');
    await this.messenger.update(blockerKey(updated), blockerView(updated));
    if (isManager && updated.personId !== actor.id) {
      await this.messenger.dm(updated.personId, blockerStatusForPerson(updated, actor.id), `${blockerKey(updated)}:${status}`);
    }
    return reply.update(blockerView(updated));
  }

  // ---- reading ------------------------------------------------------------

  async historyReply(actor: Person): Promise<Reply> {
    return reply.private(historyView(await this.repo.history(actor.id, 8)));
  }

  /** Answered out of closed check-ins over the last `weeks` ISO weeks, for a person or a team (scorecards). */
  async participation(filter: { personId?: string; teamId?: string }, weeks = 12): Promise<Participation> {
    const toPeriod = periodOf(this.clock.now(), 'UTC');
    const counts = await this.repo.countByStatus({ ...filter, fromPeriod: periodMinus(toPeriod, weeks), toPeriod: periodMinus(toPeriod, -1) });
    const closed = counts.answered + counts.skipped + counts.missed;
    return { answered: counts.answered, skipped: counts.skipped, missed: counts.missed, rate: closed ? counts.answered / closed : null };
  }

  list(query: CheckinQuery) {
    return this.repo.list(query);
  }

  async get(id: string): Promise<Checkin> {
    const c = await this.repo.get(id);
    if (!c) throw new DomainError('not_found', `No check-in with id ${id}`, { id });
    return c;
  }

  // ---- summary ------------------------------------------------------------

  /**
   * Sends the team summary once every expected member is final (answered,
   * skipped or past their deadline), and afterwards rewrites it in place.
   */
  async summarize(teamId: string, period: string): Promise<'sent' | 'updated' | 'waiting'> {
    const team = await this.teams.get(teamId);
    if (!team) return 'waiting';
    const settings = (await this.repo.getSettings(teamId)) ?? defaultSettings(teamId);
    const now = this.clock.now();
    const checkins = new Map((await this.repo.ofTeamPeriod(teamId, period)).map((c) => [c.personId, c]));
    const members = await this.members(team);
    const entries: SummaryEntry[] = [];
    let waiting = false;
    for (const m of members) {
      const c = checkins.get(m.id) ?? null;
      const date = promptDate(m, period, settings);
      if (c) {
        if (!FINAL_STATUSES.includes(c.status)) waiting = true;
      } else if (date && now < deadlineOf(period, m.timeZone, settings)) {
        waiting = true;
      }
      entries.push({ personId: m.id, checkin: c, away: !c && !date });
    }
    for (const c of checkins.values()) if (!members.some((m) => m.id === c.personId)) entries.push({ personId: c.personId, checkin: c, away: false });
    const moodNow = mood([...checkins.values()]);
    const moodBefore = mood(await this.repo.ofTeamPeriod(teamId, periodMinus(period, 1)));
    const view = summaryView(team.name, period, entries, moodNow, moodBefore, !waiting);
    const key = summaryKey(teamId, period);
    const channelKey = `${key}:channel`;
    const already = (await this.messenger.addresses(key)).length + (await this.messenger.addresses(channelKey)).length;
    if (already > 0) {
      await this.messenger.update(key, view);
      await this.messenger.update(channelKey, view);
      return 'updated';
    }
    if (waiting) return 'waiting';
    if (settings.summary.managerDm && team.managerId) await this.messenger.dm(team.managerId, view, key);
    if (settings.summary.teamChannel) await this.messenger.post(team, view, channelKey);
    return 'sent';
  }

  // ---- registration -------------------------------------------------------

  /** Wires `/tandem checkin`, the buttons, the answer form and step-by-step DMs. */
  register(interactions: Interactions, tandem: TandemCommand): void {
    tandem.sub('checkin', "answer this week's check-in; `checkin history` shows your past ones", async (ctx, args) => {
      const sub = args.trim().toLowerCase();
      if (sub === 'history') return this.historyReply(ctx.actor);
      if (sub === '' || sub === 'answer' || sub === 'open') return this.openForm(ctx.actor, undefined);
      return reply.private(v.view('Unknown check-in command', v.section('Try `/tandem checkin` to answer this week, or `/tandem checkin history` to see your past check-ins.')));
    });
    interactions.action('checkin', async (ctx: InteractionContext, actionId, value) => {
      if (!value) throw new DomainError('validation', 'That button is missing its check-in.');
      switch (actionId) {
        case CHECKIN.open:
          return this.openForm(ctx.actor, value);
        case CHECKIN.skip:
          return this.skip(ctx.actor, value);
        case CHECKIN.snooze:
          return this.snooze(ctx.actor, value);
        default:
          return this.blockerAction(ctx.actor, actionId, value);
      }
    });
    interactions.form(CHECKIN.form, (ctx, values, metadata) => this.submitForm(ctx.actor, values, metadata));
    interactions.directMessage((ctx, text) => this.directMessage(ctx.actor, text, interactions.commandNames()));
  }

  // ---- internals ----------------------------------------------------------

  private async saveAnswers(c: Checkin, answers: Record<string, string>, needsHelp: boolean): Promise<Checkin> {
    const now = this.clock.now();
    const late = now >= c.deadlineAt;
    const saved = await this.repo.update(
      c.id,
      late ? ['pending', 'missed'] : ['pending', 'answered', 'skipped', 'missed'],
      { status: 'answered', answers, needsHelp, answeredAt: c.answeredAt ?? now, late: late || c.late, step: null },
      now,
    );
    if (!saved) throw new DomainError('conflict', 'This check-in is closed and can no longer be changed.');
    await this.messenger.update(promptKey(saved), answeredView(saved, !late));
    await this.trackBlocker(saved);
    await this.summarize(saved.teamId, saved.period);
    return saved;
  }

  private async trackBlocker(c: Checkin): Promise<void> {
    const text = c.answers.obstacles?.trim();
    const existing = await this.repo.blockerOf(c.id);
    if (!c.needsHelp || !text) {
      if (existing && existing.status !== 'resolved') {
        const resolved = await this.repo.setBlockerStatus(existing.id, 'resolved', this.clock.now());
        if (resolved) await this.messenger.update(blockerKey(resolved), blockerView(resolved));
      }
      return;
    }
    if (existing) {
      if (existing.text !== text) {
        const changed = await this.repo.updateBlockerText(existing.id, text, this.clock.now());
        if (changed) await this.messenger.update(blockerKey(changed), blockerView(changed));
      }
      return;
    }
    const [team, person] = await Promise.all([this.teams.get(c.teamId), this.people.get(c.personId)]);
    const managerId = team?.managerId ?? person?.managerId ?? null;
    const { blocker, created } = await this.repo.createBlocker({ checkinId: c.id, personId: c.personId, teamId: c.teamId, managerId, period: c.period, text }, this.clock.now());
    if (created && managerId) await this.messenger.dm(managerId, blockerView(blocker), blockerKey(blocker));
  }

  private editable(c: Checkin): boolean {
    // Before the deadline everything can be (re)answered; after it only a first, late answer.
    return this.clock.now() < c.deadlineAt || c.status === 'pending' || c.status === 'missed';
  }

  private async own(actor: Person, checkinId: string): Promise<Checkin> {
    const c = await this.repo.get(checkinId);
    if (!c || c.personId !== actor.id) throw new DomainError('not_found', 'That check-in is not yours or no longer exists.');
    return c;
  }

  private async team(teamId: string): Promise<Team> {
    const team = await this.teams.get(teamId);
    if (!team) throw new DomainError('not_found', `No team with id ${teamId}`, { teamId });
    return team;
  }

  /** The team and its settings as read at most TEAM_READ_TTL_MS ago (one read shared by concurrent callers). */
  private recentTeam(teamId: string): Promise<{ team: Team | null; settings: CheckinSettings }> {
    const now = performance.now();
    const recent = this.teamReads.get(teamId);
    if (recent && now - recent.at < TEAM_READ_TTL_MS) return recent.read;
    for (const [id, r] of this.teamReads) if (now - r.at >= TEAM_READ_TTL_MS) this.teamReads.delete(id);
    const read = Promise.all([this.teams.get(teamId), this.repo.getSettings(teamId)]).then(([team, settings]) => ({ team, settings: settings ?? defaultSettings(teamId) }));
    this.teamReads.set(teamId, { at: now, read });
    read.catch(() => this.teamReads.delete(teamId));
    return read;
  }

  private async members(team: Team): Promise<(Person & Member)[]> {
    return (await this.people.getMany(team.memberIds)).filter((p) => p.active);
  }
}

export const promptKey = (c: Pick<Checkin, 'personId' | 'period'>) => `checkin.prompt:${c.personId}:${c.period}`;
export const summaryKey = (teamId: string, period: string) => `checkin.summary:${teamId}:${period}`;
export const blockerKey = (b: Pick<Blocker, 'id'>) => `checkin.blocker:${b.id}`;

function stepsOf(c: Checkin): Step[] {
  const steps: Step[] = [];
  c.questions.forEach((q, index) => {
    steps.push({ kind: 'question', index });
    if (q.id === 'obstacles') steps.push({ kind: 'needsHelp' });
  });
  return steps;
}

/** The next step index, skipping "need help?" when no obstacle was given. */
function nextStep(c: Checkin, answers: Record<string, string>, from: number): number {
  const steps = stepsOf(c);
  let i = from;
  while (i < steps.length && steps[i]?.kind === 'needsHelp' && !answers.obstacles) i += 1;
  return i;
}

function mood(checkins: Checkin[]): number | null {
  const values = checkins.filter((c) => c.status === 'answered').map((c) => Number(c.answers.mood)).filter((n) => n >= 1 && n <= 5);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}
