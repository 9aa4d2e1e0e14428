import type { Core } from '../core/index.js';
import { SURVEY_JOBS } from '../core/surveys/surveys.types.js';
import type { Jobs } from './scheduler.js';

const str = (data: Record<string, unknown>, key: string): string => {
  const value = data[key];
  if (typeof value !== 'string' || !value) throw new TypeError(`job data is missing ${key}`);
  return value;
};
const num = (data: Record<string, unknown>, key: string): number => {
  const value = data[key];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`job data is missing ${key}`);
  return value;
};

/**
 * Routes the survey jobs to core. Their payloads are ids only (survey, round,
 * person, a counter): never an answer.
 */
export function registerSurveyJobs(jobs: Jobs, core: Core): void {
  const surveys = core.surveys;
  jobs
    .handle(SURVEY_JOBS.open, async (d) => {
      await surveys.open(str(d, 'surveyId'), num(d, 'n'));
    })
    .handle(SURVEY_JOBS.invite, async (d) => {
      await surveys.invite(str(d, 'roundId'), str(d, 'personId'));
    })
    .handle(SURVEY_JOBS.remind, async (d) => {
      await surveys.remind(str(d, 'roundId'), str(d, 'personId'), num(d, 'n'));
    })
    .handle(SURVEY_JOBS.close, async (d) => {
      await surveys.close(str(d, 'roundId'));
    });
}
