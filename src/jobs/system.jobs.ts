import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { defineJob, defineJobs } from '../core/job-declarations.js';
import type { Logger } from '../core/logger.js';
import type { PostedMessageRepository } from '../core/ports.js';

const RETENTION_DAYS = 180;

/** Housekeeping on the system queue: the daily retention purge of old message records. */
export const systemJobs = (postedMessages: PostedMessageRepository, clock: Clock, logger: Logger) =>
  defineJobs('system', {
    jobs: [
      defineJob('retention.purge', z.object({}), async () => {
        const before = new Date(clock.now().getTime() - RETENTION_DAYS * 86_400_000);
        const purged = await postedMessages.purge(before);
        logger.info({ purged, before }, 'retention: old message records purged');
      }),
    ],
    recurring: [{ id: 'retention', pattern: '17 3 * * *', timeZone: 'UTC', name: 'retention.purge', data: {} }],
  });
