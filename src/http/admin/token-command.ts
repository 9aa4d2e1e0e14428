import { parseArgs } from 'node:util';
import type { AuditLog } from '../../core/audit.js';
import { generateToken, hashToken, type ApiTokenStore } from './tokens.js';

export const TOKEN_USAGE = `Usage:
  npm run admin:token -- --name NAME --scopes SCOPE[,SCOPE...]   create a token (printed once)
  npm run admin:token -- --revoke NAME                           revoke a token
  npm run admin:token -- --list                                  list tokens (never their secrets)`;

export type TokenCommandResult = { ok: true; output: string } | { ok: false; error: string };

/** Who the audit log names for changes made with the command. */
export const TOKEN_COMMAND_ACTOR = 'admin:token';

/** The state of a token the audit log records and the reconciler compares (never its hash). */
export const tokenState = (t: { name: string; scopes: string[]; revokedAt: Date | null } | null) => (t ? { name: t.name, scopes: t.scopes, revoked: t.revokedAt !== null } : null);

/**
 * The admin:token command over the token repository; the script only wires it to a database and a terminal.
 * Creating and revoking are audited changes (`token.create`, `token.revoke`, target `token:<name>`).
 */
export async function runTokenCommand(
  argv: string[],
  deps: { tokens: ApiTokenStore; scopes: readonly string[]; now: () => Date; audit: Pick<AuditLog, 'change'> },
): Promise<TokenCommandResult> {
  let values: { name?: string; scopes?: string; revoke?: string; list?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { name: { type: 'string' }, scopes: { type: 'string' }, revoke: { type: 'string' }, list: { type: 'boolean' } }, strict: true }));
  } catch (err) {
    return { ok: false, error: `${(err as Error).message}\n${TOKEN_USAGE}` };
  }
  if (values.list) {
    const all = await deps.tokens.list();
    if (all.length === 0) return { ok: true, output: 'No API tokens yet.' };
    return {
      ok: true,
      output: all
        .map((t) => `${t.name}\t${t.scopes.join(',')}\t${t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : 'active'}\tlast used ${t.lastUsedAt?.toISOString() ?? 'never'}`)
        .join('\n'),
    };
  }
  if (values.revoke !== undefined) {
    const name = values.revoke;
    const existing = await deps.tokens.findByName(name);
    if (!existing || existing.revokedAt) return { ok: false, error: existing ? `The token "${name}" is already revoked.` : `There is no token named "${name}".` };
    const change = { actor: TOKEN_COMMAND_ACTOR, action: 'token.revoke', target: `token:${name}`, before: tokenState(existing), intended: { revoked: true } };
    const revoke = async () => {
      if (!(await deps.tokens.revoke(name, deps.now()))) throw new Error(`The token "${name}" is already revoked.`);
    };
    const refused = await deps.audit.change(change, revoke, () => ({ after: { ...tokenState(existing), revoked: true } })).then(
      () => null,
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    if (refused) return { ok: false, error: refused };
    return { ok: true, output: `Revoked the token "${values.revoke}"; requests using it now get 401.` };
  }
  const name = values.name?.trim();
  if (!name || !/^[\w.@-]{1,64}$/.test(name)) return { ok: false, error: `Give the token a name of 1-64 letters, digits, or . _ @ - with --name.\n${TOKEN_USAGE}` };
  const scopes = [...new Set((values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
  if (scopes.length === 0) return { ok: false, error: `Give the token at least one scope with --scopes. Known scopes: ${deps.scopes.join(', ')}` };
  const unknown = scopes.filter((s) => !deps.scopes.includes(s));
  if (unknown.length) return { ok: false, error: `Unknown scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Known scopes: ${deps.scopes.join(', ')}` };
  if (await deps.tokens.findByName(name)) return { ok: false, error: `A token named "${name}" already exists; pick another name or revoke it with --revoke ${name}.` };
  const secret = generateToken();
  try {
    const change = { actor: TOKEN_COMMAND_ACTOR, action: 'token.create', target: `token:${name}`, before: null, intended: { name, scopes, revoked: false } };
    await deps.audit.change(change, () => deps.tokens.create({ name, hash: hashToken(secret), scopes }), (t) => ({ after: tokenState(t) }));
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  return {
    ok: true,
    output: `Created the token "${name}" with scopes ${scopes.join(', ')}.\nIt is shown only this once; store it now:\n\n${secret}\n\nUse it as: Authorization: Bearer ${secret.slice(0, 8)}…`,
  };
}
