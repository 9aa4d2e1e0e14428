import { z } from 'zod';
import { objectIdSchema } from '../../core/people/people.types.js';
import { PERIOD_KINDS, PERSPECTIVES, type Scorecard } from '../../core/scorecards/scorecards.types.js';
import { defineRoute, idParamsSchema } from './route.js';

const querySchema = z.object({
  team: objectIdSchema.optional().describe('A team id; the whole organisation when absent'),
  period: z.enum(PERIOD_KINDS).default('week').describe('The last complete week, month or quarter (UTC)'),
});

const rate = z.number().nullable();
const kpiSchema = z.object({
  key: z.string(),
  name: z.string(),
  perspective: z.enum(PERSPECTIVES),
  unit: z.string(),
  direction: z.enum(['up', 'down']),
  target: z.number().nullable(),
  actual: z.number().nullable(),
  variance: z.number().nullable(),
  status: z.enum(['red', 'amber', 'green']).nullable(),
  trend: z.enum(['up', 'down', 'flat']).nullable(),
  trendPoints: z.array(z.number()),
  openAlerts: z.number().int(),
  latestComment: z.object({ text: z.string(), authorId: z.string(), at: z.date() }).nullable(),
  ownerId: z.string().nullable(),
  teamId: z.string().nullable(),
});
const actionSchema = z.object({
  id: z.string(),
  kpiKey: z.string(),
  teamId: z.string().nullable(),
  text: z.string(),
  ownerId: z.string(),
  due: z.string(),
  status: z.enum(['open', 'done']),
  createdBy: z.string(),
  createdAt: z.date(),
  doneAt: z.date().nullable(),
  overdue: z.boolean().optional(),
});
const scorecardSchema = z.object({
  scope: z.object({ kind: z.enum(['organisation', 'teams', 'team']), teamId: z.string().nullable(), name: z.string(), teamIds: z.array(z.string()) }),
  period: z.object({ kind: z.enum(PERIOD_KINDS), label: z.string(), from: z.date(), to: z.date(), weeks: z.array(z.string()) }),
  generatedAt: z.date(),
  kpis: z.object({ setUp: z.boolean().describe('false: the KPI feature is not set up'), rows: z.array(kpiSchema) }),
  rhythm: z
    .object({
      participation: z.object({ rate, previousRate: rate, weekly: z.array(z.object({ week: z.string(), rate })), byTeam: z.record(z.string(), rate) }),
      mood: z.object({ average: z.number().nullable(), answers: z.number().int() }),
      openBlockers: z.object({ total: z.number().int(), oldest: z.array(z.object({ id: z.string(), personId: z.string(), teamId: z.string(), text: z.string(), since: z.date() })) }),
      kudos: z.object({ given: z.number().int(), recognisedShare: rate, people: z.number().int() }),
      pulse: z.object({ setUp: z.boolean(), stats: z.object({ enps: z.number().nullable(), responseRate: rate, suppressed: z.boolean(), enpsTrend: z.array(z.number()), roundEndedAt: z.date().nullable() }).nullable() }),
      alerts: z.object({ setUp: z.boolean(), stats: z.object({ count: z.number().int(), medianAckMs: z.number().nullable(), medianResolveMs: z.number().nullable(), afterHoursPages: z.number().int() }) }),
    })
    .nullable(),
  actions: z.array(actionSchema),
  drillDown: z.array(z.object({ teamId: z.string(), name: z.string(), participation: rate })),
});

