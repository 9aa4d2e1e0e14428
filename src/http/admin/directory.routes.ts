import type { z } from 'zod';
import type { Managed } from '../../core/people/manage.js';
import type { PageQuery } from '../../core/ports.js';
import { defineRoute, idParamsSchema, pageOf, type AdminContext, type AdminRoute, type Scope } from './route.js';

/**
 * The five routes of a directory record (list, get, create, patch, delete),
 * shared by people and teams. Each calls the core's managed use case, which
 * checks the directory's rules and writes the audit entry itself.
 */
export function directoryRoutes<T, Q extends z.ZodType<PageQuery>, C extends z.ZodType, P extends z.ZodType, R extends z.ZodType>(spec: {
  /** Collection path, e.g. `/people`. */
  path: string;
  /** Audit noun, e.g. `person`: actions `person.create|update|delete`. */
  noun: string;
  area: string;
  item: R;
  listQuery: Q;
  createBody: C;
  patchBody: P;
  summaries: { list: string; get: string; create: string; update: string; remove: string };
  useCases: (ctx: AdminContext) => Managed<T & z.input<R>, z.output<C>, z.output<Q>>;
}): AdminRoute[] {
  const read = `${spec.area}:read` as Scope;
  const write = `${spec.area}:write` as Scope;
  const one = `${spec.path}/:id`;
  return [
    defineRoute({ method: 'get', path: spec.path, scope: read, summary: spec.summaries.list, query: spec.listQuery, response: pageOf(spec.item), handler: ({ query, ctx }) => spec.useCases(ctx).list(query) }),
    defineRoute({ method: 'get', path: one, scope: read, summary: spec.summaries.get, params: idParamsSchema, response: spec.item, handler: ({ params, ctx }) => spec.useCases(ctx).get(params.id) }),
    defineRoute({
      method: 'post',
      path: spec.path,
      scope: write,
      action: `${spec.noun}.create`,
      summary: spec.summaries.create,
      body: spec.createBody,
      response: spec.item,
      handler: async ({ body, token, ctx }) => ({ body: await spec.useCases(ctx).create(token.name, body) }),
    }),
    defineRoute({
      method: 'patch',
      path: one,
      scope: write,
      action: `${spec.noun}.update`,
      summary: spec.summaries.update,
      params: idParamsSchema,
      body: spec.patchBody,
      response: spec.item,
      handler: async ({ params, body, sentKeys, token, ctx }) => {
        // A PATCH changes only the fields the client sent (defaults of the schema do not count).
        const patch = Object.fromEntries(Object.entries(body as Record<string, unknown>).filter(([k]) => sentKeys.has(k))) as Partial<z.output<C>>;
        return { body: await spec.useCases(ctx).update(token.name, params.id, patch) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: one,
      scope: write,
      action: `${spec.noun}.delete`,
      summary: spec.summaries.remove,
      params: idParamsSchema,
      handler: async ({ params, token, ctx }) => {
        await spec.useCases(ctx).remove(token.name, params.id);
        return {};
      },
    }),
  ];
}
