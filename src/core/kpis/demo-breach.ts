import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import { defineJob, defineJobs } from '../job-declarations.js';
import type { Logger } from '../logger.js';
import type { Scheduler } from '../ports.js';
import type { Kpis } from './kpis.module.js';

/**
 * Demo mode only (DEMO_MODE, wired in main.ts): every working day at 10:00
 * in the demo organisation's zone, a red sample of Platform's "Cloud cost
 * per user" KPI (seeded by scripts/seed-demo-scorecard.ts) goes in through
 * the normal sample path. So "Jump to next event" in the console's demo clock
 * raises the KPI alert, Platform's escalation policy pages the on-call person
 * in their console DM, and further jumps reach the next steps. One run is
 * always queued ahead: at boot, and by each run for the next working day.
 */
export const DEMO_BREACH = {
  job: 'kpi.demo-breach',
  kpiKey: 'demo-cloud-cost',
  /** Euros; the KPI is red above 1.5 (and its seeded baseline, about 1.35 ± 0.05, puts 1.62 well below the 10σ input-error rule). */
  value: 1.62,
  zone: 'Europe/Berlin',
  hour: 10,
} as const;

/** The next working day's 10:00 (Monday to Friday) in the demo zone strictly after `now`. */
export function nextBreachAt(now: Date): Date {
  let at = DateTime.fromJSDate(now, { zone: DEMO_BREACH.zone }).set({ hour: DEMO_BREACH.hour, minute: 0, second: 0, millisecond: 0 });
  while (at.toMillis() <= now.getTime() || at.weekday > 5) at = at.plus({ days: 1 });
  return at.toJSDate();
}

interface DemoBreachDeps {
  kpis: Pick<Kpis, 'recordSamples'>;
  scheduler: Pick<Scheduler, 'enqueue'>;
  clock: Clock;
  logger: Logger;
}

/** Queues the next breach (its id is its instant, so queuing again for the same instant changes nothing). */
async function queueNext(d: DemoBreachDeps): Promise<void> {
  const at = nextBreachAt(d.clock.now());
  await d.scheduler.enqueue(DEMO_BREACH.job, { at: at.getTime() }, { jobId: `${DEMO_BREACH.job}:${at.getTime()}`, at });
}

/** Posts the breaching sample at the run's instant (a repeated run resends the same sample: unchanged), then queues the next. */
async function breach(d: DemoBreachDeps, at: Date): Promise<void> {
  try {
    await d.kpis.recordSamples(DEMO_BREACH.kpiKey, { at: at.toISOString(), value: DEMO_BREACH.value }, 'demo');
  } catch (err) {
    if (!(err instanceof DomainError && err.code === 'not_found')) throw err;
    d.logger.info({ kpi: DEMO_BREACH.kpiKey }, 'demo breach skipped: the demo organisation is not seeded');
  }
  await queueNext(d);
}

/** The demo breach on the alerts queue, queued at start. */
export const demoBreachJobs = (d: DemoBreachDeps) =>
  defineJobs('kpis', {
    jobs: [defineJob(DEMO_BREACH.job, z.object({ at: z.number().int() }), (data) => breach(d, new Date(data.at)))],
    atStart: () => queueNext(d),
  });
