import { z } from 'zod';
import { DomainError } from '../../core/errors.js';
import { Directory } from '../../core/people/directory.js';
import { objectIdSchema, personInputSchema, ROLES } from '../../core/people/people.types.js';
import { defineRoute, idParamsSchema, pageOf, pageQuerySchema, type AdminContext } from './route.js';

export const personSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  timeZone: z.string(),
  workingDays: z.array(z.number().int().min(1).max(7)).describe('ISO weekdays, Monday = 1'),
  managerId: z.string().nullable(),
  roles: z.array(z.enum(ROLES)),
  active: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

const createBody = personInputSchema.strict();
const patchBody = personInputSchema.partial().strict();

const directory = (ctx: AdminContext) => new Directory(ctx.core.ports.people, ctx.core.ports.teams);

async function load(ctx: AdminContext, id: string) {
  const person = await ctx.core.ports.people.get(id);
  if (!person) throw new DomainError('not_found', `No person with id ${id}`, { id });
  return person;
}

export const peopleRoutes = [
  defineRoute({
    method: 'get',
    path: '/people',
    scope: 'people:read',
    summary: 'List people, oldest first',
    query: pageQuerySchema.extend({
      active: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('Only active (true) or inactive (false) people'),
      managerId: objectIdSchema.optional().describe('Only direct reports of this person'),
    }),
    response: pageOf(personSchema),
    handler: ({ query, ctx }) => ctx.core.ports.people.list(query),
  }),
  defineRoute({
    method: 'get',
    path: '/people/:id',
    scope: 'people:read',
    summary: 'Get one person',
    params: idParamsSchema,
    response: personSchema,
    handler: ({ params, ctx }) => load(ctx, params.id),
  }),
  defineRoute({
    method: 'post',
    path: '/people',
    scope: 'people:write',
    action: 'person.create',
    summary: 'Create a person (the email must be new; the manager must exist)',
    body: createBody,
    response: personSchema,
    handler: async ({ body, ctx }) => {
      await directory(ctx).checkManager(body.managerId);
      const person = await ctx.core.ports.people.create(body);
      return { body: person, audit: { target: `person:${person.id}`, before: null, after: person } };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/people/:id',
    scope: 'people:write',
    action: 'person.update',
    summary: 'Change some fields of a person',
    params: idParamsSchema,
    body: patchBody,
    response: personSchema,
    handler: async ({ params, body, sentKeys, ctx }) => {
      const before = await load(ctx, params.id);
      const patch = Object.fromEntries(Object.entries(body).filter(([k]) => sentKeys.has(k)));
      if ('managerId' in patch) await directory(ctx).checkManager(body.managerId, before.id);
      const after = await ctx.core.ports.people.update(before.id, patch);
      return { body: after, audit: { target: `person:${after.id}`, before, after } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/people/:id',
    scope: 'people:write',
    action: 'person.delete',
    summary: 'Delete a person nobody refers to (otherwise set active to false)',
    params: idParamsSchema,
    handler: async ({ params, ctx }) => {
      const before = await load(ctx, params.id);
      await directory(ctx).checkRemovable(before.id);
      await ctx.core.ports.people.remove(before.id);
      return { audit: { target: `person:${before.id}`, before, after: null } };
    },
  }),
];
