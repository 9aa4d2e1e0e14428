import { z } from 'zod';
import { overrideInputSchema, policyInputSchema, routingInputSchema, scheduleInputSchema, stepTargetSchema } from '../../core/oncall/oncall.types.js';
import { timeZoneSchema } from '../../core/people/people.types.js';
import { defineRoute, idParamsSchema, pageOf } from './route.js';

const overrideSchema = z.object({ id: z.string(), personId: z.string(), start: z.date(), end: z.date(), createdBy: z.string(), createdAt: z.date() });

const scheduleSchema = z.object({
  id: z.string(),
  teamId: z.string(),
  name: z.string(),
  timeZone: z.string(),
  layers: z.array(
    z.object({
      name: z.string(),
      people: z.array(z.string()),
      shift: z.string().describe('ISO 8601 duration'),
      handoff: z.string(),
      timeZone: z.string(),
      start: z.string(),
      restriction: z.object({ weekdays: z.array(z.number()), from: z.string(), to: z.string() }).nullable(),
    }),
  ),
  overrides: z.array(overrideSchema),
  createdAt: z.date(),
  updatedAt: z.date(),
});

const shiftSchema = z.object({
  start: z.date(),
  end: z.date(),
  personId: z.string().nullable().describe('null: nobody is on call (a gap)'),
  source: z.enum(['layer', 'override', 'gap']),
  from: z.string().nullable().describe('Layer name or override id'),
});

const policySchema = z.object({
  id: z.string(),
  name: z.string(),
  steps: z.array(z.object({ delayMinutes: z.number(), target: stepTargetSchema })),
  repeat: z.number(),
  urgency: z.enum(['high', 'low']),
  createdAt: z.date(),
  updatedAt: z.date(),
});

const routingSchema = z.object({
  rules: z.array(z.object({ teamId: z.string().optional(), sources: z.array(z.string()).optional(), severities: z.array(z.string()).optional(), policyId: z.string() })),
  defaultPolicyId: z.string().nullable(),
});

const all = <T>(items: T[]) => ({ items, nextCursor: null });

const schedulePatchSchema = z
  .object({ name: scheduleInputSchema.shape.name, timeZone: scheduleInputSchema.shape.timeZone, layers: scheduleInputSchema.shape.layers })
  .partial()
  .strict();

const rangeQuery = z
  .object({
    from: z.coerce.date({ message: 'expected an ISO 8601 instant' }).describe('Start of the range (ISO 8601)'),
    to: z.coerce.date({ message: 'expected an ISO 8601 instant' }).describe('End of the range (ISO 8601), at most 93 days after from'),
  })
  .strict();

const spreadSchema = z.object({ median: z.number().nullable(), p90: z.number().nullable() }).describe('Milliseconds; null when no alert of the group got there');

const figuresSchema = z.object({
  from: z.date(),
  to: z.date(),
  timeZone: z.string(),
  weeks: z.array(
    z.object({
      teamId: z.string(),
      week: z.string().describe('ISO week of the alerts opened, read in timeZone'),
      alerts: z.number(),
      acknowledged: z.number(),
      resolved: z.number(),
      timeToAcknowledge: spreadSchema,
      timeToResolve: spreadSchema,
    }),
  ),
  alertsPerTeam: z.record(z.string(), z.number()),
  pages: z.array(z.object({ personId: z.string(), pages: z.number(), afterHours: z.number().describe('Pages outside the person\'s working days and hours, in their zone') })),
});

/**
 * On-call routes: each calls one core use case, which checks the rules and
 * writes the audit entry itself (actor: the token's name).
 */
