import type { Reply } from '../chat/chat.port.js';
import { reply } from '../chat/chat.port.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Person } from '../people/people.types.js';
import type { Page } from '../ports.js';
import type { Checkin, CheckinQuery, CheckinRepository } from './checkins.types.js';
import { historyView } from './checkins.views.js';
import { periodMinus, periodOf } from './schedule.js';

export interface Participation {
  answered: number;
  skipped: number;
  missed: number;
  /** Answered out of the check-ins that closed (answered + skipped + missed); null when none closed yet. */
  rate: number | null;
}

export interface HistoryDeps {
  checkins: Pick<CheckinRepository, 'history' | 'countByStatus' | 'list' | 'get'>;
  clock: Clock;
}

/** Reading check-ins back: a person's history, participation, and the admin API's list and get. */
export class CheckinHistory {
  constructor(private readonly d: HistoryDeps) {}

  async historyReply(actor: Person): Promise<Reply> {
    return reply.private(historyView(await this.d.checkins.history(actor.id, 8)));
  }

  /** Answered out of closed check-ins over the last `weeks` ISO weeks, for a person or a team (scorecards). */
  async participation(filter: { personId?: string; teamId?: string }, weeks = 12): Promise<Participation> {
    const toPeriod = periodOf(this.d.clock.now(), 'UTC');
    const counts = await this.d.checkins.countByStatus({ ...filter, fromPeriod: periodMinus(toPeriod, weeks), toPeriod: periodMinus(toPeriod, -1) });
    const closed = counts.answered + counts.skipped + counts.missed;
    return { answered: counts.answered, skipped: counts.skipped, missed: counts.missed, rate: closed ? counts.answered / closed : null };
  }

  list(query: CheckinQuery): Promise<Page<Checkin>> {
    return this.d.checkins.list(query);
  }

  async get(id: string): Promise<Checkin> {
    const c = await this.d.checkins.get(id);
    if (!c) throw new DomainError('not_found', `No check-in with id ${id}`, { id });
    return c;
  }
}
