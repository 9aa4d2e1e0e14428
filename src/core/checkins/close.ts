import type { Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import type { Scheduler } from '../ports.js';
import type { CheckinRepository } from './checkins.types.js';
import { closedView } from './checkins.views.js';
import { CHECKIN_JOBS, promptKey } from './keys.js';
import type { Summarise } from './summarise.js';

export interface CloseDeps {
  checkins: Pick<CheckinRepository, 'get' | 'update'>;
  messenger: Pick<Messenger, 'update'>;
  scheduler: Pick<Scheduler, 'enqueue'>;
  clock: Clock;
  summarise: Summarise;
}

/** At the person's deadline: an unanswered check-in becomes missed, and the team summary goes out once all are in. */
export function closer(d: CloseDeps): (checkinId: string) => Promise<void> {
  return async (checkinId) => {
    const c = await d.checkins.get(checkinId);
    if (!c) return;
    const now = d.clock.now();
    if (now < c.deadlineAt) {
      // Promoted before its time by the clock: come back at the deadline.
      await d.scheduler.enqueue(CHECKIN_JOBS.close, { checkinId }, { jobId: `checkin.close:${checkinId}:${now.getTime()}`, at: c.deadlineAt });
      return;
    }
    if (c.status === 'pending') {
      const closed = await d.checkins.update(c.id, ['pending'], { status: 'missed', step: null }, now);
      if (closed) await d.messenger.update(promptKey(closed), closedView(closed));
    }
    await d.summarise(c.teamId, c.period);
  };
}
