import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { sendError } from '../errors.js';
import { buildOpenApi } from './openapi.js';
import type { AdminContext, AdminRoute, TokenPrincipal } from './route.js';
import { grants, hashToken, TOKEN_PREFIX } from './tokens.js';

/** How often a token's lastUsedAt is refreshed at most. */
const TOUCH_EVERY_MS = 60_000;

/**
 * The admin REST API, mounted at /api/v1. Every route goes through the same
 * chain: bearer token (401) -> scope (403) -> JSON body within the size limit
 * (413, 400) -> zod validation (422) -> handler -> audit record for writes
 * (people and teams write theirs in core).
 * Refused requests never reach a handler, so they write nothing.
 */
export function createAdminApi(opts: { ctx: AdminContext; bodyLimit: string; routes: readonly AdminRoute[] }): Router {
  const { ctx, routes } = opts;
  const seen = new Set<string>();
  for (const r of routes) {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) throw new Error(`admin route declared twice: ${key.toUpperCase()}`);
    seen.add(key);
  }

  const router = express.Router();
  const openapi = buildOpenApi(routes);
  router.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const secret = match?.[1];
    res.setHeader('www-authenticate', 'Bearer');
    if (!secret || !secret.startsWith(TOKEN_PREFIX)) {
      return sendError(res, 401, 'unauthenticated', `Send an API token in the Authorization header: "Bearer ${TOKEN_PREFIX}…" (create one with npm run admin:token)`);
    }
    const token = await ctx.tokens.findByHash(hashToken(secret));
    if (!token) return sendError(res, 401, 'unauthenticated', 'This API token is not known');
    if (token.revokedAt) return sendError(res, 401, 'unauthenticated', `The API token "${token.name}" was revoked`);
    res.removeHeader('www-authenticate');
    const now = ctx.core.clock.now();
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > TOUCH_EVERY_MS) await ctx.tokens.touch(token.id, now);
    const principal: TokenPrincipal = { id: token.id, name: token.name, scopes: token.scopes };
    res.locals.token = principal;
    next();
  };

  const authorize = (scope: string) => (_req: Request, res: Response, next: NextFunction) => {
    const token = res.locals.token as TokenPrincipal;
    if (!grants(token.scopes, scope)) {
      return sendError(res, 403, 'forbidden', `The API token "${token.name}" lacks the scope ${scope}`, { needed: scope, granted: token.scopes });
    }
    next();
  };

  const json = express.json({ limit: opts.bodyLimit });

  for (const route of routes) {
    router[route.method](route.path, authenticate, authorize(route.scope), json, async (req: Request, res: Response) => {
      const token = res.locals.token as TokenPrincipal;
      const outcome = await route.run({ params: req.params, query: req.query, body: req.body as unknown, token, ctx });
      if (outcome.audit) {
        await ctx.core.audit.record({ actor: token.name, ...outcome.audit });
      }
      if (outcome.body === undefined) res.status(outcome.status).end();
      else if (route.produces) {
        if (route.produces.filename) res.attachment(route.produces.filename);
        res.status(outcome.status).type(route.produces.contentType).send(String(outcome.body));
      } else res.status(outcome.status).json(outcome.body);
    });
  }
  return router;
}
