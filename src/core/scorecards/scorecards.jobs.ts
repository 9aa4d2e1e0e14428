import { z } from 'zod';
import { defineJob, defineJobs } from '../job-declarations.js';
import { ACTION_JOBS } from './actions.js';
import { DIGEST_JOBS } from './digest.js';
import type { Scorecards } from './scorecards.js';

export const ROLLUP_JOB = 'scorecard.rollup';

/**
 * The scorecard jobs: reminders to owners of corrective actions before and at their due date; the weekly
 * digest, one firing per recipients' zone, kept in step with leaders and opted-in managers hourly, at boot,
 * after a Redis reconnect and on the reconcile timer; the weekly roll-ups of check-ins and kudos, recounted every
 * 5 minutes for the weeks not settled yet.
 */
export const scorecardJobs = (scorecards: Scorecards) =>
  defineJobs('scorecards', {
    jobs: [
      defineJob(ACTION_JOBS.remind, z.object({ actionId: z.string().min(1), n: z.number().int().min(0).max(1) }), (d) => scorecards.actions.remind(d.actionId, d.n)),
      defineJob(DIGEST_JOBS.fire, z.object({ timeZone: z.string().min(1) }), async (d) => void (await scorecards.digest.fire(d.timeZone))),
      defineJob(DIGEST_JOBS.reconcile, z.object({}), () => scorecards.digest.reconcile()),
      defineJob(ROLLUP_JOB, z.object({}), async () => void (await scorecards.rollup())),
    ],
    recurring: [
      { id: 'scorecard:digest-reconcile', pattern: '13 * * * *', timeZone: 'UTC', name: DIGEST_JOBS.reconcile, data: {} },
      { id: 'scorecard:rollup', pattern: '*/5 * * * *', timeZone: 'UTC', name: ROLLUP_JOB, data: {} },
    ],
    reconcile: () => scorecards.digest.reconcile(),
  });
