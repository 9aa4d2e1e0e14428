import { z } from 'zod';
import { defineRoute, pageOf, pageQuerySchema } from './route.js';

export const auditEntrySchema = z.object({
  id: z.string(),
  actor: z.string().describe('Name of the API token that made the change'),
  action: z.string().describe('e.g. person.update'),
  target: z.string().describe('e.g. person:<id>'),
  before: z.unknown().describe('The object before the change (null on create)'),
  after: z.unknown().describe('The object after the change (null on delete)'),
  at: z.date(),
});

export const auditRoutes = [
  defineRoute({
    method: 'get',
    path: '/audit',
    scope: 'audit:read',
    summary: 'List audit records of every write, oldest first',
    query: pageQuerySchema.extend({ target: z.string().min(1).optional().describe('Only records about this target, e.g. person:<id>') }),
    response: pageOf(auditEntrySchema),
    handler: ({ query, ctx }) => ctx.core.audit.list(query),
  }),
];
