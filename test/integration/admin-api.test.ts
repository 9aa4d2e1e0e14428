import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../src/http/admin/routes.js';
import { runTokenCommand } from '../../src/http/admin/token-command.js';
import { generateToken, hashToken, knownScopes } from '../../src/http/admin/tokens.js';
import { startTestTandem } from '../support/stack.js';

type Json = Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } };

describe('admin API v1 over HTTP', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  const tokens: Record<string, string> = {};

  const mint = async (name: string, scopes: string[]) => {
    const secret = generateToken();
    await tandem.store.tokens.create({ name, hash: hashToken(secret), scopes });
    tokens[name] = secret;
    return secret;
  };

  const call = async (method: string, path: string, opts: { token?: string; body?: unknown; raw?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${tandem.url}/api/v1${path}`, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
  };

  const counts = async () => ({
    people: await tandem.store.models.Person.countDocuments(),
    teams: await tandem.store.models.Team.countDocuments(),
    audit: await tandem.store.models.Audit.countDocuments(),
  });

  beforeAll(async () => {
    tandem = await startTestTandem({ ADMIN_BODY_LIMIT: '2kb' });
    await mint('writer', ['people:read', 'people:write', 'teams:read', 'teams:write', 'audit:read']);
    await mint('reader', ['people:read']);
    await mint('root', ['admin']);
    await mint('gone', ['admin']);
    await tandem.store.tokens.revoke('gone', new Date());
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('refuses refused requests with their status and writes nothing', async () => {
    const before = await counts();
    const valid = { name: 'Ada', email: 'ada@example.com' };

    const none = await call('POST', '/people', { body: valid });
    expect(none.status).toBe(401);
    expect(none.body.error?.code).toBe('unauthenticated');

    expect((await call('POST', '/people', { token: 'tdm_nope', body: valid })).status).toBe(401);
    expect((await call('POST', '/people', { token: 'not-even-a-token', body: valid })).status).toBe(401);
    const revoked = await call('POST', '/people', { token: tokens.gone, body: valid });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error?.message).toContain('revoked');

    const scope = await call('POST', '/people', { token: tokens.reader, body: valid });
    expect(scope.status).toBe(403);
    expect(scope.body.error).toMatchObject({ code: 'forbidden', details: { needed: 'people:write' } });

    const malformed = await call('POST', '/people', { token: tokens.writer, raw: '{"name": "Ada", ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.code).toBe('malformed');

    const big = await call('POST', '/people', { token: tokens.writer, body: { ...valid, name: 'x'.repeat(5000) } });
    expect(big.status).toBe(413);
    expect(big.body.error?.code).toBe('payload_too_large');

    const invalid = await call('POST', '/people', { token: tokens.writer, body: { name: '', email: 'not-an-email', timeZone: 'Mars/Olympus' } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error?.code).toBe('validation');
    const paths = (invalid.body.error?.details as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'email', 'timeZone']));

    const unknownManager = await call('POST', '/people', { token: tokens.writer, body: { ...valid, managerId: 'a'.repeat(24) } });
    expect(unknownManager.status).toBe(422);
    expect(unknownManager.body.error?.details).toMatchObject({ issues: [{ path: 'managerId' }] });

    const unknownField = await call('POST', '/people', { token: tokens.writer, body: { ...valid, salary: 1 } });
    expect(unknownField.status).toBe(422);

    expect(await counts()).toEqual(before);
  });

  it('refuses a duplicate email (any case) with 409 and writes nothing more', async () => {
    const first = await call('POST', '/people', { token: tokens.writer, body: { name: 'Grace', email: 'grace@example.com' } });
    expect(first.status).toBe(201);
    const before = await counts();
    const dup = await call('POST', '/people', { token: tokens.writer, body: { name: 'Grace H', email: 'GRACE@example.com' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error?.code).toBe('conflict');
    const other = await call('POST', '/people', { token: tokens.writer, body: { name: 'Hopper', email: 'hopper@example.com' } });
    const afterOther = await counts();
    const patchDup = await call('PATCH', `/people/${other.body.id as string}`, { token: tokens.writer, body: { email: 'Grace@Example.com' } });
    expect(patchDup.status).toBe(409);
    expect(await counts()).toEqual(afterOther);
    expect(afterOther.audit).toBe(before.audit + 1);
    expect((await call('GET', `/people/${other.body.id as string}`, { token: tokens.writer })).body.email).toBe('hopper@example.com');
  });

  it('audits a valid write with token name, action, target, before and after', async () => {
    const created = await call('POST', '/people', { token: tokens.writer, body: { name: 'Linus', email: 'linus@example.com', timeZone: 'Europe/Helsinki' } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ name: 'Linus', email: 'linus@example.com', timeZone: 'Europe/Helsinki', workingDays: [1, 2, 3, 4, 5], roles: ['employee'], active: true });

    const patched = await call('PATCH', `/people/${id}`, { token: tokens.writer, body: { active: false } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ active: false, timeZone: 'Europe/Helsinki' });

    const audit = await call('GET', `/audit?target=person:${id}`, { token: tokens.writer });
    expect(audit.status).toBe(200);
    const items = audit.body.items as { actor: string; action: string; target: string; before: Record<string, unknown> | null; after: Record<string, unknown>; at: string }[];
    expect(items.map((i) => i.action)).toEqual(['person.create', 'person.update']);
    expect(items[0]).toMatchObject({ actor: 'writer', target: `person:${id}`, before: null, after: { email: 'linus@example.com' } });
    expect(items[1]?.before).toMatchObject({ active: true });
    expect(items[1]?.after).toMatchObject({ active: false });
    expect(Date.parse(items[1]?.at ?? '')).not.toBeNaN();

    expect((await call('GET', `/people/${id}`, { token: tokens.reader })).body).toMatchObject({ id, active: false });
    expect((await call('GET', '/people/000000000000000000000000', { token: tokens.reader })).status).toBe(404);
    expect((await call('DELETE', `/people/${id}`, { token: tokens.root })).status).toBe(204);
    expect((await call('GET', `/people/${id}`, { token: tokens.reader })).status).toBe(404);
    const afterDelete = await call('GET', `/audit?target=person:${id}`, { token: tokens.root });
    expect((afterDelete.body.items as { action: string; actor: string }[]).at(-1)).toMatchObject({ action: 'person.delete', actor: 'root' });
  });

  it('manages teams with member and manager ids checked to exist', async () => {
    const boss = await call('POST', '/people', { token: tokens.writer, body: { name: 'Boss', email: 'boss@example.com', roles: ['manager'] } });
    const member = await call('POST', '/people', { token: tokens.writer, body: { name: 'Member', email: 'member@example.com', managerId: boss.body.id } });
    expect(member.status).toBe(201);

    const ghost = 'b'.repeat(24);
    const bad = await call('POST', '/teams', { token: tokens.writer, body: { name: 'Core', managerId: boss.body.id, memberIds: [member.body.id, ghost] } });
    expect(bad.status).toBe(422);
    expect(bad.body.error?.details).toMatchObject({ issues: [{ path: 'memberIds.1' }] });

    const team = await call('POST', '/teams', { token: tokens.writer, body: { name: 'Core', managerId: boss.body.id, memberIds: [member.body.id] } });
    expect(team.status).toBe(201);
    expect((await call('POST', '/teams', { token: tokens.writer, body: { name: 'Core' } })).status).toBe(409);
    const renamed = await call('PATCH', `/teams/${team.body.id as string}`, { token: tokens.writer, body: { name: 'Core platform' } });
    expect(renamed.body).toMatchObject({ name: 'Core platform', memberIds: [member.body.id], managerId: boss.body.id });

    // A manager cannot be made to report to their own report.
    const cycle = await call('PATCH', `/people/${boss.body.id as string}`, { token: tokens.writer, body: { managerId: member.body.id } });
    expect(cycle.status).toBe(422);
    // A referenced person cannot be deleted.
    expect((await call('DELETE', `/people/${boss.body.id as string}`, { token: tokens.writer })).status).toBe(409);

    expect((await call('DELETE', `/teams/${team.body.id as string}`, { token: tokens.writer })).status).toBe(204);
    expect((await call('GET', `/teams/${team.body.id as string}`, { token: tokens.writer })).status).toBe(404);
  });

  it('walks every page with the cursor', async () => {
    for (let i = 0; i < 7; i += 1) {
      expect((await call('POST', '/people', { token: tokens.root, body: { name: `Pager ${i}`, email: `pager${i}@example.com` } })).status).toBe(201);
    }
    const total = await tandem.store.models.Person.countDocuments();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await call('GET', `/people?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token: tokens.reader });
      expect(page.status).toBe(200);
      const items = page.body.items as { id: string }[];
      expect(items.length).toBeLessThanOrEqual(3);
      seen.push(...items.map((p) => p.id));
      cursor = page.body.nextCursor as string | null;
      pages += 1;
    } while (cursor);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(pages).toBe(Math.max(1, Math.ceil(total / 3)));

    expect((await call('GET', '/people?limit=0', { token: tokens.reader })).status).toBe(422);
    expect((await call('GET', '/people?cursor=garbage', { token: tokens.reader })).status).toBe(422);
  });

  it('serves an OpenAPI 3 document listing every route', async () => {
    const res = await fetch(`${tandem.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { 'x-scope': string; requestBody?: unknown; responses: Record<string, unknown> }>> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const route of adminRoutes) {
      const op = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op?.['x-scope']).toBe(route.scope);
    }
    // Every path parameter is declared, and operation ids are unique.
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const op of Object.values(ops) as unknown as { operationId: string; parameters: { name: string; in: string }[] }[]) {
        for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) expect(op.parameters, `${path} {${name}}`).toContainEqual(expect.objectContaining({ name, in: 'path' }));
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
      }
    }
    const create = doc.paths['/people']?.post;
    expect(create?.requestBody).toMatchObject({ content: { 'application/json': { schema: { type: 'object', required: expect.arrayContaining(['name', 'email']) } } } });
    expect(create?.responses['201']).toBeDefined();
  });

  it('admin:token creates a token usable once printed, refuses unknown scopes and duplicate names, and revokes', async () => {
    const deps = { tokens: tandem.store.tokens, scopes: knownScopes(adminRoutes), now: () => new Date(), audit: tandem.core.audit };
    expect(deps.scopes).toEqual(expect.arrayContaining(['people:read', 'people:write', 'teams:read', 'teams:write', 'audit:read', 'audit:write', 'admin']));

    const made = await runTokenCommand(['--name', 'ci', '--scopes', 'people:read'], deps);
    expect(made.ok).toBe(true);
    const secret = made.ok ? /tdm_[\w-]+/.exec(made.output)?.[0] : undefined;
    expect(secret).toBeDefined();
    const stored = await tandem.store.models.ApiToken.findOne({ name: 'ci' }).lean();
    expect(stored?.hash).toBe(hashToken(secret ?? ''));
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect((await call('GET', '/people', { token: secret })).status).toBe(200);

    const unknown = await runTokenCommand(['--name', 'x', '--scopes', 'people:read,people:destroy'], deps);
    expect(unknown).toMatchObject({ ok: false, error: expect.stringContaining('Unknown scope: people:destroy') });
    const dup = await runTokenCommand(['--name', 'ci', '--scopes', 'people:read'], deps);
    expect(dup).toMatchObject({ ok: false, error: expect.stringContaining('already exists') });
    expect(await runTokenCommand(['--revoke', 'ci'], deps)).toMatchObject({ ok: true });
    expect((await call('GET', '/people', { token: secret })).status).toBe(401);
    expect(await runTokenCommand(['--revoke', 'nobody'], deps)).toMatchObject({ ok: false, error: expect.stringContaining('no token named') });
  });

  it('npm run admin:token prints the token once and exits 1 on a refusal', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, MONGODB_URI: tandem.config.MONGODB_URI };
    const ok = await run('npx', ['tsx', 'scripts/admin-token.ts', '--name', 'spawned', '--scopes', 'teams:read'], { env });
    const secret = /tdm_[\w-]+/.exec(ok.stdout)?.[0];
    expect((await call('GET', '/teams', { token: secret })).status).toBe(200);
    const refused = await run('npx', ['tsx', 'scripts/admin-token.ts', '--name', 'spawned', '--scopes', 'teams:read'], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('already exists') });
  }, 90_000);
});
