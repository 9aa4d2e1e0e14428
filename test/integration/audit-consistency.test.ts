import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PENDING_GRACE_MS } from '../../src/core/audit.js';
import type { AuditEntry } from '../../src/core/ports.js';
import { runTokenCommand } from '../../src/http/admin/token-command.js';
import { generateToken, hashToken, knownScopes } from '../../src/http/admin/tokens.js';
import { adminRoutes } from '../../src/http/admin/routes.js';
import { startTestTandem } from '../support/stack.js';

type Entry = AuditEntry & { id: string };

/**
 * The audit entry and the change it describes cannot stay apart: the entry is
 * written pending first; a data write that fails, or a process that dies
 * between the data write and settling the entry, leaves a pending entry that
 * the reconciler settles to what is really in place.
 */
describe('audit entries and the data they describe agree after a failure at any step', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let token: string;
  const clock = { at: new Date('2026-11-16T09:00:00Z'), now() { return new Date(this.at); } };
  const later = () => {
    clock.at = new Date(clock.at.getTime() + PENDING_GRACE_MS + 1_000);
  };

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${tandem.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {}) as Record<string, unknown> & { items?: Entry[] } };
  };
  const entries = async (target: string) => (await call('GET', `/audit?target=${encodeURIComponent(target)}&limit=200`)).body.items ?? [];

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false' }, { clock, workers: false });
    token = generateToken();
    await tandem.store.tokens.create({ name: 'ops', hash: hashToken(token), scopes: ['admin'] });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await tandem.cleanup();
  });

  it('a data write that fails, in a process that dies before marking it: the reconciler marks the entry failed, the data is unchanged', async () => {
    const ada = (await call('POST', '/people', { name: 'Ada Lovelace', email: 'ada@example.com' })).body as { id: string };
    vi.spyOn(tandem.store.people, 'update').mockRejectedValueOnce(new Error('disk full'));
    vi.spyOn(tandem.store.audit, 'settle').mockRejectedValueOnce(new Error('connection lost'));
    expect((await call('PATCH', `/people/${ada.id}`, { name: 'Ada King' })).status).toBe(500);
    const [, pending] = await entries(`person:${ada.id}`);
    expect(pending).toMatchObject({ action: 'person.update', status: 'pending', after: { name: 'Ada King' } });

    expect(await tandem.core.audit.reconcile()).toEqual({ done: 0, failed: 0 }); // still within its grace period
    later();
    expect(await tandem.core.audit.reconcile()).toEqual({ done: 0, failed: 1 });
    expect((await entries(`person:${ada.id}`))[1]).toMatchObject({ status: 'failed' });
    expect((await call('GET', `/people/${ada.id}`)).body).toMatchObject({ name: 'Ada Lovelace' });
  });

  it('killed between the data write and settling the entry: the reconciler marks it done with the state in place', async () => {
    const bo = (await call('POST', '/people', { name: 'Bo Chen', email: 'bo@example.com' })).body as { id: string };
    vi.spyOn(tandem.store.audit, 'settle').mockRejectedValueOnce(new Error('killed'));
    expect((await call('PATCH', `/people/${bo.id}`, { timeZone: 'Asia/Tokyo' })).status).toBe(500);
    expect((await call('GET', `/people/${bo.id}`)).body).toMatchObject({ timeZone: 'Asia/Tokyo' });
    expect((await entries(`person:${bo.id}`))[1]).toMatchObject({ status: 'pending' });
    later();
    expect(await tandem.core.audit.reconcile()).toEqual({ done: 1, failed: 0 });
    expect((await entries(`person:${bo.id}`))[1]).toMatchObject({ status: 'done', after: { id: bo.id, timeZone: 'Asia/Tokyo' } });
  });

  it('a create killed before it was settled: the reconciler finds the record by its unique email and names it as the target', async () => {
    vi.spyOn(tandem.store.audit, 'settle').mockRejectedValueOnce(new Error('killed'));
    expect((await call('POST', '/people', { name: 'Cy Diaz', email: 'cy@example.com' })).status).toBe(500);
    const cy = await tandem.store.people.findByEmail('cy@example.com');
    expect(cy).not.toBeNull();
    expect(await entries('person:new')).toEqual([expect.objectContaining({ status: 'pending', action: 'person.create' })]);
    later();
    await tandem.core.audit.reconcile();
    expect(await entries('person:new')).toEqual([]);
    expect(await entries(`person:${cy!.id}`)).toEqual([expect.objectContaining({ status: 'done', action: 'person.create', after: expect.objectContaining({ email: 'cy@example.com' }) })]);
  });

  it('the same holds for a team delete, check-in settings and a token revoke; a refused change leaves no entry', async () => {
    const team = (await call('POST', '/teams', { name: 'Platform' })).body as { id: string };
    vi.spyOn(tandem.store.audit, 'settle').mockRejectedValueOnce(new Error('killed'));
    expect((await call('DELETE', `/teams/${team.id}`)).status).toBe(500);
    vi.spyOn(tandem.store.checkins, 'saveSettings').mockRejectedValueOnce(new Error('disk full'));
    const other = (await call('POST', '/teams', { name: 'Growth' })).body as { id: string };
    expect((await call('PUT', `/teams/${other.id}/checkin-settings`, { promptTime: '10:00' })).status).toBe(500);

    const deps = { tokens: tandem.store.tokens, scopes: knownScopes(adminRoutes), now: () => clock.now(), audit: tandem.core.audit };
    expect((await runTokenCommand(['--name', 'ci', '--scopes', 'people:read'], deps)).ok).toBe(true);
    vi.spyOn(tandem.store.audit, 'settle').mockRejectedValueOnce(new Error('killed'));
    expect(await runTokenCommand(['--revoke', 'ci'], deps)).toEqual({ ok: false, error: 'killed' });

    later();
    expect(await tandem.core.audit.reconcile()).toEqual({ done: 2, failed: 0 }); // the settings failure was marked at once
    expect(await entries(`team:${team.id}`)).toEqual([expect.objectContaining({ action: 'team.create', status: 'done' }), expect.objectContaining({ action: 'team.delete', status: 'done', after: null })]);
    expect(await entries(`checkin-settings:${other.id}`)).toEqual([expect.objectContaining({ status: 'failed' })]);
    expect(await entries('token:ci')).toEqual([expect.objectContaining({ action: 'token.create', status: 'done' }), expect.objectContaining({ action: 'token.revoke', status: 'done', after: expect.objectContaining({ revoked: true }) })]);

    // A refusal (409: the email is taken) is no change: no entry at all.
    const before = (await entries('person:new')).length;
    expect((await call('POST', '/people', { name: 'Ada Again', email: 'ada@example.com' })).status).toBe(409);
    expect(await entries('person:new')).toHaveLength(before);
  });
});
