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
 *            handler: async ({ params, ctx, change }) => {
 *              const before = ...;
 *              const after = await change({ target: `checkin:${params.id}`, before, intended: { status: 'closed' } },
 *                () => ctx.core.checkins.close(params.id), (closed) => closed);
 *              return { body: after };
 *            },
 *          }),
 *        ];
 *      (defineRoute, pageQuerySchema, pageOf, idParamsSchema come from ./route.js.)
 *   2. Add ONE line to `adminRoutes` below: `...checkinRoutes,`.
 *
 * Rules the framework enforces: GET routes take an `<area>:read` scope, every other method an
 * `<area>:write` scope and an audit `action`; the handler of a write makes its change through
 * `change({ target, before, intended }, apply, after)`, which writes the audit entry as pending
 * first (token name, action, target, before, intended change, time), applies the change and marks
 * it done (or failed); a reconciler settles entries a crash left pending (see AuditLog). The scopes of a new area (`<area>:read|write`) become
 * valid for `npm run admin:token` automatically. Params, query and body are validated by the zod
 * schemas (422 with details); throw DomainError('not_found' | 'conflict' | 'validation') for
 * 404 / 409 / 422. The OpenAPI document is generated from the same declarations.
 */
import { alertRoutes } from './alerts.routes.js';
import { auditRoutes } from './audit.routes.js';
import { checkinRoutes } from './checkins.routes.js';
import { oncallRoutes } from './oncall.routes.js';
import { governanceRoutes } from './governance.routes.js';
import { kpiRoutes } from './kpis.routes.js';
import { peopleRoutes } from './people.routes.js';
import { recognitionRoutes } from './recognition.routes.js';
import { surveyRoutes } from './surveys.routes.js';
import type { AdminRoute } from './route.js';
import { scorecardRoutes } from './scorecards.routes.js';
import { teamRoutes } from './teams.routes.js';

export const adminRoutes: readonly AdminRoute[] = [
  ...peopleRoutes,
  ...teamRoutes,
  ...auditRoutes,
  ...checkinRoutes,
  ...recognitionRoutes,
  ...oncallRoutes,
  ...governanceRoutes,
  ...kpiRoutes,
  ...alertRoutes,
  ...scorecardRoutes,
  ...surveyRoutes,
];
