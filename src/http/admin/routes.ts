/**
 * THE LIST OF ADMIN API ROUTES (served under /api/v1; OpenAPI at /api/v1/openapi.json).
 *
 * How a feature adds its routes:
 *   1. In your feature's http file (e.g. src/http/admin/checkins.routes.ts), declare them once:
 *        export const checkinRoutes = [
 *          defineRoute({
 *            method: 'get', path: '/checkins', scope: 'checkins:read', summary: 'List check-ins',
 *            query: pageQuerySchema.extend({ personId: z.string().optional() }),
 *            response: pageOf(checkinSchema),
 *            handler: ({ query, ctx }) => ctx.core.checkins.list(query),
 *          }),
 *          defineRoute({
 *            method: 'post', path: '/checkins/:id/close', scope: 'checkins:write', action: 'checkin.close',
 *            summary: 'Close a check-in', params: idParamsSchema, response: checkinSchema,
 *            handler: async ({ params, ctx }) => {
 *              const before = ...; const after = ...;
 *              return { body: after, audit: { target: `checkin:${params.id}`, before, after } };
 *            },
 *          }),
 *        ];
 *      (defineRoute, pageQuerySchema, pageOf, idParamsSchema come from ./route.js.)
 *   2. Add ONE line to `adminRoutes` below: `...checkinRoutes,`.
 *
 * Rules the framework enforces: GET routes take an `<area>:read` scope, every other method an
 * `<area>:write` scope and an audit `action`; the handler of a write returns
 * `{ body, audit: { target, before, after } }` and the framework records the audit entry (token
 * name, action, target, before/after, time). The scopes of a new area (`<area>:read|write`) become
 * valid for `npm run admin:token` automatically. Params, query and body are validated by the zod
 * schemas (422 with details); throw DomainError('not_found' | 'conflict' | 'validation') for
 * 404 / 409 / 422. The OpenAPI document is generated from the same declarations.
 */
import { auditRoutes } from './audit.routes.js';
import { checkinRoutes } from './checkins.routes.js';
import { peopleRoutes } from './people.routes.js';
import { recognitionRoutes } from './recognition.routes.js';
import { surveyRoutes } from './surveys.routes.js';
import type { AdminRoute } from './route.js';
import { teamRoutes } from './teams.routes.js';

export const adminRoutes: readonly AdminRoute[] = [
  ...peopleRoutes,
  ...teamRoutes,
  ...auditRoutes,
  ...checkinRoutes,
  ...recognitionRoutes,
  ...surveyRoutes,
];
