import { createHash, randomBytes } from 'node:crypto';
import type { AdminRoute } from './route.js';

/** An admin API token as stored: only the sha256 hash of the secret is kept. */
export interface ApiToken {
  id: string;
  name: string;
  scopes: string[];
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

/** What the admin API needs of the token store. */
export interface ApiTokenStore {
  /** Throws DomainError('conflict') when the name is taken (revoked tokens keep their name). */
  create(input: { name: string; hash: string; scopes: string[] }): Promise<ApiToken>;
  findByHash(hash: string): Promise<ApiToken | null>;
  findByName(name: string): Promise<ApiToken | null>;
  /** Revokes the token; false when no live token has that name. */
  revoke(name: string, at: Date): Promise<boolean>;
  touch(id: string, at: Date): Promise<void>;
  list(): Promise<ApiToken[]>;
}

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
