import type { Core } from '../core/index.js';
import { KPI_JOBS } from '../core/kpis/deps.js';
import type { Jobs } from './scheduler.js';

/** How often stale feeds are looked for (the check itself reads the Clock). */
export const STALE_CHECK_PATTERN = '*/5 * * * *';

/**
 * The alerts feature's jobs in one place (so they move to the alerts queue
 * as a unit): judging a KPI's new samples, and the periodic stale check.
 */
export async function registerAlertJobs(jobs: Jobs, core: Core): Promise<void> {
  jobs
    .handle(KPI_JOBS.detect, async (data) => {
      if (typeof data.kpiKey !== 'string') throw new TypeError('job data is missing kpiKey');
      await core.kpis.detect(data.kpiKey);
    })
    .handle(KPI_JOBS.stale, async () => {
      await core.kpis.checkStale();
    });
  await jobs.upsertRecurring('kpi:stale', { pattern: STALE_CHECK_PATTERN, timeZone: 'UTC' }, KPI_JOBS.stale, {});
}
