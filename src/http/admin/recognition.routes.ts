import { z } from 'zod';
import { mentionedPersonIds, plainMentions } from '../../core/chat/views.js';
import { DomainError } from '../../core/errors.js';
import { objectIdSchema, PLATFORMS } from '../../core/people/people.types.js';
import type { Kudos } from '../../core/recognition/recognition.types.js';
import { companyValueSchema, companyValuesSchema, settingsPatchSchema } from '../../core/recognition/recognition.types.js';
import { defineRoute, idParamsSchema, pageOf, pageQuerySchema, type AdminContext } from './route.js';

const channelsSchema = z.object({
  slack: z.object({ teamId: z.string(), channelId: z.string() }).optional(),
  teams: z.object({ conversationId: z.string() }).optional(),
  console: z.object({ channelId: z.string() }).optional(),
});

const valueSchema = z.object({ name: z.string(), label: z.string(), description: z.string() });

const settingsSchema = z.object({
  values: z.array(valueSchema),
  requireValue: z.boolean(),
  minReasonLength: z.number().int(),
  weeklyBudget: z.number().int().describe('Recipients a giver may recognise per ISO week, in their time zone'),
  channelPosts: z.boolean().describe('Post public kudos to the recipients’ team channels'),
  teamChannels: z.record(z.string(), channelsSchema.nullable()).describe('Per team id: where its kudos go instead of its own channel; null = no posts'),
  quietWeeks: z.number().int(),
  statsWeeks: z.number().int(),
});

const kudosSchema = z.object({
  id: z.string(),
  giverId: z.string(),
  recipientIds: z.array(z.string()),
  reason: z.string().describe('Mentions appear as <@person:ID>'),
  values: z.array(z.string()),
  private: z.boolean(),
  platform: z.enum(PLATFORMS),
  week: z.string().describe("The giver's ISO week, e.g. 2026-W47"),
  createdAt: z.date(),
  revokedAt: z.date().nullable(),
  revokedBy: z.string().nullable(),
  revokeReason: z.string().nullable(),
});

const isoDate = (what: string) =>
  z.coerce.date({ message: 'expected an ISO 8601 date such as 2026-11-01 or 2026-11-01T09:00:00Z' }).optional().describe(what);

