import { z } from 'zod';
import { ALERT_SEVERITIES, ALERT_SOURCES, ALERT_STATUSES } from '../../core/alerts/alerts.types.js';
import { silenceInputSchema } from '../../core/alerts/silences.js';
import { objectIdSchema } from '../../core/people/people.types.js';
import { plainText } from '../../core/text.js';
import { defineRoute, idParamsSchema, pageOf, pageQuerySchema } from './route.js';

const timelineEntry = z.object({ at: z.date(), kind: z.string(), actor: z.string().optional(), text: z.string(), data: z.record(z.string(), z.unknown()).optional() });
export const alertResponse = z.object({
  id: z.string(),
  key: z.string().describe('Dedup key: one open alert per key'),
  status: z.enum(ALERT_STATUSES),
  severity: z.enum(ALERT_SEVERITIES),
  teamId: z.string(),
  source: z.enum(ALERT_SOURCES),
  title: z.string(),
  explanation: z.string(),
  kpiKey: z.string().optional(),
  rule: z.string().optional(),
  count: z.number(),
  lastValue: z.number().nullable(),
  worstValue: z.number().nullable(),
  lastAt: z.date().optional(),
  flapping: z.boolean(),
  silencedUntil: z.date().optional(),
  timeline: z.array(timelineEntry),
  createdAt: z.date(),
  updatedAt: z.date(),
  acknowledgedBy: z.string().optional(),
  acknowledgedAt: z.date().optional(),
  resolvedAt: z.date().optional(),
});
const silenceResponse = z.object({ id: z.string(), kpiKey: z.string().nullable(), teamId: z.string().nullable(), until: z.date(), reason: z.string(), createdBy: z.string(), createdAt: z.date() });
const integrationResponse = z.object({ id: z.string(), name: z.string(), teamId: z.string(), defaultSeverity: z.enum(ALERT_SEVERITIES), createdAt: z.date(), revokedAt: z.date().nullable() });
const isoDate = z.coerce.date({ message: 'expected an ISO 8601 date-time' });

export const alertRoutes = [
  defineRoute({
    method: 'get',
    path: '/alerts',
    scope: 'alerts:read',
    summary: 'Lists alerts, newest first, by status, KPI, team and creation time',
    query: pageQuerySchema.extend({ status: z.enum(ALERT_STATUSES).optional(), kpi: z.string().optional(), team: objectIdSchema.optional(), from: isoDate.optional(), to: isoDate.optional() }),
    response: pageOf(alertResponse),
    handler: ({ query, ctx }) => ctx.core.alerts.list({ limit: query.limit, cursor: query.cursor, status: query.status, kpiKey: query.kpi, teamId: query.team, from: query.from, to: query.to }),
  }),
  defineRoute({
    method: 'get',
    path: '/alerts/silences',
    scope: 'alerts:read',
    summary: 'Lists silences, newest first',
    response: z.object({ items: z.array(silenceResponse) }),
    handler: async ({ ctx }) => ({ items: await ctx.core.alerts.silences.list() }),
  }),
  defineRoute({
    method: 'post',
    path: '/alerts/silences',
    scope: 'alerts:write',
    action: 'alert.silence.create',
    summary: 'Silences a KPI or a team until a time: alerts are recorded, notifications suppressed',
    body: silenceInputSchema,
    response: silenceResponse,
    handler: async ({ body, token, ctx, change }) => ({
      body: await change({ target: 'silence:new', before: null, intended: body }, () => ctx.core.alerts.silences.create(body, token.name)),
    }),
  }),
  defineRoute({
    method: 'delete',
    path: '/alerts/silences/:id',
    scope: 'alerts:write',
    action: 'alert.silence.remove',
    summary: 'Ends a silence now',
    params: idParamsSchema,
    handler: async ({ params, ctx, change }) => {
      await change({ target: `silence:${params.id}`, before: null, intended: null }, () => ctx.core.alerts.silences.remove(params.id), () => null);
      return {};
    },
  }),
  defineRoute({
    method: 'get',
    path: '/alerts/:id',
    scope: 'alerts:read',
    summary: 'One alert with its full timeline (every state change, notification and annotation, who and when)',
    params: idParamsSchema,
    response: alertResponse,
    handler: ({ params, ctx }) => ctx.core.alerts.get(params.id),
  }),
  defineRoute({
    method: 'post',
    path: '/alerts/:id/annotations',
    scope: 'alerts:write',
    action: 'alert.annotate',
    summary: 'Adds a note to an alert’s timeline',
    params: idParamsSchema,
    body: z.object({ text: plainText(z.string().trim().min(1).max(1000), { multiline: true }) }).strict(),
    response: alertResponse,
    handler: async ({ params, body, token, ctx, change }) => ({
      body: await change({ target: `alert:${params.id}`, before: null, intended: { text: body.text } }, () => ctx.core.alerts.annotate(params.id, token.name, body.text), () => ({ text: body.text })),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/integrations',
    scope: 'integrations:write',
    action: 'integration.create',
    summary: 'Creates an integration key for Alertmanager (bearer token) or a PagerDuty-style sender (routing_key); the key is shown once',
    body: z.object({ name: plainText(z.string().trim().min(1).max(80)), teamId: objectIdSchema, defaultSeverity: z.enum(ALERT_SEVERITIES).default('warning') }).strict(),
    response: integrationResponse.extend({ key: z.string().describe('The secret; only its hash is stored') }),
    handler: async ({ body, ctx, change }) => ({
      // The secret never reaches the audit log.
      body: await change({ target: 'integration:new', before: null, intended: body }, () => ctx.core.alerts.integrations.create(body), ({ key: _secret, ...safe }) => safe),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/integrations',
    scope: 'integrations:read',
    summary: 'Lists integration keys (never the secrets)',
    response: z.object({ items: z.array(integrationResponse) }),
    handler: async ({ ctx }) => ({ items: await ctx.core.alerts.integrations.list() }),
  }),
  defineRoute({
    method: 'delete',
    path: '/integrations/:id',
    scope: 'integrations:write',
    action: 'integration.revoke',
    summary: 'Revokes an integration key',
    params: idParamsSchema,
    handler: async ({ params, ctx, change }) => {
      await change({ target: `integration:${params.id}`, before: null, intended: { revoked: true } }, () => ctx.core.alerts.integrations.revoke(params.id));
      return {};
    },
  }),
];
