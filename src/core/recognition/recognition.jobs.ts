import { z } from 'zod';
import { defineJob, defineJobs } from '../job-declarations.js';
import { DELIVER_JOB } from './deliver.js';
import type { Recognition } from './recognition.js';

const PURGE_JOB = 'kudos.claims.purge';

/** Kudos delivery (DMs and channel posts, retried by the queue) and the daily purge of expired idempotency keys. */
export const recognitionJobs = (recognition: Recognition) =>
  defineJobs('recognition', {
    jobs: [
      defineJob(DELIVER_JOB, z.object({ kudosId: z.string().min(1) }), (d) => recognition.deliver(d.kudosId)),
      defineJob(PURGE_JOB, z.object({}), () => recognition.purgeExpiredClaims()),
    ],
    recurring: [{ id: PURGE_JOB, pattern: '41 3 * * *', timeZone: 'UTC', name: PURGE_JOB, data: {} }],
  });
