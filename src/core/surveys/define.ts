import { DateTime } from 'luxon';
import { DomainError } from '../errors.js';
import { recurringDate } from './rhythm.js';
import { SURVEY_JOBS, surveyInputSchema, TEMPLATES, type Survey, type SurveyInput, type SurveyRound } from './surveys.types.js';
import type { SurveyRepository, SurveyRoundRepository } from './surveys.types.js';
import type { Clock } from '../clock.js';
import type { Scheduler, TeamRepository } from '../ports.js';

/** What defining, reading and pausing a survey reach. */
export interface DefineDeps {
  store: { surveys: Pick<SurveyRepository, 'create' | 'get' | 'setActive'>; rounds: Pick<SurveyRoundRepository, 'ofSurvey'> };
  teams: Pick<TeamRepository, 'get'>;
  scheduler: Pick<Scheduler, 'enqueue'>;
  clock: Clock;
}

/** The built-in templates, as the admin API lists them. */
export function templates() {
  return Object.entries(TEMPLATES).map(([id, t]) => ({ id, name: t.name, questions: t.questions.map((q) => ({ ...q })) }));
}

/** Defines a survey (from a template or custom questions) and schedules its first round. */
export async function defineSurvey(deps: DefineDeps, input: SurveyInput): Promise<Survey> {
  const parsed = surveyInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new DomainError('validation', `The survey is not valid: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`.trim(), {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  const s = parsed.data;
  // A date before yesterday (UTC) is a typo: no zone is still on it.
  const earliest = DateTime.fromJSDate(deps.clock.now(), { zone: 'UTC' }).minus({ days: 1 }).toISODate() ?? '';
  const first = s.schedule.kind === 'once' ? s.schedule.date : s.schedule.startDate;
  if (first && first < earliest) throw new DomainError('validation', `The schedule starts on ${first}, which has passed`, { issues: [{ path: 'schedule', message: 'a date that has passed' }] });
  if (s.audience.kind === 'teams') {
    for (const teamId of s.audience.teamIds) if (!(await deps.teams.get(teamId))) throw new DomainError('validation', `No team with id ${teamId}`, { teamId });
  }
  const template = s.template === 'custom' ? null : TEMPLATES[s.template];
  const survey = await deps.store.surveys.create(
    {
      name: s.name ?? template?.name ?? 'Survey',
      template: s.template,
      questions: template ? template.questions.map((q) => ({ ...q })) : (s.questions ?? []),
      audience: s.audience,
      schedule: s.schedule,
      windowDays: s.windowDays,
      holidays: s.holidays,
      active: true,
    },
    deps.clock.now(),
  );
  await scheduleRound(deps, survey, 1);
  return survey;
}

/**
 * The job that opens round `n`: the day before its date at 00:00 UTC, so it
 * runs before the invitation time in every zone (now, if that has passed).
 * None past round 1 of a one-off survey.
 */
export function openJobOf(survey: Survey, n: number, now: Date): { data: { surveyId: string; n: number }; opts: { jobId: string; at?: Date } } | null {
  if (survey.schedule.kind === 'once' && n > 1) return null;
  const date = survey.schedule.kind === 'once' ? survey.schedule.date : recurringDate(survey.schedule.startDate, survey.schedule.weekday, survey.schedule.everyWeeks, n);
  const at = date ? DateTime.fromISO(date, { zone: 'UTC' }).minus({ days: 1 }).toJSDate() : now;
  return { data: { surveyId: survey.id, n }, opts: { jobId: `survey.open:${survey.id}:${n}`, ...(at > now ? { at } : {}) } };
}

/** Queues the opening of round `n` (see openJobOf). */
export async function scheduleRound(deps: DefineDeps, survey: Survey, n: number): Promise<void> {
  const job = openJobOf(survey, n, deps.clock.now());
  if (job) await deps.scheduler.enqueue(SURVEY_JOBS.open, job.data, job.opts);
}

export async function getSurvey(deps: DefineDeps, id: string): Promise<Survey & { rounds: SurveyRound[] }> {
  const survey = await deps.store.surveys.get(id);
  if (!survey) throw new DomainError('not_found', `No survey with id ${id}`, { id });
  return { ...survey, rounds: await deps.store.rounds.ofSurvey(id) };
}

export async function setActive(deps: DefineDeps, id: string, active: boolean): Promise<Survey> {
  const survey = await deps.store.surveys.setActive(id, active);
  if (!survey) throw new DomainError('not_found', `No survey with id ${id}`, { id });
  return survey;
}
