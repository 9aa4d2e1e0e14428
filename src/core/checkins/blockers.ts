import type { Reply } from '../chat/chat.port.js';
import { reply } from '../chat/chat.port.js';
import type { Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Person } from '../people/people.types.js';
import type { PeopleRepository, TeamRepository } from '../ports.js';
import type { Blocker, BlockerStatus, Checkin, CheckinRepository } from './checkins.types.js';
import { v } from '../chat/views.js';
import { blockerStatusForPerson, blockerView, CHECKIN } from './checkins.views.js';
import { blockerKey } from './keys.js';

/** Raises (or finds) the alert of a blocker, routed to the team's escalation policy; `by` is who asked. */
export type PageBlocker = (blocker: Blocker, by: string) => Promise<{ alertId: string; opened: boolean }>;

export interface BlockerDeps {
  checkins: Pick<CheckinRepository, 'getBlocker' | 'setBlockerStatus' | 'updateBlockerText' | 'blockerOf' | 'createBlocker'>;
  teams: Pick<TeamRepository, 'get'>;
  people: Pick<PeopleRepository, 'get'>;
  messenger: Pick<Messenger, 'dm' | 'update'>;
  clock: Clock;
  pageBlocker?: PageBlocker;
}

const STATUS_OF_ACTION: Record<string, BlockerStatus> = {
  [CHECKIN.blockerAck]: 'acknowledged',
  [CHECKIN.blockerFollow]: 'following_up',
  [CHECKIN.blockerResolve]: 'resolved',
};

/**
 * Blockers: an answer that asks for help opens one for the manager; the
 * manager acknowledges, follows up or resolves it (the person may resolve
 * their own), and every copy of its message follows.
 */
export class Blockers {
  constructor(private readonly d: BlockerDeps) {}

  /** A blocker button. */
  async act(actor: Person, actionId: string, blockerId: string): Promise<Reply> {
    const b = await this.d.checkins.getBlocker(blockerId);
    if (!b) throw new DomainError('not_found', 'That blocker no longer exists.');
    const isManager = actor.id === b.managerId;
    if (actionId === CHECKIN.blockerPage) {
      if (!isManager) throw new DomainError('forbidden', 'Only the manager of this team can page on-call about this blocker.');
      return this.page(b, actor.id);
    }
    const status = STATUS_OF_ACTION[actionId];
    if (!status) throw new DomainError('validation', 'That button no longer works.');
    if (!isManager && !(status === 'resolved' && actor.id === b.personId)) {
      throw new DomainError('forbidden', 'Only the manager of this team can act on this blocker.');
    }
    if (b.status === 'resolved') return reply.update(blockerView(b));
    const updated = await this.d.checkins.setBlockerStatus(b.id, status, this.d.clock.now());
    if (!updated) throw new DomainError('not_found', 'That blocker no longer exists.');
    await this.d.messenger.update(blockerKey(updated), blockerView(updated));
    if (isManager && updated.personId !== actor.id) {
      await this.d.messenger.dm(updated.personId, blockerStatusForPerson(updated, actor.id), `${blockerKey(updated)}:${status}`);
    }
    return reply.update(blockerView(updated));
  }

  /** The manager (or the person, marking it urgent) pages whoever is on call: the blocker becomes an alert. */
  private async page(b: Blocker, by: string): Promise<Reply> {
    if (!this.d.pageBlocker) throw new DomainError('validation', 'On-call paging is not set up.');
    const { opened } = await this.d.pageBlocker(b, by);
    const text = opened ? 'Paged: the blocker is now an alert, escalated by the team’s on-call policy.' : 'This blocker is already an open alert; on-call has been told.';
    return reply.private(v.view(text, v.section(text)));
  }

  /** After an answer is saved: opens, rewrites or resolves the check-in's blocker to match it; an urgent one pages on-call. */
  async track(c: Checkin, urgent = false): Promise<void> {
    await this.follow(c);
    const blocker = urgent && c.needsHelp ? await this.d.checkins.blockerOf(c.id) : null;
    if (blocker && blocker.status !== 'resolved' && this.d.pageBlocker) await this.d.pageBlocker(blocker, c.personId);
  }

  private async follow(c: Checkin): Promise<void> {
    const text = c.answers.obstacles?.trim();
    const existing = await this.d.checkins.blockerOf(c.id);
    if (!c.needsHelp || !text) {
      if (existing && existing.status !== 'resolved') {
        const resolved = await this.d.checkins.setBlockerStatus(existing.id, 'resolved', this.d.clock.now());
        if (resolved) await this.d.messenger.update(blockerKey(resolved), blockerView(resolved));
      }
      return;
    }
    if (existing) {
      if (existing.text !== text) {
        const changed = await this.d.checkins.updateBlockerText(existing.id, text, this.d.clock.now());
        if (changed) await this.d.messenger.update(blockerKey(changed), blockerView(changed));
      }
      return;
    }
    const [team, person] = await Promise.all([this.d.teams.get(c.teamId), this.d.people.get(c.personId)]);
    const managerId = team?.managerId ?? person?.managerId ?? null;
    const { blocker, created } = await this.d.checkins.createBlocker({ checkinId: c.id, personId: c.personId, teamId: c.teamId, managerId, period: c.period, text }, this.d.clock.now());
    if (created && managerId) await this.d.messenger.dm(managerId, blockerView(blocker), blockerKey(blocker));
  }
}
