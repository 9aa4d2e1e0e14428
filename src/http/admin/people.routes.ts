import { z } from 'zod';
import { objectIdSchema, personInputSchema, ROLES } from '../../core/people/people.types.js';
import { directoryRoutes } from './directory.routes.js';
import { pageQuerySchema } from './route.js';

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

export const peopleRoutes = directoryRoutes({
  path: '/people',
  noun: 'person',
  area: 'people',
  item: personSchema,
  listQuery: pageQuerySchema.extend({
    active: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('Only active (true) or inactive (false) people'),
    managerId: objectIdSchema.optional().describe('Only direct reports of this person'),
  }),
  createBody: personInputSchema.strict(),
  patchBody: personInputSchema.partial().strict(),
  summaries: {
    list: 'List people, oldest first',
    get: 'Get one person',
    create: 'Create a person (the email must be new; the manager must exist)',
    update: 'Change some fields of a person',
    remove: 'Delete a person nobody refers to (otherwise set active to false)',
  },
  useCases: (ctx) => ctx.core.directory.people,
});