export const oncallRoutes = [
  defineRoute({
    method: 'get', path: '/schedules', scope: 'oncall:read', tag: 'oncall', summary: 'List on-call schedules',
    response: pageOf(scheduleSchema),
    handler: async ({ ctx }) => all(await ctx.core.oncall.schedules.list()),
  }),
  defineRoute({
    method: 'get', path: '/schedules/:id', scope: 'oncall:read', tag: 'oncall', summary: 'Get one on-call schedule',
    params: idParamsSchema, response: scheduleSchema,
    handler: ({ params, ctx }) => ctx.core.oncall.schedules.get(params.id),
  }),
  defineRoute({
    method: 'post', path: '/schedules', scope: 'oncall:write', tag: 'oncall', action: 'schedule.create',
    summary: "Create a team's on-call schedule (one per team): rotations in layers, lowest first",
    body: scheduleInputSchema.strict(), response: scheduleSchema,
    handler: async ({ body, token, ctx }) => ({ body: await ctx.core.oncall.schedules.create(token.name, body) }),
  }),
  defineRoute({
    method: 'patch', path: '/schedules/:id', scope: 'oncall:write', tag: 'oncall', action: 'schedule.update',
    summary: 'Change the name, zone or layers of a schedule (overrides stay)',
    params: idParamsSchema, body: schedulePatchSchema, response: scheduleSchema,
    handler: async ({ params, body, token, ctx }) => ({ body: await ctx.core.oncall.schedules.update(token.name, params.id, body) }),
  }),
  defineRoute({
    method: 'delete', path: '/schedules/:id', scope: 'oncall:write', tag: 'oncall', action: 'schedule.delete',
    summary: 'Delete a schedule', params: idParamsSchema,
    handler: async ({ params, token, ctx }) => {
      await ctx.core.oncall.schedules.remove(token.name, params.id);
      return {};
    },
  }),
  defineRoute({
    method: 'get', path: '/oncall/figures', scope: 'oncall:read', tag: 'oncall',
    summary: 'Figures for leaders over the alerts opened in a range: time to acknowledge and resolve per team and week (median, p90), alerts per team, after-hours pages per person',
    query: rangeQuery.extend({ timeZone: timeZoneSchema.default('UTC').describe('IANA zone the ISO weeks are read in (UTC)') }),
    response: figuresSchema,
    handler: ({ query, ctx }) => ctx.core.oncall.figures(query.from, query.to, query.timeZone),
  }),
  defineRoute({
    method: 'get', path: '/schedules/:id/shifts', scope: 'oncall:read', tag: 'oncall',
    summary: 'Who is on call over a range: consecutive shifts, overrides applied, gaps with personId null',
    params: idParamsSchema, query: rangeQuery, response: z.object({ items: z.array(shiftSchema) }),
    handler: async ({ params, query, ctx }) => ({ items: await ctx.core.oncall.schedules.shifts(params.id, query.from, query.to) }),
  }),
  defineRoute({
    method: 'post', path: '/schedules/:id/overrides', scope: 'oncall:write', tag: 'oncall', action: 'schedule.override.create',
    summary: 'A person covers a range instead of the rotation',
    params: idParamsSchema, body: overrideInputSchema, response: overrideSchema,
    handler: async ({ params, body, token, ctx }) => ({ body: await ctx.core.oncall.schedules.addOverride(token.name, params.id, body) }),
  }),
  defineRoute({
    method: 'delete', path: '/schedules/:id/overrides/:overrideId', scope: 'oncall:write', tag: 'oncall', action: 'schedule.override.delete',
    summary: 'Remove an override', params: idParamsSchema.extend({ overrideId: z.string().min(1) }),
    handler: async ({ params, token, ctx }) => {
      await ctx.core.oncall.schedules.removeOverride(token.name, params.id, params.overrideId);
      return {};
    },
  }),
  defineRoute({
    method: 'get', path: '/escalation-policies', scope: 'oncall:read', tag: 'oncall', summary: 'List escalation policies',
    response: pageOf(policySchema),
    handler: async ({ ctx }) => all(await ctx.core.oncall.policies.list()),
  }),
  defineRoute({
    method: 'get', path: '/escalation-policies/:id', scope: 'oncall:read', tag: 'oncall', summary: 'Get one escalation policy',
    params: idParamsSchema, response: policySchema,
    handler: ({ params, ctx }) => ctx.core.oncall.policies.get(params.id),
  }),
  defineRoute({
    method: 'post', path: '/escalation-policies', scope: 'oncall:write', tag: 'oncall', action: 'escalation_policy.create',
    summary: 'Create an escalation policy: ordered steps with delays, repeats and urgency',
    body: policyInputSchema.strict(), response: policySchema,
    handler: async ({ body, token, ctx }) => ({ body: await ctx.core.oncall.policies.create(token.name, body) }),
  }),
  defineRoute({
    method: 'put', path: '/escalation-policies/:id', scope: 'oncall:write', tag: 'oncall', action: 'escalation_policy.update',
    summary: 'Replace an escalation policy (running escalations keep the copy they froze)',
    params: idParamsSchema, body: policyInputSchema.strict(), response: policySchema,
    handler: async ({ params, body, token, ctx }) => ({ body: await ctx.core.oncall.policies.update(token.name, params.id, body) }),
  }),
  defineRoute({
    method: 'delete', path: '/escalation-policies/:id', scope: 'oncall:write', tag: 'oncall', action: 'escalation_policy.delete',
    summary: 'Delete an escalation policy no routing rule uses', params: idParamsSchema,
    handler: async ({ params, token, ctx }) => {
      await ctx.core.oncall.policies.remove(token.name, params.id);
      return {};
    },
  }),
  defineRoute({
    method: 'get', path: '/escalation-routing', scope: 'oncall:read', tag: 'oncall', summary: 'The routing rules that pick a policy per alert',
    response: routingSchema,
    handler: ({ ctx }) => ctx.core.oncall.policies.routing(),
  }),
  defineRoute({
    method: 'put', path: '/escalation-routing', scope: 'oncall:write', tag: 'oncall', action: 'escalation_routing.update',
    summary: 'Replace the routing rules (first match by team, source and severity; else the default policy)',
    body: routingInputSchema.strict(), response: routingSchema,
    handler: async ({ body, token, ctx }) => ({ body: await ctx.core.oncall.policies.setRouting(token.name, body) }),
  }),
];
