import type { Core } from '../core/index.js';
import { DELIVER_JOB } from '../core/recognition/deliver.js';
import type { Jobs } from './scheduler.js';

/** Kudos delivery (DMs and channel posts, retried by BullMQ) and the daily purge of expired idempotency keys. */
export async function registerRecognitionJobs(jobs: Jobs, core: Core): Promise<void> {
  jobs.handle(DELIVER_JOB, async (data) => {
    if (typeof data.kudosId !== 'string') return;
    await core.recognition.deliver(data.kudosId);
  });
  jobs.handle('kudos.claims.purge', async () => {
    await core.recognition.purgeExpiredClaims();
  });
  await jobs.upsertRecurring('kudos.claims.purge', { pattern: '41 3 * * *', timeZone: 'UTC' }, 'kudos.claims.purge', {});
}
