import { z } from 'zod';
import { checkinSettingsSchema, questionSchema, timeOffSchema } from '../../core/checkins/checkins.types.js';
import { parsePeriod } from '../../core/checkins/schedule.js';
import { objectIdSchema } from '../../core/people/people.types.js';
import { defineRoute, idParamsSchema, pageOf, pageQuerySchema } from './route.js';

const localTime = z.string().describe('HH:mm local time');

export const checkinSettingsResponse = z.object({
  teamId: z.string(),
  enabled: z.boolean(),
  promptDay: z.number().describe('ISO weekday: 1 = Monday … 7 = Sunday'),
  promptTime: localTime,
  questions: z.array(questionSchema),
  reminders: z.object({ afterHours: z.number(), nextMorning: z.boolean(), morningTime: localTime }),
  deadline: z.object({ day: z.number(), time: localTime }),
  summary: z.object({ managerDm: z.boolean(), teamChannel: z.boolean() }),
  holidays: z.array(z.string()),
  timeOff: z.array(timeOffSchema),
  schedulers: z.array(z.string()).describe('One job scheduler per time zone among the members'),
  updatedAt: z.date().nullable().describe('null while the team runs on the defaults'),
});

export const checkinResponse = z.object({
  id: z.string(),
  personId: z.string(),
  teamId: z.string(),
  period: z.string().describe('ISO week, e.g. 2026-W47'),
  timeZone: z.string(),
  status: z.enum(['pending', 'answered', 'skipped', 'missed']),
  answers: z.record(z.string(), z.string()),
  needsHelp: z.boolean(),
  questions: z.array(questionSchema),
  previousPriorities: z.string().nullable(),
  promptedAt: z.date(),
  deadlineAt: z.date(),
  answeredAt: z.date().nullable(),
  late: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

const periodSchema = z.string().refine((p) => parsePeriod(p) !== null, { message: 'expected an ISO week such as 2026-W47' });

const participationResponse = z.object({
  answered: z.number(),
  skipped: z.number(),
  missed: z.number(),
  rate: z.number().nullable().describe('answered / (answered + skipped + missed); null when none closed'),
});

export const checkinRoutes = [
  defineRoute({
    method: 'get',
    path: '/teams/:id/checkin-settings',
    scope: 'checkins:read',
    tag: 'checkins',
    summary: "A team's check-in settings (the defaults until changed)",
    params: idParamsSchema,
    response: checkinSettingsResponse,
    handler: ({ params, ctx }) => ctx.core.checkins.settings(params.id),
  }),
  defineRoute({
    method: 'put',
    path: '/teams/:id/checkin-settings',
    scope: 'checkins:write',
    action: 'checkin.settings.update',
    tag: 'checkins',
    summary: "Replaces a team's check-in settings (omitted fields take defaults); schedules change at once",
    params: idParamsSchema,
    body: checkinSettingsSchema.strict(),
    response: checkinSettingsResponse,
    handler: async ({ params, body, ctx, change }) => {
      const before = await ctx.core.checkins.settings(params.id);
      const after = await change({ target: `checkin-settings:${params.id}`, before, intended: body }, () => ctx.core.checkins.updateSettings(params.id, body), (a) => a);
      return { body: after };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/checkins',
    scope: 'checkins:read',
    summary: 'List check-ins in a stable order, filtered by team, person and period',
    query: pageQuerySchema.extend({
      teamId: objectIdSchema.optional(),
      personId: objectIdSchema.optional(),
      period: periodSchema.optional(),
    }),
    response: pageOf(checkinResponse),
    handler: ({ query, ctx }) => ctx.core.checkins.list(query),
  }),
  defineRoute({
    method: 'get',
    path: '/checkins/participation',
    scope: 'checkins:read',
    summary: 'Participation of a team or a person over the last weeks',
    query: z
      .object({
        teamId: objectIdSchema.optional(),
        personId: objectIdSchema.optional(),
        weeks: z.coerce.number().int().min(1).max(104).default(12),
      })
      .refine((q) => q.teamId || q.personId, { message: 'give teamId or personId' }),
    response: participationResponse,
    handler: ({ query, ctx }) =>
      ctx.core.checkins.participation({ ...(query.teamId ? { teamId: query.teamId } : {}), ...(query.personId ? { personId: query.personId } : {}) }, query.weeks),
  }),
  defineRoute({
    method: 'get',
    path: '/checkins/:id',
    scope: 'checkins:read',
    summary: 'Get one check-in',
    params: idParamsSchema,
    response: checkinResponse,
    handler: ({ params, ctx }) => ctx.core.checkins.get(params.id),
  }),
];
