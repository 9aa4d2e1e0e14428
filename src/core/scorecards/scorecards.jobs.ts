import { z } from 'zod';
import { defineJob, defineJobs } from '../job-declarations.js';
import { ACTION_JOBS } from './actions.js';
import type { Scorecards } from './scorecards.js';

/** The scorecard jobs: reminders to owners of corrective actions before and at their due date. */
export const scorecardJobs = (scorecards: Scorecards) =>
  defineJobs('scorecards', {
    jobs: [defineJob(ACTION_JOBS.remind, z.object({ actionId: z.string().min(1), n: z.number().int().min(0).max(1) }), (d) => scorecards.actions.remind(d.actionId, d.n))],
  });
