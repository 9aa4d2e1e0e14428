import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { defineJob, defineJobs } from '../core/job-declarations.js';
import type { Logger } from '../core/logger.js';

/** Records kept only for a while: posted-message records and processing claims (redeliveries come within minutes). */
export type Purgeable = { purge(before: Date): Promise<number> };

const RETENTION_DAYS = 180;

/** Housekeeping on the system queue: the daily retention purge of old message records and processing claims. */
export const systemJobs = (purgeables: Record<string, Purgeable>, clock: Clock, logger: Logger) =>
  defineJobs('system', {
    jobs: [
      defineJob('retention.purge', z.object({}), async () => {
        const before = new Date(clock.now().getTime() - RETENTION_DAYS * 86_400_000);
        const purged: Record<string, number> = {};
        for (const [kind, repo] of Object.entries(purgeables)) purged[kind] = await repo.purge(before);
        logger.info({ purged, before }, 'retention: old records purged');
      }),
    ],
    recurring: [{ id: 'retention', pattern: '17 3 * * *', timeZone: 'UTC', name: 'retention.purge', data: {} }],
  });
