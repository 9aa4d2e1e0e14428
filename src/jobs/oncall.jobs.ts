import type { Core } from '../core/index.js';
import type { Jobs } from './scheduler.js';

export const COVERAGE_JOB = 'oncall.coverage';

/** The look-ahead for gaps in on-call coverage, every 6 hours over the next 7 days (each gap is told to the team's manager once). */
export async function registerOncallJobs(jobs: Jobs, core: Core): Promise<void> {
  jobs.handle(COVERAGE_JOB, async () => {
    await core.schedules.checkCoverage();
  });
  await jobs.upsertRecurring(COVERAGE_JOB, { pattern: '23 */6 * * *', timeZone: 'UTC' }, COVERAGE_JOB, {});
}
