import { z } from 'zod';
import { teamInputSchema } from '../../core/people/people.types.js';
import { directoryRoutes } from './directory.routes.js';
import { pageQuerySchema } from './route.js';

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

export const teamRoutes = directoryRoutes({
  path: '/teams',
  noun: 'team',
  area: 'teams',
  item: teamSchema,
  listQuery: pageQuerySchema,
  createBody: teamInputSchema.strict(),
  patchBody: teamInputSchema.partial().strict(),
  summaries: {
    list: 'List teams, oldest first',
    get: 'Get one team',
    create: 'Create a team (the name must be new; manager and members must exist)',
    update: 'Change some fields of a team',
    remove: 'Delete a team',
  },
  useCases: (ctx) => ctx.core.directory.teams,
});
