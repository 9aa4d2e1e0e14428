import type { Alert } from '../../src/core/alerts/alerts.types.js';
import { DUE_AT } from '../../src/jobs/scheduler.js';
import type { Tandem } from '../../src/main.js';
import { eventually } from './servers.js';

/** A clock the test moves by hand. */
export class HandClock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
  advance(minutes: number): void {
    this.at = new Date(this.at.getTime() + minutes * 60_000);
  }
}

/** Waits until the alerts queue has nothing waiting or running, nor first steps running in process. */
export async function alertsIdle(tandem: Pick<Tandem, 'jobs' | 'core'>): Promise<void> {
  await eventually(
    async () => {
      if (tandem.core.escalation.firstStepsRunning > 0) return false;
      const counts = await tandem.jobs.queue('alerts').getJobCounts('waiting', 'active', 'prioritized');
      return (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0) === 0;
    },
    15_000,
    'the alerts queue idle',
  );
}

/**
 * What the demo clock does: runs every delayed escalation job that is due by
 * the test's clock (and what they queue at once), until none is left due.
 */
export async function runDue(tandem: Pick<Tandem, 'jobs' | 'core'>, clock: HandClock): Promise<number> {
  let promoted = 0;
  for (;;) {
    await alertsIdle(tandem);
    const due = (await tandem.jobs.queue('alerts').getDelayed()).filter(
      (j) => j.name.startsWith('escalation.') && Number((j.data as Record<string, unknown>)[DUE_AT]) <= clock.now().getTime(),
    );
    if (!due.length) return promoted;
    for (const job of due) await job.promote();
    promoted += due.length;
  }
}

/** Escalation jobs still waiting for their time. */
export async function pendingSteps(tandem: Pick<Tandem, 'jobs'>): Promise<string[]> {
  return (await tandem.jobs.queue('alerts').getDelayed()).filter((j) => j.name.startsWith('escalation.')).map((j) => String(j.id));
}

/** The escalation part of an alert's timeline: `<escalation kind>@<step>` per entry, in order. */
export const escalationLine = (alert: Alert): string[] =>
  alert.timeline.filter((t) => t.data?.escalation).map((t) => `${String(t.data?.escalation)}${t.data?.step === undefined ? '' : `@${String(t.data.repeat)}.${String(t.data.step)}`}`);
