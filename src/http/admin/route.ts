import { z } from 'zod';
import type { Core } from '../../core/index.js';
import { DomainError } from '../../core/errors.js';
import type { ApiTokenStore } from './tokens.js';

/** What every admin route handler can reach: the core's use cases, and the store of API tokens. */
export interface AdminContext {
  core: Core;
  tokens: ApiTokenStore;
}

/** The authenticated caller: a named API token and its scopes. */
export interface TokenPrincipal {
  id: string;
  name: string;
  scopes: string[];
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/**
 * `<area>:read` for GET routes, `<area>:write` for the others; the `admin` scope grants all. Two
 * scopes stand apart from their area's read/write because they reach personal data wholesale:
 * `people:export` (a GET) and `people:erase` (a write).
 */
export type Scope = `${string}:read` | `${string}:write` | 'people:export' | 'people:erase';
/** Scopes a GET route may need; every other scope is a write scope. */
export const READ_SCOPE = /:(read|export)$/;

/**
 * What a write handler returns: the response body. The handler makes its
 * change through `change` (or a core use case that audits itself, as people
 * and teams do), so the audit entry is written before the data (see AuditLog).
 */
export interface WriteResult<Body> {
  body?: Body;
}

/** Runs `apply` as an audited change by the calling token, under the route's action (AuditLog.change). */
export type RouteChange = <T>(change: { target: string; before: unknown; intended: unknown }, apply: () => Promise<T>, after?: (result: T) => unknown) => Promise<T>;

type Empty = z.ZodObject<Record<string, never>>;

export interface HandlerInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  /** Top-level keys the client actually sent in the body (a PATCH applies only these). */
  sentKeys: ReadonlySet<string>;
  token: TokenPrincipal;
  ctx: AdminContext;
  change: RouteChange;
}

export interface RouteSpec<M extends Method, P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  method: M;
  /** Express path below /api/v1, e.g. `/people/:id`. */
  path: string;
  scope: Scope;
  summary: string;
  /** OpenAPI tag; defaults to the first path segment. */
  tag?: string;
  /** Audit action of a write route, e.g. `person.update`. Required for every method but GET. */
  action?: M extends 'get' ? never : string;
  params?: P;
  query?: Q;
  body?: B;
  /** The success body; omit for 204 No Content. */
  response?: R;
  /**
   * Sends the body as this media type instead of JSON (e.g. a CSV export);
   * the handler then returns the text and `response` is `z.string()`.
   */
  produces?: { contentType: string; filename?: string };
  /** Success status; defaults to 201 for POST, 204 without a response schema, else 200. */
  status?: number;
  handler: (input: HandlerInput<P, Q, B>) => Promise<M extends 'get' ? z.input<R> : WriteResult<z.input<R>>>;
}

export interface RouteOutcome {
  status: number;
  body: unknown;
}

/** A declared route with its types erased, as the framework and the OpenAPI builder see it. */
export interface AdminRoute {
  method: Method;
  path: string;
  scope: Scope;
  summary: string;
  tag: string;
  action: string | null;
  schemas: { params?: z.ZodType; query?: z.ZodType; body?: z.ZodType; response?: z.ZodType };
  /** Non-JSON success body (see RouteSpec.produces); null for JSON. */
  produces: { contentType: string; filename?: string } | null;
  status: number;
  /** Validates the raw request parts, runs the handler, returns what to send. */
  run(raw: { params: unknown; query: unknown; body: unknown; token: TokenPrincipal; ctx: AdminContext }): Promise<RouteOutcome>;
}

type Location = 'params' | 'query' | 'body';

function parse<S extends z.ZodType>(schema: S | undefined, value: unknown, where: Location): z.output<S> {
  if (!schema) return {} as z.output<S>;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ in: where, path: i.path.join('.'), message: i.message }));
  const first = issues[0];
  const message = first ? `${where}${first.path ? `.${first.path}` : ''}: ${first.message}` : `The ${where} is not valid`;
  throw new DomainError('validation', `The request is not valid: ${message}`, { issues });
}

/**
 * Declares one admin route. The declaration drives both the express wiring
 * (validation of params/query/body, scope check, audited changes)
 * and the OpenAPI document, so the two cannot drift apart.
 */
export function defineRoute<M extends Method, P extends z.ZodType = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = Empty, R extends z.ZodType = z.ZodVoid>(
  spec: RouteSpec<M, P, Q, B, R>,
): AdminRoute {
  const isRead = spec.method === 'get';
  if (isRead !== READ_SCOPE.test(spec.scope)) throw new Error(`route ${spec.method.toUpperCase()} ${spec.path}: GET routes need a :read scope, writes a :write scope`);
  if (!isRead && !spec.action) throw new Error(`route ${spec.method.toUpperCase()} ${spec.path}: a write route needs an audit action`);
  const status = spec.status ?? (spec.response ? (spec.method === 'post' ? 201 : 200) : 204);
  return {
    method: spec.method,
    path: spec.path,
    scope: spec.scope,
    summary: spec.summary,
    tag: spec.tag ?? spec.path.split('/')[1] ?? 'misc',
    action: spec.action ?? null,
    schemas: { params: spec.params, query: spec.query, body: spec.body, response: spec.response },
    produces: spec.produces ?? null,
    status,
    async run(raw) {
      const params = parse(spec.params, raw.params, 'params');
      const query = parse(spec.query, raw.query, 'query');
      const bodyValue = raw.body ?? {};
      const body = parse(spec.body, bodyValue, 'body');
      const sentKeys = new Set(typeof bodyValue === 'object' && bodyValue !== null ? Object.keys(bodyValue) : []);
      const change: RouteChange = (c, apply, after) =>
        raw.ctx.core.audit.change({ actor: raw.token.name, action: spec.action ?? spec.path, ...c }, apply, after ? (r) => ({ after: after(r) }) : undefined);
      const result = await spec.handler({ params, query, body, sentKeys, token: raw.token, ctx: raw.ctx, change });
      if (isRead) return { status, body: result };
      return { status, body: (result as WriteResult<unknown>).body };
    },
  };
}

/** `{limit, cursor}` of every list route. */
export const pageQuerySchema = z.object({
  limit: z.coerce.number({ message: 'expected a number' }).int().min(1).max(200).default(50).describe('Page size (1-200)'),
  cursor: z.string().min(1).optional().describe('nextCursor of the previous page'),
});

/** `{items, nextCursor}` of every list route. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable().describe('Cursor of the next page; null on the last page') });

export const idParamsSchema = z.object({ id: z.string().min(1).describe('Object id') });
