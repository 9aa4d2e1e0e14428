import { z } from 'zod';
import { defineJob, defineJobs } from '../job-declarations.js';
import type { Surveys } from './surveys.js';
import { SURVEY_JOBS } from './surveys.types.js';

const id = z.string().min(1);
const n = z.number().int().min(1);

/**
 * The survey jobs on the surveys queue: open a round (and its fatigue-guard
 * retries), one invitation and its reminders per person, the close. Payloads
 * are ids and counters only, never an answer. The sweep (sweep.ts) queues
 * again what Redis lost, at boot, after a Redis reconnect and on the timer.
 */
export const surveyJobs = (surveys: Surveys) =>
  defineJobs('surveys', {
    jobs: [
      defineJob(SURVEY_JOBS.open, z.object({ surveyId: id, n }), (d) => surveys.open(d.surveyId, d.n)),
      defineJob(SURVEY_JOBS.invite, z.object({ roundId: id, personId: id }), (d) => surveys.invite(d.roundId, d.personId)),
      defineJob(SURVEY_JOBS.remind, z.object({ roundId: id, personId: id, n }), (d) => surveys.remind(d.roundId, d.personId, d.n)),
      defineJob(SURVEY_JOBS.close, z.object({ roundId: id }), (d) => surveys.close(d.roundId)),
    ],
    sweep: () => surveys.sweep(),
  });
