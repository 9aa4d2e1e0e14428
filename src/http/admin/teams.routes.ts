import { z } from 'zod';
import { DomainError } from '../../core/errors.js';
import { Directory } from '../../core/people/directory.js';
import { teamInputSchema } from '../../core/people/people.types.js';
import { defineRoute, idParamsSchema, pageOf, pageQuerySchema, type AdminContext } from './route.js';

export const teamSchema = z.object({
  id: z.string(),
  name: z.string(),
  managerId: z.string().nullable(),
  memberIds: z.array(z.string()),
  channels: z.object({
    slack: z.object({ teamId: z.string(), channelId: z.string() }).optional(),
    teams: z.object({ conversationId: z.string() }).optional(),
    console: z.object({ channelId: z.string() }).optional(),
  }),
  createdAt: z.date(),
  updatedAt: z.date(),
});

const directory = (ctx: AdminContext) => new Directory(ctx.core.ports.people, ctx.core.ports.teams);

async function load(ctx: AdminContext, id: string) {
  const team = await ctx.core.ports.teams.get(id);
  if (!team) throw new DomainError('not_found', `No team with id ${id}`, { id });
  return team;
}

export const teamRoutes = [
  defineRoute({
    method: 'get',
    path: '/teams',
    scope: 'teams:read',
    summary: 'List teams, oldest first',
    query: pageQuerySchema,
    response: pageOf(teamSchema),
    handler: ({ query, ctx }) => ctx.core.ports.teams.list(query),
  }),
  defineRoute({
    method: 'get',
    path: '/teams/:id',
    scope: 'teams:read',
    summary: 'Get one team',
    params: idParamsSchema,
    response: teamSchema,
    handler: ({ params, ctx }) => load(ctx, params.id),
  }),
  defineRoute({
    method: 'post',
    path: '/teams',
    scope: 'teams:write',
    action: 'team.create',
    summary: 'Create a team (the name must be new; manager and members must exist)',
    body: teamInputSchema.strict(),
    response: teamSchema,
    handler: async ({ body, ctx }) => {
      await directory(ctx).checkTeamPeople(body);
      const team = await ctx.core.ports.teams.create(body);
      return { body: team, audit: { target: `team:${team.id}`, before: null, after: team } };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/teams/:id',
    scope: 'teams:write',
    action: 'team.update',
    summary: 'Change some fields of a team',
    params: idParamsSchema,
    body: teamInputSchema.partial().strict(),
    response: teamSchema,
    handler: async ({ params, body, sentKeys, ctx }) => {
      const before = await load(ctx, params.id);
      const patch = Object.fromEntries(Object.entries(body).filter(([k]) => sentKeys.has(k)));
      await directory(ctx).checkTeamPeople({ managerId: sentKeys.has('managerId') ? body.managerId : undefined, memberIds: sentKeys.has('memberIds') ? body.memberIds : undefined });
      const after = await ctx.core.ports.teams.update(before.id, patch);
      return { body: after, audit: { target: `team:${after.id}`, before, after } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/teams/:id',
    scope: 'teams:write',
    action: 'team.delete',
    summary: 'Delete a team',
    params: idParamsSchema,
    handler: async ({ params, ctx }) => {
      const before = await load(ctx, params.id);
      await ctx.core.ports.teams.remove(before.id);
      return { audit: { target: `team:${before.id}`, before, after: null } };
    },
  }),
];
