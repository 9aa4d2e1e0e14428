import { createHash, randomBytes } from 'node:crypto';
import type { AdminRoute } from './route.js';

export const TOKEN_PREFIX = 'tdm_';

/** A new secret token: `tdm_` and 32 random bytes. Only its hash is stored. */
export const generateToken = (): string => TOKEN_PREFIX + randomBytes(32).toString('base64url');

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** The scope that grants every other scope. */
export const ADMIN_SCOPE = 'admin';

/** Every scope a token may hold: `<area>:read` and `<area>:write` for each area the routes use, the routes' other scopes (`people:export`), and `admin`. */
export function knownScopes(routes: readonly AdminRoute[]): string[] {
  const areas = new Set(routes.map((r) => r.scope.slice(0, r.scope.lastIndexOf(':'))));
  const all = new Set([...[...areas].flatMap((a) => [`${a}:read`, `${a}:write`]), ...routes.map((r) => r.scope)]);
  return [...[...all].sort(), ADMIN_SCOPE];
}

export const grants = (scopes: readonly string[], needed: string): boolean => scopes.includes(ADMIN_SCOPE) || scopes.includes(needed);
