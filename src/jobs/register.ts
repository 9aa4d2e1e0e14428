import type { Redis } from 'ioredis';
import type { FeatureJobs } from '../core/job-declarations.js';
import { Reconciler } from './reconciler.js';
import type { Jobs } from './scheduler.js';

/**
 * The one registration loop: every feature's job declarations, then a first reconcile (recurring schedules,
 * each feature's `reconcile` and `sweep`), then its start hook. With `watch`, the returned reconciler runs again
 * after every reconnect of that Redis connection and every `intervalMs`; stop it before closing the jobs.
 */
export async function registerJobs(jobs: Jobs, features: readonly FeatureJobs[], watch?: { redis: Redis; intervalMs: number }): Promise<Reconciler> {
  for (const feature of features) for (const job of feature.jobs) jobs.declare(feature.queue, job);
  const reconciler = new Reconciler(jobs, features, jobs.logger);
  await reconciler.run('boot');
  for (const feature of features) await feature.atStart?.();
  if (watch) reconciler.start(watch.redis, watch.intervalMs);
  return reconciler;
}
