import { z } from 'zod';
import { objectIdSchema } from '../../core/people/people.types.js';
import { defineRoute } from './route.js';

const personParams = z.object({ id: objectIdSchema.describe('Person id') });

const holdSchema = z.object({
  id: z.string().describe('`org` or `person:<id>`'),
  personId: z.string().nullable().describe('The held person; null for an organisation-wide hold'),
  reason: z.string(),
  by: z.string().describe('Name of the API token that placed it'),
  at: z.date(),
});

const holdBody = z.object({ reason: z.string().trim().min(3).max(500).describe('Why deletion is paused (e.g. the matter or ticket)') }).strict();

const records = z.array(z.unknown());

export const governanceRoutes = [
  defineRoute({
    method: 'get',
    path: '/people/:id/export',
    scope: 'people:export',
    tag: 'governance',
    summary: 'Everything Tandem holds about a person, as JSON (audited as person.export)',
    params: personParams,
    response: z.object({
      exportedAt: z.date(),
      person: z.unknown().describe('The person record'),
      identities: records.describe('Slack, Teams and console accounts linked to the person'),
      legalHolds: z.array(holdSchema),
      checkins: records,
      blockers: records,
      kudosGiven: records,
      kudosReceived: records,
      consoleMessages: records,
      auditEntries: records.describe('Audit entries whose target is the person'),
    }),
    handler: ({ params, token, ctx }) => ctx.core.governance.personal.export(token.name, params.id),
  }),
  defineRoute({
    method: 'post',
    path: '/people/:id/erase',
    scope: 'people:erase',
    action: 'person.erase',
    tag: 'governance',
    summary:
      'Erase a person’s personal data: name and email replaced, identities and console messages removed, free-text check-in answers, blockers and kudos reasons emptied; counts, statuses, moods and kudos values kept. 409 under a legal hold.',
    params: personParams,
    status: 200,
    response: z.record(z.string(), z.number()).describe('Records removed or anonymised, by kind'),
    handler: async ({ params, token, ctx }) => ({ body: await ctx.core.governance.personal.erase(token.name, params.id) }),
  }),
  defineRoute({
    method: 'get',
    path: '/retention',
    scope: 'legal-holds:read',
    tag: 'governance',
    summary: 'Retention period of each kind of record (RETENTION_DAYS overrides the defaults) and the legal holds in force',
    response: z.object({
      periods: z.array(z.object({ kind: z.string(), description: z.string(), days: z.number().int(), defaultDays: z.number().int() })),
      legalHolds: z.array(holdSchema),
    }),
    handler: async ({ ctx }) => ({ periods: ctx.core.governance.retention.periods(), legalHolds: await ctx.core.governance.holds.list() }),
  }),
  defineRoute({
    method: 'put',
    path: '/legal-holds/org',
    scope: 'legal-holds:write',
    action: 'legal_hold.place',
    tag: 'governance',
    summary: 'Place an organisation-wide legal hold: the retention purge and erasures pause until it is lifted',
    body: holdBody,
    response: holdSchema,
    status: 200,
    handler: async ({ body, token, ctx }) => ({ body: await ctx.core.governance.holds.place(token.name, body.reason) }),
  }),
  defineRoute({
    method: 'delete',
    path: '/legal-holds/org',
    scope: 'legal-holds:write',
    action: 'legal_hold.lift',
    tag: 'governance',
    summary: 'Lift the organisation-wide legal hold',
    handler: async ({ token, ctx }) => {
      await ctx.core.governance.holds.lift(token.name);
      return {};
    },
  }),
  defineRoute({
    method: 'put',
    path: '/people/:id/legal-hold',
    scope: 'legal-holds:write',
    action: 'legal_hold.place',
    tag: 'governance',
    summary: 'Place a legal hold on a person: their records are kept past retention and cannot be erased',
    params: personParams,
    body: holdBody,
    response: holdSchema,
    status: 200,
    handler: async ({ params, body, token, ctx }) => ({ body: await ctx.core.governance.holds.place(token.name, body.reason, params.id) }),
  }),
  defineRoute({
    method: 'delete',
    path: '/people/:id/legal-hold',
    scope: 'legal-holds:write',
    action: 'legal_hold.lift',
    tag: 'governance',
    summary: 'Lift the legal hold on a person',
    params: personParams,
    handler: async ({ params, token, ctx }) => {
      await ctx.core.governance.holds.lift(token.name, params.id);
      return {};
    },
  }),
];
