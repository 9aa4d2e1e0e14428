import type { Job, Queue } from 'bullmq';
import type { OffsetClock } from '../../core/clock.js';
import { DUE_AT } from '../../jobs/scheduler.js';

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

const PAGE = 500;

/** When the job is due on Tandem's clock (the jobs layer records it; BullMQ's own delay is on the wall clock). */
const dueOf = (job: Job): number => {
  const due: unknown = (job.data as Record<string, unknown>)[DUE_AT];
  return typeof due === 'number' ? due : job.timestamp + (job.delay ?? 0);
};

/** Housekeeping (purges, reconciliations, roll-ups) is not an event anyone sees in a demo. */
const isHousekeeping = (name: string): boolean => /\.(purge|reconcile|cleanup|rollup)$/.test(name);

/**
 * The demo clock: Tandem's OffsetClock plus the delayed jobs of its queues.
 * "Jump to the next event" moves the clock to the earliest delayed job's due
 * time and promotes that job, so its handler runs now and sees that time.
 * Needs workers on these queues (any process) to see the jobs run.
 */
export class DemoClock {
  constructor(
    private readonly clock: OffsetClock,
    private readonly queues: readonly Queue[],
  ) {}

  async status(limit = 8): Promise<ClockStatus> {
    const jobs = await this.delayed();
    return {
      now: this.clock.now().toISOString(),
      offsetMs: this.clock.offset,
      next: jobs.slice(0, limit).map((j) => ({ id: j.id ?? '', name: j.name, dueAt: new Date(dueOf(j)).toISOString() })),
    };
  }

  /**
   * Runs delayed jobs in due order, each at its due time on the demo clock,
   * until one of them visibly did something (`happened` turns true: a
   * message went out), nothing is left, or `maxJobs` ran. A daily check-in
   * firing on a day without prompts is skipped over this way, so one click
   * reaches the next prompt, reminder, deadline or summary.
   */
  async jumpToNext(happened: () => Promise<boolean>, maxJobs = 40, budgetMs = 30_000): Promise<UpcomingJob[]> {
    const ran: UpcomingJob[] = [];
    const until = Date.now() + budgetMs;
    while (ran.length < maxJobs && Date.now() < until) {
      const job = await this.promoteNext();
      if (!job) break;
      ran.push(job);
      await this.settle(until);
      if (await happened()) break;
    }
    return ran;
  }

  /**
   * Forgets the finished runs of recurring schedules, at boot. A demo jumps
   * ahead of real time and runs a schedule's iterations early; after a
   * restart the clock is back at real time and BullMQ schedules those same
   * iterations again under the same job ids, and an id it still remembers as
   * completed is silently not added, which ends the schedule: no next events,
   * and Friday's prompt never comes. Re-running an iteration is harmless
   * (each use case is idempotent by its domain key).
   */
  async forgetPastIterations(): Promise<number> {
    let removed = 0;
    for (const queue of this.queues) {
      for (const state of ['completed', 'failed'] as const) {
        for (let start = 0; ; start += PAGE) {
          const jobs: (Job | undefined)[] = await queue.getJobs([state], start, start + PAGE - 1);
          const past = jobs.filter((j): j is Job => Boolean(j?.id?.startsWith('repeat:')));
          for (const job of past) await job.remove().then(() => removed++, () => undefined);
          if (jobs.length < PAGE) break;
          start -= past.length;
        }
      }
    }
    return removed;
  }

  /** Promotes the earliest delayed job after moving the clock to its due time; null when none is waiting. */
  private async promoteNext(): Promise<UpcomingJob | null> {
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

  /** Waits until no queue has anything waiting or running (the promoted job and whatever it queued). */
  private async settle(until: number): Promise<void> {
    while (Date.now() < until) {
      const counts = await Promise.all(this.queues.map((q) => q.getJobCounts('waiting', 'active', 'prioritized')));
      if (counts.every((c) => (c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) === 0)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async delayed(): Promise<Job[]> {
    const delayed = await Promise.all(this.queues.map((q) => q.getDelayed(0, 999)));
    const jobs = delayed.flat().filter((j): j is Job => Boolean(j) && !isHousekeeping(j.name));
    return jobs.sort((a, b) => dueOf(a) - dueOf(b));
  }
}
