import type { Job, Queue } from 'bullmq';
import type { OffsetClock } from '../../core/clock.js';

export interface UpcomingJob {
  id: string;
  name: string;
  dueAt: string;
}

export interface ClockStatus {
  now: string;
  offsetMs: number;
  next: UpcomingJob[];
}

const dueOf = (job: Job): number => job.timestamp + (job.delay ?? 0);

/** Housekeeping (purges, reconciliations) is not an event anyone sees in a demo. */
const isHousekeeping = (name: string): boolean => /\.(purge|reconcile|cleanup)$/.test(name);

/**
 * The demo clock: Tandem's OffsetClock plus the delayed jobs of its queue.
 * "Jump to the next event" moves the clock to the earliest delayed job's due
 * time and promotes that job, so its handler runs now and sees that time.
 */
export class DemoClock {
  constructor(
    private readonly clock: OffsetClock,
    private readonly queue: Queue,
  ) {}

  async status(limit = 8): Promise<ClockStatus> {
    const jobs = await this.delayed();
    return {
      now: this.clock.now().toISOString(),
      offsetMs: this.clock.offset,
      next: jobs.slice(0, limit).map((j) => ({ id: j.id ?? '', name: j.name, dueAt: new Date(dueOf(j)).toISOString() })),
    };
  }

  /** Runs the earliest delayed job now, at its due time on the demo clock; null when nothing is waiting. */
  async jumpToNext(): Promise<UpcomingJob | null> {
    for (const job of await this.delayed()) {
      const due = dueOf(job);
      this.clock.advanceTo(new Date(due));
      try {
        await job.promote();
      } catch {
        // Another click or the worker got there first: try the next one.
        continue;
      }
      return { id: job.id ?? '', name: job.name, dueAt: new Date(due).toISOString() };
    }
    return null;
  }

  private async delayed(): Promise<Job[]> {
    const jobs = (await this.queue.getDelayed(0, 999)).filter((j): j is Job => Boolean(j) && !isHousekeeping(j.name));
    return jobs.sort((a, b) => dueOf(a) - dueOf(b));
  }
}
