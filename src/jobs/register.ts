import type { FeatureJobs } from '../core/job-declarations.js';
import type { Jobs } from './scheduler.js';

/** The one registration loop: every feature's job declarations, then its recurring schedules, then its start hook. */
export async function registerJobs(jobs: Jobs, features: readonly FeatureJobs[]): Promise<void> {
  for (const feature of features) for (const job of feature.jobs) jobs.declare(feature.queue, job);
  for (const feature of features) {
    for (const r of feature.recurring) await jobs.upsertRecurring(r.id, { pattern: r.pattern, timeZone: r.timeZone }, r.name, r.data);
  }
  for (const feature of features) await feature.atStart?.();
}
