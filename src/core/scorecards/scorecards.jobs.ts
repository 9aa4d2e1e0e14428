import { z } from 'zod';
import { defineJob, defineJobs } from '../job-declarations.js';
import type { Logger } from '../logger.js';
import type { PagesFirst } from '../pages-first.js';
import { ACTION_JOBS } from './actions.js';
import { DIGEST_JOBS } from './digest.js';
import type { Scorecards } from './scorecards.js';

export const ROLLUP_JOB = 'scorecard.rollup';
/** The roll-up starts after this long with no alert work in flight... */
const ROLLUP_QUIET_MS = 2_000;
/** ...and gives its round up when there was none such within this (the next round is 5 minutes on). */
const ROLLUP_WAIT_MS = 4 * 60_000;

/**
 * The scorecard jobs: reminders to owners of corrective actions before and at their due date; the weekly
 * digest, one firing per recipients' zone, kept in step with leaders and opted-in managers hourly, at boot,
 * after a Redis reconnect and on the reconcile timer; the weekly roll-ups of check-ins and kudos, recounted every
 * 5 minutes for the weeks not settled yet. The roll-up scans (people, check-ins, kudos, and the sources' inputs
 * that changed): with `pagesFirst` it waits for a quiet spell in the process's alert work, and skips its round
 * in an alert storm; it only warms what a scorecard would otherwise compute when asked.
 */
export const scorecardJobs = (scorecards: Scorecards, o: { pagesFirst?: Pick<PagesFirst, 'quiet'>; logger?: Logger } = {}) =>
  defineJobs('scorecards', {
    jobs: [
      defineJob(ACTION_JOBS.remind, z.object({ actionId: z.string().min(1), n: z.number().int().min(0).max(1) }), (d) => scorecards.actions.remind(d.actionId, d.n)),
      defineJob(DIGEST_JOBS.fire, z.object({ timeZone: z.string().min(1) }), async (d) => void (await scorecards.digest.fire(d.timeZone))),
      defineJob(DIGEST_JOBS.reconcile, z.object({}), () => scorecards.digest.reconcile()),
      defineJob(ROLLUP_JOB, z.object({}), async () => {
        if (o.pagesFirst && !(await o.pagesFirst.quiet(ROLLUP_QUIET_MS, ROLLUP_WAIT_MS))) {
          o.logger?.info({ waitedMs: ROLLUP_WAIT_MS }, 'scorecard roll-up skipped: alert work kept coming; the next round tries again');
          return;
        }
        await scorecards.rollup();
      }),
    ],
    recurring: [
      { id: 'scorecard:digest-reconcile', pattern: '13 * * * *', timeZone: 'UTC', name: DIGEST_JOBS.reconcile, data: {} },
      { id: 'scorecard:rollup', pattern: '*/5 * * * *', timeZone: 'UTC', name: ROLLUP_JOB, data: {} },
    ],
    reconcile: () => scorecards.digest.reconcile(),
  });
