import { z } from 'zod';
import { audienceSchema, scheduleSchema, surveyInputSchema, surveyQuestionSchema } from '../../core/surveys/surveys.types.js';
import { defineRoute, idParamsSchema } from './route.js';

/*
 * Pulse surveys. No route here returns an individual answer: results are
 * aggregates of groups at or above the floor (SURVEY_MIN_GROUP), with
 * complementary suppression, and only after a round closes.
 */

const roundResponse = z.object({
  id: z.string().describe('<survey id>.<n>'),
  surveyId: z.string(),
  n: z.number(),
  name: z.string(),
  status: z.enum(['waiting', 'open', 'closing', 'closed']),
  waiting: z.object({ until: z.date(), reason: z.string() }).nullable().describe('Set while the fatigue guard holds the round back, with the reason'),
  openedAt: z.date().nullable(),
  closesAt: z.date().nullable(),
  closedAt: z.date().nullable(),
  invited: z.number().describe('How many people were invited (never who answered)'),
  invitedByTeam: z.record(z.string(), z.number()),
});

const surveyResponse = z.object({
  id: z.string(),
  name: z.string(),
  template: z.enum(['enps', 'engagement', 'custom']),
  questions: z.array(surveyQuestionSchema),
  audience: audienceSchema,
  schedule: scheduleSchema,
  windowDays: z.number(),
  holidays: z.array(z.string()),
  active: z.boolean(),
  createdAt: z.date(),
});

const questionResult = z.object({
  id: z.string(),
  text: z.string(),
  kind: z.string(),
  answered: z.number(),
  mean: z.number().nullable(),
  distribution: z.record(z.string(), z.number()).describe('Count per value; empty when fewer than the floor answered'),
  comments: z.array(z.string()).describe('Free text, in random order, only for groups at or above the floor'),
  change: z.number().nullable().describe('Mean against the same group in the previous round'),
});

const groupResult = z.union([
  z.object({
    scope: z.enum(['org', 'team']),
    teamId: z.string().nullable(),
    name: z.string(),
    invited: z.number(),
    respondents: z.number(),
    responseRate: z.number(),
    enps: z.number().nullable().describe('% promoters (9–10) minus % detractors (0–6)'),
    enpsChange: z.number().nullable(),
    questions: z.array(questionResult),
    trend: z
      .array(z.object({ n: z.number(), enps: z.number().nullable(), means: z.record(z.string(), z.number().nullable()) }))
      .describe('This group in the rounds it was shown in (up to 8, oldest first, this round last): eNPS and the mean of each 1–5 and 0–10 question'),
  }),
  z.object({ scope: z.enum(['org', 'team']), teamId: z.string().nullable(), name: z.string(), suppressed: z.literal(true), reason: z.string() }),
]);

const resultsResponse = z.object({
  roundId: z.string(),
  surveyId: z.string(),
  n: z.number(),
  name: z.string(),
  closedAt: z.date(),
  minGroupSize: z.number(),
  org: groupResult,
  teams: z.array(groupResult),
  group: groupResult.nullable().describe('The team asked for with ?team=, else null'),
});

const NO_INDIVIDUAL_ANSWERS = 'Aggregates only: no endpoint returns an individual answer, let alone with anything identifying a person.';

export const surveyRoutes = [
  defineRoute({
    method: 'get',
    path: '/surveys/templates',
    scope: 'surveys:read',
    summary: 'The built-in survey templates (eNPS, engagement pulse)',
    response: z.array(z.object({ id: z.string(), name: z.string(), questions: z.array(surveyQuestionSchema) })),
    handler: async ({ ctx }) => ctx.core.surveys.templates(),
  }),
  defineRoute({
    method: 'get',
    path: '/surveys',
    scope: 'surveys:read',
    summary: 'Every survey',
    response: z.array(surveyResponse),
    handler: ({ ctx }) => ctx.core.surveys.list(),
  }),
  defineRoute({
    method: 'post',
    path: '/surveys',
    scope: 'surveys:write',
    action: 'survey.create',
    summary: 'Defines a survey (a template, or up to 10 custom questions) for teams or the organisation, one-off or recurring; schedules its first round',
    body: surveyInputSchema,
    response: surveyResponse,
    handler: async ({ body, ctx, change }) => ({
      body: await change({ target: 'survey:new', before: null, intended: body }, () => ctx.core.surveys.define(body)),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/surveys/:id',
    scope: 'surveys:read',
    summary: 'One survey and its rounds (status, fatigue-guard waits, invitation counts)',
    params: idParamsSchema,
    response: surveyResponse.extend({ rounds: z.array(roundResponse) }),
    handler: ({ params, ctx }) => ctx.core.surveys.get(params.id),
  }),
  defineRoute({
    method: 'patch',
    path: '/surveys/:id',
    scope: 'surveys:write',
    action: 'survey.update',
    summary: 'Pauses or resumes a survey (no new rounds while paused)',
    params: idParamsSchema,
    body: z.object({ active: z.boolean() }).strict(),
    response: surveyResponse,
    handler: async ({ params, body, ctx, change }) => {
      const before = await ctx.core.surveys.get(params.id);
      const target = `survey:${params.id}`;
      return { body: await change({ target, before: { active: before.active }, intended: { active: body.active } }, () => ctx.core.surveys.setActive(params.id, body.active), (s) => ({ active: s.active })) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/surveys/:id/rounds',
    scope: 'surveys:write',
    action: 'survey.round.open',
    summary: 'Opens the next round now (subject to the fatigue guard: the round may wait, and says why)',
    params: idParamsSchema,
    response: roundResponse,
    handler: async ({ params, ctx, change }) => ({
      body: await change({ target: `survey-round:${params.id}`, before: null, intended: { surveyId: params.id } }, () => ctx.core.surveys.openNow(params.id), (r) => ({ surveyId: r.surveyId, roundId: r.id, status: r.status })),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/surveys/:id/close',
    scope: 'surveys:write',
    action: 'survey.round.close',
    summary: `Closes the open round now and returns its results. ${NO_INDIVIDUAL_ANSWERS}`,
    params: idParamsSchema,
    response: resultsResponse,
    status: 200,
    handler: async ({ params, ctx, change }) => {
      // The entry names the round and that it closed: no figure of the results.
      const results = await change({ target: `survey-round:${params.id}`, before: null, intended: { status: 'closed' } }, () => ctx.core.surveys.closeNow(params.id), (r) => ({ surveyId: r.surveyId, roundId: r.roundId, status: 'closed' }));
      return { body: { ...results, group: null } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/surveys/:id/results',
    scope: 'surveys:read',
    summary: `Results of the latest closed round (or ?round=n), whole or for one team (?team=), with suppression applied. ${NO_INDIVIDUAL_ANSWERS}`,
    params: idParamsSchema,
    query: z.object({ team: z.string().regex(/^[a-f0-9]{24}$/, 'expected a team id').optional(), round: z.coerce.number().int().min(1).optional() }),
    response: resultsResponse,
    handler: ({ params, query, ctx }) => ctx.core.surveys.results(params.id, query),
  }),
];