/** One CSV cell, quoted when needed. */
const cell = (value: string | number | null): string => {
  const s = value === null ? '' : String(value);
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** The scorecard as rows of `section,key,name,value,target,status,detail`. */
export function scorecardCsv(s: Scorecard): string {
  const rows: (string | number | null)[][] = [['section', 'key', 'name', 'value', 'target', 'status', 'detail']];
  rows.push(['scope', s.scope.teamId ?? 'organisation', s.scope.name, s.period.label, null, null, `${s.period.from.toISOString()}/${s.period.to.toISOString()}`]);
  if (!s.kpis.setUp) rows.push(['kpi', null, 'KPIs', null, null, 'not set up', null]);
  for (const k of s.kpis.rows) rows.push(['kpi', k.key, k.name, k.actual, k.target, k.status, `${k.perspective}; variance ${k.variance ?? ''}; alerts ${k.openAlerts}`]);
  const r = s.rhythm;
  if (r) {
    rows.push(['rhythm', 'participation', 'Check-in participation', r.participation.rate, null, null, `previous ${r.participation.previousRate ?? ''}`]);
    rows.push(['rhythm', 'mood', 'Average mood', r.mood.average, null, null, `${r.mood.answers} answers`]);
    rows.push(['rhythm', 'blockers', 'Open blockers', r.openBlockers.total, null, null, null]);
    rows.push(['rhythm', 'kudos', 'Kudos given', r.kudos.given, null, null, null]);
    rows.push(['rhythm', 'recognised', 'Share recognised (4 weeks)', r.kudos.recognisedShare, null, null, `${r.kudos.people} people`]);
    rows.push(['rhythm', 'enps', 'Pulse eNPS', r.pulse.stats?.enps ?? null, null, r.pulse.setUp ? (r.pulse.stats?.suppressed ? 'suppressed' : null) : 'not set up', `response rate ${r.pulse.stats?.responseRate ?? ''}`]);
    rows.push(['rhythm', 'alerts', 'Alerts', r.alerts.stats.count, null, r.alerts.setUp ? null : 'not set up', `median ack ms ${r.alerts.stats.medianAckMs ?? ''}; median resolve ms ${r.alerts.stats.medianResolveMs ?? ''}; after-hours pages ${r.alerts.stats.afterHoursPages}`]);
  }
  for (const a of s.actions) rows.push(['action', a.kpiKey, a.text, a.due, null, a.overdue ? 'overdue' : a.status, a.ownerId]);
  for (const t of s.drillDown) rows.push(['team', t.teamId, t.name, t.participation, null, null, null]);
  return `${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}

const actionInput = z.object({
  text: z.string().trim().min(3).max(300),
  kpiKey: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected a KPI key'),
  ownerId: objectIdSchema,
  due: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD'),
  teamId: objectIdSchema.nullable().default(null),
});

const digestSchema = z.object({
  enabled: z.boolean(),
  weekday: z.number().int().describe('ISO weekday, 1 = Monday'),
  time: z.string().describe('Local time HH:mm in each recipient’s zone'),
  managerIds: z.array(z.string()).describe('Managers who opted in; leaders always get it'),
  schedules: z.array(z.string()),
});
const digestPatch = z
  .object({
    enabled: z.boolean(),
    weekday: z.number().int().min(1, 'weekday: 1 = Monday … 7 = Sunday').max(7, 'weekday: 1 = Monday … 7 = Sunday'),
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time as HH:mm, e.g. 09:00'),
  })
  .partial()
  .strict();

export const scorecardRoutes = [
  defineRoute({
    method: 'get',
    path: '/scorecards/digest',
    scope: 'scorecards:read',
    tag: 'scorecards',
    summary: 'When the weekly digest goes out (default Monday 09:00 in each recipient’s zone) and who opted in',
    response: digestSchema,
    handler: ({ ctx }) => ctx.core.scorecards.digest.settings(),
  }),
  defineRoute({
    method: 'patch',
    path: '/scorecards/digest',
    scope: 'scorecards:write',
    action: 'scorecard.digest.update',
    tag: 'scorecards',
    summary: 'Change the digest’s weekday, time or turn it off; the schedules follow at once',
    body: digestPatch,
    response: digestSchema,
    handler: async ({ body, ctx }) => {
      const before = await ctx.core.scorecards.digest.settings();
      const after = await ctx.core.scorecards.digest.update(body);
      return { body: after, audit: { target: 'scorecard:digest', before, after } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/scorecards',
    scope: 'scorecards:read',
    summary: 'The scorecard of the organisation or a team over the last complete period, as JSON',
    query: querySchema,
    response: scorecardSchema,
    handler: ({ query, ctx }) => ctx.core.scorecards.forOrganisation(query.team, query.period),
  }),
  defineRoute({
    method: 'get',
    path: '/scorecards/export',
    scope: 'scorecards:read',
    tag: 'scorecards',
    summary: 'The same scorecard as CSV',
    query: querySchema,
    response: z.string().describe('CSV with a header row'),
    produces: { contentType: 'text/csv; charset=utf-8', filename: 'scorecard.csv' },
    handler: async ({ query, ctx }) => scorecardCsv(await ctx.core.scorecards.forOrganisation(query.team, query.period)),
  }),
  defineRoute({
    method: 'get',
    path: '/scorecards/actions',
    scope: 'scorecards:read',
    tag: 'scorecards',
    summary: 'The corrective actions register, overdue first',
    response: z.object({ items: z.array(actionSchema) }),
    handler: async ({ ctx }) => ({ items: await ctx.core.scorecards.actions.list() }),
  }),
  defineRoute({
    method: 'post',
    path: '/scorecards/actions',
    scope: 'scorecards:write',
    action: 'scorecard.action.add',
    tag: 'scorecards',
    summary: 'Add a corrective action on a KPI; its owner is reminded before and at the due date',
    body: actionInput,
    response: actionSchema,
    handler: async ({ body, ctx }) => {
      const after = await ctx.core.scorecards.actions.add(null, body);
      return { body: after, audit: { target: `scorecard.action:${after.id}`, before: null, after } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/scorecards/actions/:id/done',
    scope: 'scorecards:write',
    action: 'scorecard.action.done',
    tag: 'scorecards',
    summary: 'Close a corrective action',
    params: idParamsSchema,
    response: actionSchema,
    handler: async ({ params, ctx }) => {
      const after = await ctx.core.scorecards.actions.done(null, params.id);
      return { body: after, audit: { target: `scorecard.action:${after.id}`, before: null, after } };
    },
  }),
];
