import { DateTime } from 'luxon';
import { reply, type Reply } from '../chat/chat.port.js';
import { mention, mentionedPersonIds, v } from '../chat/views.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Messenger } from '../chat/messenger.js';
import type { Person } from '../people/people.types.js';
import type { PeopleRepository, Scheduler } from '../ports.js';
import type { ScorecardAccess } from './access.js';
import { sortActions } from './scorecard.js';
import type { ActionRepository, CorrectiveAction } from './scorecards.types.js';

export const ACTION_JOBS = { remind: 'scorecard.action.remind' } as const;
/** Reminders: this many days before the due date, and on it, at 09:00 in the owner's zone. */
export const REMIND_DAYS_BEFORE = 2;
const REMIND_AT = { hour: 9, minute: 0 };
const ADD_PATTERN = /^"([^"]{3,300})"\s+on\s+([A-Za-z0-9_.-]{1,64})\s+owner\s+(\S+)\s+due\s+(\d{4}-\d{2}-\d{2})$/;
export const ADD_USAGE = '`/tandem action add "what will be done" on KPI-KEY owner @someone due YYYY-MM-DD`';

export interface ActionDeps {
  actions: ActionRepository;
  people: Pick<PeopleRepository, 'get'>;
  access: ScorecardAccess;
  scheduler: Pick<Scheduler, 'enqueue'>;
  messenger: Pick<Messenger, 'dm'>;
  clock: Clock;
}

/** The corrective actions register: add on a KPI, list (overdue first), mark done, remind owners. */
export class CorrectiveActions {
  constructor(private readonly d: ActionDeps) {}

  async addFromText(actor: Person, text: string): Promise<Reply> {
    const m = ADD_PATTERN.exec(text.trim());
    if (!m) throw new DomainError('validation', `I couldn't read that action. Write it as ${ADD_USAGE}.`);
    const [, what = '', kpiKey = '', owner = '', due = ''] = m;
    const [ownerId] = mentionedPersonIds(owner);
    if (!ownerId) throw new DomainError('validation', `Name the owner with an @mention, e.g. ${ADD_USAGE}.`);
    const action = await this.add(actor, { text: what, kpiKey, ownerId, due });
    return reply.private(v.view('Corrective action added', v.section(`📝 Added on *${action.kpiKey}*: ${action.text}\nOwner ${mention(action.ownerId)}, due ${action.due}. I'll remind them ${REMIND_DAYS_BEFORE} days before and on the day.`)));
  }

  /** Adds an action (chat or admin API); only managers, leaders and admins may. */
  async add(actor: Person | null, input: { text: string; kpiKey: string; ownerId: string; due: string; teamId?: string | null }): Promise<CorrectiveAction> {
    if (actor && (await this.d.access.visibility(actor)).level === 'member') throw new DomainError('forbidden', 'Only managers and leaders keep the corrective actions register.');
    const owner = await this.d.people.get(input.ownerId);
    if (!owner?.active) throw new DomainError('validation', 'The owner must be an active person.', { ownerId: input.ownerId });
    const due = DateTime.fromISO(input.due, { zone: owner.timeZone });
    if (!due.isValid) throw new DomainError('validation', `"${input.due}" is not a date: use YYYY-MM-DD.`, { due: input.due });
    const now = this.d.clock.now();
    const action = await this.d.actions.insert({
      kpiKey: input.kpiKey,
      teamId: input.teamId ?? null,
      text: input.text.trim(),
      ownerId: owner.id,
      due: input.due,
      status: 'open',
      createdBy: actor?.id ?? 'api',
      createdAt: now,
      doneAt: null,
    });
    const at = [due.minus({ days: REMIND_DAYS_BEFORE }), due].map((d) => d.set(REMIND_AT).toJSDate());
    for (const [n, when] of at.entries()) {
      if (when > now) await this.d.scheduler.enqueue(ACTION_JOBS.remind, { actionId: action.id, n }, { jobId: `scorecard.action.remind:${action.id}:${n}`, at: when });
    }
    return action;
  }

  async done(actor: Person | null, id: string): Promise<CorrectiveAction> {
    const a = await this.d.actions.get(id);
    if (!a) throw new DomainError('not_found', `No corrective action with id ${id}`, { id });
    if (actor && actor.id !== a.ownerId && (await this.d.access.visibility(actor)).level === 'member') throw new DomainError('forbidden', 'Only the owner or a manager can close this action.');
    return (await this.d.actions.setStatus(id, 'done', this.d.clock.now())) ?? a;
  }

  async list(today?: string): Promise<(CorrectiveAction & { overdue: boolean })[]> {
    return sortActions(await this.d.actions.all(), today ?? DateTime.fromJSDate(this.d.clock.now(), { zone: 'UTC' }).toISODate() ?? '');
  }

  async listReply(actor: Person): Promise<Reply> {
    if ((await this.d.access.visibility(actor)).level === 'member') throw new DomainError('forbidden', 'Only managers and leaders see the corrective actions register.');
    const today = DateTime.fromJSDate(this.d.clock.now(), { zone: actor.timeZone }).toISODate() ?? '';
    const open = (await this.list(today)).filter((a) => a.status === 'open');
    const lines = open.slice(0, 20).map((a) => `${a.overdue ? '⏰ *overdue*' : '•'} [${a.kpiKey}] ${a.text} · ${mention(a.ownerId)} · due ${a.due} · \`${a.id}\``);
    return reply.private(v.view('Corrective actions', v.header('📝 Corrective actions'), v.section(lines.length ? lines.join('\n') : `None open. Add one with ${ADD_USAGE}.`)));
  }

  /** The reminder job: re-reads the action and DMs its owner while it is still open. */
  async remind(actionId: string, n: number): Promise<void> {
    const a = await this.d.actions.get(actionId);
    if (a?.status !== 'open') return;
    const when = n === 0 ? `is due on ${a.due}` : 'is due today';
    await this.d.messenger.dm(a.ownerId, v.view(`Corrective action ${when}`, v.section(`⏰ Your corrective action on *${a.kpiKey}* ${when}: ${a.text}`), v.context(`Close it with \`/tandem action done ${a.id}\`.`)), `scorecard.action.remind:${a.id}:${n}`);
  }
}
