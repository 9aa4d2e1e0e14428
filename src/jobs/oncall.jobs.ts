import type { Core } from '../core/index.js';
import type { Jobs } from './scheduler.js';

/** A reconciliation of coverage warnings with the schedules; the demo clock skips it like other housekeeping. */
export const COVERAGE_JOB = 'oncall.coverage.reconcile';

/** The look-ahead for gaps in on-call coverage, hourly over the next 7 days (each gap is told to the team's manager once). */
export async function registerOncallJobs(jobs: Jobs, core: Core): Promise<void> {
  jobs.handle(COVERAGE_JOB, async () => {
    await core.schedules.checkCoverage();
  });
  await jobs.upsertRecurring(COVERAGE_JOB, { pattern: '23 * * * *', timeZone: 'UTC' }, COVERAGE_JOB, {});
}