const filterSchema = z.object({
  giverId: objectIdSchema.optional().describe('Only kudos given by this person'),
  recipientId: objectIdSchema.optional().describe('Only kudos received by this person'),
  value: z.string().trim().min(1).transform((v) => v.replace(/^#/, '').toLowerCase()).optional().describe('Only kudos naming this value'),
  teamId: objectIdSchema.optional().describe('Only kudos given or received by members of this team'),
  from: isoDate('Given at or after this instant'),
  to: isoDate('Given before this instant'),
  revoked: z.enum(['include', 'exclude']).default('include').describe('Whether revoked kudos are listed'),
});
type Filter = z.output<typeof filterSchema>;

const toFilter = (q: Filter) => ({
  giverId: q.giverId,
  recipientId: q.recipientId,
  value: q.value,
  teamId: q.teamId,
  from: q.from,
  to: q.to,
  includeRevoked: q.revoked === 'include',
});

async function load(ctx: AdminContext, id: string): Promise<Kudos> {
  const kudos = await ctx.core.recognition.get(id);
  if (!kudos) throw new DomainError('not_found', `No kudos with id ${id}`, { id });
  return kudos;
}

/** One CSV cell: quoted when needed, and defused when a spreadsheet would read it as a formula. */
function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

async function exportCsv(ctx: AdminContext, filter: Filter): Promise<string> {
  const rows: Kudos[] = [];
  for await (const k of ctx.core.recognition.scan(toFilter(filter))) rows.push(k);
  const ids = [...new Set(rows.flatMap((k) => [k.giverId, ...k.recipientIds, ...mentionedPersonIds(k.reason)]))];
  const people = new Map<string, { name: string; email: string }>();
  for (let i = 0; i < ids.length; i += 500) for (const p of await ctx.core.directory.lookup.people(ids.slice(i, i + 500))) people.set(p.id, p);
  const name = (id: string) => people.get(id)?.name ?? id;
  const email = (id: string) => people.get(id)?.email ?? '';
  const header = ['id', 'created_at', 'giver', 'giver_email', 'recipients', 'recipient_emails', 'values', 'reason', 'private', 'platform', 'revoked_at', 'revoked_by', 'revoke_reason'];
  const lines = [header.join(',')];
  for (const k of rows) {
    lines.push(
      [
        k.id,
        k.createdAt.toISOString(),
        name(k.giverId),
        email(k.giverId),
        k.recipientIds.map(name).join('; '),
        k.recipientIds.map(email).join('; '),
        k.values.join('; '),
        plainMentions(k.reason, name),
        String(k.private),
        k.platform,
        k.revokedAt?.toISOString() ?? '',
        k.revokedBy ?? '',
        k.revokeReason ?? '',
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

export const recognitionRoutes = [
  defineRoute({
    method: 'get',
    path: '/recognition/settings',
    scope: 'kudos:read',
    tag: 'recognition',
    summary: 'How kudos work: values, reason length, weekly budget, channel posts, insight windows',
    response: settingsSchema,
    handler: ({ ctx }) => ctx.core.recognition.settings(),
  }),
  defineRoute({
    method: 'patch',
    path: '/recognition/settings',
    scope: 'kudos:write',
    action: 'recognition.settings.update',
    tag: 'recognition',
    summary: 'Change kudos settings; only the fields sent change (teamChannels merge per team; {} drops a team’s override)',
    body: settingsPatchSchema,
    response: settingsSchema,
    handler: async ({ body, ctx }) => {
      const before = await ctx.core.recognition.settings();
      const after = await ctx.core.recognition.updateSettings(body);
      return { body: after, audit: { target: 'recognition:settings', before, after } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/recognition/values',
    scope: 'kudos:read',
    tag: 'recognition',
    summary: 'The company values kudos are tied to (the #hashtags people use)',
    response: z.object({ values: z.array(valueSchema) }),
    handler: async ({ ctx }) => ({ values: (await ctx.core.recognition.settings()).values }),
  }),
  defineRoute({
    method: 'put',
    path: '/recognition/values',
    scope: 'kudos:write',
    action: 'recognition.values.replace',
    tag: 'recognition',
    summary: 'Replace the list of company values',
    body: z.object({ values: companyValuesSchema }).strict(),
    response: z.object({ values: z.array(valueSchema) }),
    handler: async ({ body, ctx }) => {
      const before = (await ctx.core.recognition.settings()).values;
      const after = (await ctx.core.recognition.updateSettings({ values: body.values })).values;
      return { body: { values: after }, audit: { target: 'recognition:values', before, after } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/recognition/values',
    scope: 'kudos:write',
    action: 'recognition.value.add',
    tag: 'recognition',
    summary: 'Add one company value',
    body: companyValueSchema.strict(),
    response: valueSchema,
    handler: async ({ body, ctx }) => {
      const before = (await ctx.core.recognition.settings()).values;
      if (before.some((v) => v.name === body.name)) throw new DomainError('conflict', `The value #${body.name} already exists`, { name: body.name });
      const after = (await ctx.core.recognition.updateSettings({ values: [...before, body] })).values;
      const added = after.find((v) => v.name === body.name);
      if (!added) throw new DomainError('conflict', `The value #${body.name} could not be added`);
      return { body: added, audit: { target: `recognition:value:${body.name}`, before: null, after: added } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/recognition/values/:name',
    scope: 'kudos:write',
    action: 'recognition.value.remove',
    tag: 'recognition',
    summary: 'Remove a company value (kudos that named it keep it)',
    params: z.object({ name: z.string().min(1).describe('The value name, without #') }),
    handler: async ({ params, ctx }) => {
      const name = params.name.replace(/^#/, '').toLowerCase();
      const values = (await ctx.core.recognition.settings()).values;
      const removed = values.find((v) => v.name === name);
      if (!removed) throw new DomainError('not_found', `No value #${name}`, { name });
      await ctx.core.recognition.updateSettings({ values: values.filter((v) => v.name !== name) });
      return { audit: { target: `recognition:value:${name}`, before: removed, after: null } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/kudos',
    scope: 'kudos:read',
    tag: 'recognition',
    summary: 'List kudos, oldest first, filtered by giver, recipient, value, team and date range',
    query: pageQuerySchema.extend(filterSchema.shape),
    response: pageOf(kudosSchema),
    handler: ({ query, ctx }) => ctx.core.recognition.list({ ...toFilter(query), limit: query.limit, cursor: query.cursor }),
  }),
  defineRoute({
    method: 'get',
    path: '/kudos/export',
    scope: 'kudos:read',
    tag: 'recognition',
    summary: 'Export kudos as CSV (same filters as the list; names and emails resolved)',
    query: filterSchema,
    response: z.string().describe('CSV with a header row'),
    produces: { contentType: 'text/csv; charset=utf-8', filename: 'kudos.csv' },
    handler: ({ query, ctx }) => exportCsv(ctx, query),
  }),
  defineRoute({
    method: 'get',
    path: '/kudos/:id',
    scope: 'kudos:read',
    tag: 'recognition',
    summary: 'Get one kudos',
    params: idParamsSchema,
    response: kudosSchema,
    handler: ({ params, ctx }) => load(ctx, params.id),
  }),
  defineRoute({
    method: 'post',
    path: '/kudos/:id/revoke',
    scope: 'kudos:write',
    action: 'kudos.revoke',
    tag: 'recognition',
    summary: 'Revoke a kudos: it stops counting in stats, the giver gets the budget back, posted copies say it was withdrawn',
    params: idParamsSchema,
    body: z.object({ reason: z.string().trim().min(3).max(500).describe('Why it is revoked (kept in the audit log)') }).strict(),
    response: kudosSchema,
    status: 200,
    handler: async ({ params, body, token, ctx }) => {
      await load(ctx, params.id);
      const { before, after } = await ctx.core.recognition.revoke(params.id, token.name, body.reason);
      return { body: after, audit: { target: `kudos:${params.id}`, before, after } };
    },
  }),
];
