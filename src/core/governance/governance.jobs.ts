import { z } from 'zod';
import type { AuditLog } from '../audit.js';
import { defineJob, defineJobs } from '../job-declarations.js';
import type { Retention } from './retention.js';

/**
 * Housekeeping on the system queue: the daily retention purge (every
 * registered kind, honouring legal holds) and the audit reconciler, at boot
 * and every five minutes.
 */
export const governanceJobs = (d: { retention: Retention; audit: AuditLog }) =>
  defineJobs('system', {
    jobs: [
      defineJob('retention.purge', z.object({}), () => d.retention.purge()),
      defineJob('system.audit.reconcile', z.object({}), () => d.audit.reconcile()),
    ],
    recurring: [
      { id: 'retention', pattern: '17 3 * * *', timeZone: 'UTC', name: 'retention.purge', data: {} },
      { id: 'system.audit.reconcile', pattern: '*/5 * * * *', timeZone: 'UTC', name: 'system.audit.reconcile', data: {} },
    ],
    atStart: async () => {
      await d.audit.reconcile();
    },
  });
