import { z } from 'zod';
import { kpiInputSchema, kpiKeySchema, kpiPatchSchema, sampleInputSchema } from '../../core/kpis/kpis.types.js';
import { MAX_SAMPLES_PER_REQUEST } from '../../core/kpis/samples.js';
import { defineRoute } from './route.js';

/** The audit action of a sample submission (recorded by the use case, see the route). */
const SAMPLES_ACTION = 'kpi.samples.record';
const keyParams = z.object({ key: z.string().min(1).describe('KPI key') });
const terms = {
  direction: z.enum(['higher_is_better', 'lower_is_better']),
  target: z.number(),
  stretch: z.number().nullable(),
  thresholds: z.object({ amber: z.number(), red: z.number() }),
};
const versionResponse = z.object({ version: z.number(), effectiveFrom: z.date(), createdBy: z.string(), createdAt: z.date(), ...terms });
export const kpiResponse = z.object({
  key: z.string(),
  name: z.string(),
  unit: z.string(),
  ...terms,
  perspective: z.enum(['financial', 'customer', 'process', 'learning']),
  ownerTeamId: z.string(),
  ownerRole: z.enum(['manager', 'members']),
  cadence: z.string(),
  bounds: z.object({ min: z.number().nullable(), max: z.number().nullable() }),
  statistics: z.object({
    baselineSize: z.number(),
    minBaseline: z.number(),
    sides: z.enum(['bad', 'both']),
    exception: z.boolean(),
    runRules: z.object({ twoOfThree: z.boolean(), fourOfFive: z.boolean(), eightInRow: z.boolean() }),
  }),
  alerts: z.object({
    severities: z.object({ red: z.string(), amber: z.string() }),
    resolveAfter: z.number(),
    flapping: z.object({ opens: z.number(), windowHours: z.number() }),
  }),
  versions: z.array(versionResponse),
  lastSampleAt: z.date().nullable(),
  staleSince: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
const sampleResponse = z.object({
  at: z.date(),
  value: z.number(),
  rag: z.enum(['green', 'amber', 'red']).nullable(),
  version: z.number().nullable().describe('The KPI version the sample was judged by'),
  exception: z.boolean(),
  dataError: z.boolean(),
  judged: z.boolean(),
  corrections: z.array(z.object({ value: z.number(), replacedAt: z.date(), by: z.string() })),
  receivedAt: z.date(),
});
const isoDate = z.coerce.date({ message: 'expected an ISO 8601 date-time' });

export const kpiRoutes = [
  defineRoute({
    method: 'post',
    path: '/kpis',
    scope: 'kpis:write',
    action: 'kpi.create',
    summary: 'Defines a KPI (its target and thresholds are version 1)',
    body: kpiInputSchema.extend({ key: kpiKeySchema }).passthrough(),
    response: kpiResponse,
    handler: async ({ body, token, ctx, change }) => ({
      body: await change({ target: `kpi:${body.key}`, before: null, intended: body }, () => ctx.core.kpis.create(body, token.name)),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/kpis',
    scope: 'kpis:read',
    summary: 'Lists KPIs, optionally of one owner team',
    query: z.object({ teamId: z.string().optional() }),
    response: z.object({ items: z.array(kpiResponse) }),
    handler: async ({ query, ctx }) => ({ items: await ctx.core.kpis.list(query.teamId ? { ownerTeamIds: [query.teamId] } : {}) }),
  }),
  defineRoute({
    method: 'get',
    path: '/kpis/:key',
    scope: 'kpis:read',
    summary: 'Gets one KPI',
    params: keyParams,
    response: kpiResponse,
    handler: ({ params, ctx }) => ctx.core.kpis.get(params.key),
  }),
  defineRoute({
    method: 'patch',
    path: '/kpis/:key',
    scope: 'kpis:write',
    action: 'kpi.update',
    summary: 'Changes a KPI; new direction, target, stretch or thresholds start a new version (effectiveFrom, default now)',
    params: keyParams,
    body: kpiPatchSchema.passthrough(),
    response: kpiResponse,
    handler: async ({ params, body, token, ctx, change }) => {
      const before = await ctx.core.kpis.get(params.key);
      const { after } = await change({ target: `kpi:${params.key}`, before, intended: body }, () => ctx.core.kpis.change(params.key, body, token.name), (r) => r.after);
      return { body: after };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/kpis/:key/versions',
    scope: 'kpis:read',
    summary: "A KPI's versions, oldest first: each sample is judged by the version in force at its instant",
    params: keyParams,
    response: z.object({ items: z.array(versionResponse) }),
    handler: async ({ params, ctx }) => ({ items: await ctx.core.kpis.versions(params.key) }),
  }),
  defineRoute({
    method: 'post',
    path: '/kpis/:key/samples',
    scope: 'kpis:write',
    action: SAMPLES_ACTION,
    summary: `Records one sample {at, value} or many {samples: [...]} (up to ${MAX_SAMPLES_PER_REQUEST}); all or nothing; a resend is a no-op, a new value an audited correction`,
    params: keyParams,
    // Documented shape; the use case validates every sample itself so a 422 names each bad one.
    body: z.union([sampleInputSchema, z.object({ samples: z.array(sampleInputSchema) })]).or(z.record(z.string(), z.unknown())),
    response: z.object({ inserted: z.number(), unchanged: z.number(), corrected: z.number() }),
    status: 200,
    // Audited by the use case itself: its entry is written beside the judging, not before it (see recordSamples).
    handler: async ({ params, body, token, ctx }) => ({ body: await ctx.core.kpis.recordSamples(params.key, body, token.name, SAMPLES_ACTION) }),
  }),
  defineRoute({
    method: 'get',
    path: '/kpis/:key/samples',
    scope: 'kpis:read',
    summary: 'Samples of a KPI in [from, to], oldest first',
    params: keyParams,
    query: z.object({ from: isoDate.optional(), to: isoDate.optional(), limit: z.coerce.number().int().min(1).max(10_000).default(1_000) }),
    response: z.object({ items: z.array(sampleResponse) }),
    handler: async ({ params, query, ctx }) => ({ items: await ctx.core.kpis.samples(params.key, query) }),
  }),
  defineRoute({
    method: 'post',
    path: '/kpis/:key/samples/data-error',
    scope: 'kpis:write',
    action: 'kpi.sample.data_error',
    summary: 'Marks a sample as a data error (left out of baselines and alerts), or takes the mark back',
    params: keyParams,
    body: z.object({ at: isoDate, dataError: z.boolean().default(true) }).strict(),
    response: sampleResponse,
    status: 200,
    handler: async ({ params, body, token, ctx, change }) => ({
      body: await change(
        { target: `kpi:${params.key}`, before: null, intended: { at: body.at, dataError: body.dataError } },
        () => ctx.core.kpis.markDataError(params.key, body.at, token.name, body.dataError),
        () => ({ at: body.at, dataError: body.dataError }),
      ),
    }),
  }),
];
