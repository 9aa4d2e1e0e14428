import type { Reply } from '../chat/chat.port.js';
import { reply } from '../chat/chat.port.js';
import type { Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import type { Person } from '../people/people.types.js';
import type { PeopleRepository, Scheduler } from '../ports.js';
import type { BulkTurns } from '../pages-first.js';
import { ownCheckin } from './access.js';
import type { CheckinRepository } from './checkins.types.js';
import { answeredView, closedView, promptView, snoozedView } from './checkins.views.js';
import { CHECKIN_JOBS } from './keys.js';

export const SNOOZE_MS = 2 * 3_600_000;

export interface RemindDeps {
  checkins: Pick<CheckinRepository, 'get' | 'update' | 'openBlockers'>;
  people: Pick<PeopleRepository, 'get'>;
  messenger: Pick<Messenger, 'dm'>;
  scheduler: Pick<Scheduler, 'enqueue'>;
  clock: Clock;
  /** Pages first: a reminder (sent to a whole team at once, like the prompts) waits its turn while alert work is in flight. */
  pagesFirst?: BulkTurns;
}

/** Reminders of an unanswered check-in: the scheduled ones, and "remind me in 2 hours". */
export class CheckinReminders {
  constructor(private readonly d: RemindDeps) {}

  /** Sends the reminder under `key` (reminder n or snooze n): only while unanswered and before the deadline. */
  async remind(checkinId: string, key: string): Promise<boolean> {
    await this.d.pagesFirst?.turn();
    const c = await this.d.checkins.get(checkinId);
    if (!c || c.status !== 'pending' || this.d.clock.now() >= c.deadlineAt) return false;
    const person = await this.d.people.get(c.personId);
    if (!person) return false;
    const view = promptView(c, person.name, await this.d.checkins.openBlockers(c.personId), false, `Hi ${person.name}, your check-in is still waiting.`);
    return this.d.messenger.dm(c.personId, view, key);
  }

  /** The snooze button: one more reminder in two hours (before the deadline). */
  async snooze(actor: Person, checkinId: string): Promise<Reply> {
    const c = await ownCheckin(this.d.checkins, actor, checkinId);
    const now = this.d.clock.now();
    if (c.status !== 'pending' || now >= c.deadlineAt) return reply.private(c.status === 'answered' ? answeredView(c, now < c.deadlineAt) : closedView(c));
    const until = new Date(Math.min(now.getTime() + SNOOZE_MS, c.deadlineAt.getTime() - 60_000));
    const updated = await this.d.checkins.update(c.id, ['pending'], { snoozes: c.snoozes + 1 }, now);
    if (!updated) return reply.private(closedView(c));
    const n = updated.snoozes;
    await this.d.scheduler.enqueue(CHECKIN_JOBS.snooze, { checkinId: c.id, n }, { jobId: `checkin.snooze:${c.id}:${n}`, at: until });
    return reply.private(snoozedView(until, c.timeZone));
  }
}
