import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Person, Team } from '../../src/core/people/people.types.js';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { startTestTandem } from '../support/stack.js';

type Json = Record<string, unknown> & { error?: { code: string; message: string }; items?: Record<string, unknown>[]; nextCursor?: string | null };

describe('kudos admin API: values, settings, list with filters, CSV export, audited revoke', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let admin: string, reader: string;
  let ana: Person, bo: Person, cy: Person, dee: Person;
  let team: Team;
  const clock = { at: new Date('2026-11-16T09:00:00Z'), now() { return new Date(this.at); } };

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${tandem.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('json') && text ? (JSON.parse(text) as Json) : ({} as Json);
    return { status: res.status, body: json, text, type: res.headers.get('content-type') ?? '', disposition: res.headers.get('content-disposition') ?? '' };
  };
  const give = (actor: Person, args: string) => tandem.core.interactions.runCommand({ actor, platform: 'console' }, 'kudos', args);
  const at = (p: Person) => `<@person:${p.id}>`;

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false' }, { clock, workers: false });
    const mint = async (name: string, scopes: string[]) => {
      const secret = generateToken();
      await tandem.store.tokens.create({ name, hash: hashToken(secret), scopes });
      return secret;
    };
    admin = await mint('people-ops', ['kudos:read', 'kudos:write', 'audit:read']);
    reader = await mint('analyst', ['kudos:read']);
    ana = await tandem.store.people.create({ name: 'Ana Lima', email: 'ana@example.com' });
    bo = await tandem.store.people.create({ name: 'Zoë Bo', email: 'bo@example.com' });
    cy = await tandem.store.people.create({ name: '=cmd|calc', email: 'cy@example.com' });
    dee = await tandem.store.people.create({ name: '李雷', email: 'dee@example.com' });
    team = await tandem.store.teams.create({ name: 'Platform', managerId: ana.id, memberIds: [ana.id, bo.id] });
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('manages the company values and settings, audited, with clear validation errors', async () => {
    const put = await call('PUT', '/recognition/values', admin, { values: [{ name: '#Ownership', description: 'We own outcomes' }, { name: 'customers', label: 'Customers first' }] });
    expect(put.status).toBe(200);
    expect(put.body.values).toEqual([
      { name: 'ownership', label: 'Ownership', description: 'We own outcomes' },
      { name: 'customers', label: 'Customers first', description: '' },
    ]);
    expect((await call('POST', '/recognition/values', admin, { name: 'courage' })).status).toBe(201);
    expect((await call('POST', '/recognition/values', admin, { name: 'courage' })).status).toBe(409);
    expect((await call('POST', '/recognition/values', admin, { name: 'two words' })).body.error?.message).toContain('expected a hashtag word');
    expect((await call('DELETE', '/recognition/values/courage', admin)).status).toBe(204);
    expect((await call('DELETE', '/recognition/values/courage', admin)).status).toBe(404);
    expect((await call('GET', '/recognition/values', reader)).body.values).toHaveLength(2);

    const patch = await call('PATCH', '/recognition/settings', admin, { weeklyBudget: 3, minReasonLength: 5, teamChannels: { [team.id]: null } });
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({ weeklyBudget: 3, minReasonLength: 5, requireValue: true, channelPosts: true, teamChannels: { [team.id]: null } });
    expect((await call('PATCH', '/recognition/settings', admin, { weeklyBudget: 0 })).status).toBe(422);
    expect((await call('PATCH', '/recognition/settings', admin, { leaderboard: true })).status).toBe(422);
    expect((await call('PATCH', '/recognition/settings', reader, { weeklyBudget: 4 })).status).toBe(403);
    const audit = await call('GET', '/audit?target=recognition:settings', admin);
    expect(audit.body.items?.[0]).toMatchObject({ actor: 'people-ops', action: 'recognition.settings.update' });
  });

  it('lists kudos with filters by giver, recipient, value, team and date range, page by page', async () => {
    expect((await give(ana, `${at(bo)} for the migration plan #ownership`)).kind).toBe('private');
    clock.at = new Date('2026-11-18T09:00:00Z');
    await give(bo, `${at(cy)} ${at(dee)} for the customer call notes #customers`);
    clock.at = new Date('2026-11-20T09:00:00Z');
    await give(dee, `${at(cy)} for the "=SUM(A1)" spreadsheet fix, thanks ${at(ana)} too #customers`);

    const all = await call('GET', '/kudos?limit=2', reader);
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(2);
    const next = await call('GET', `/kudos?limit=2&cursor=${all.body.nextCursor}`, reader);
    expect(next.body.items).toHaveLength(1);
    expect(next.body.nextCursor).toBeNull();

    const ids = async (query: string) => ((await call('GET', `/kudos?${query}`, reader)).body.items ?? []).map((k) => k.giverId);
    expect(await ids(`giverId=${bo.id}`)).toEqual([bo.id]);
    expect(await ids(`recipientId=${cy.id}`)).toEqual([bo.id, dee.id]);
    expect(await ids('value=%23customers')).toEqual([bo.id, dee.id]);
    expect(await ids(`teamId=${team.id}`)).toEqual([ana.id, bo.id, dee.id]);
    expect(await ids('from=2026-11-17&to=2026-11-19')).toEqual([bo.id]);
    const bad = await call('GET', '/kudos?from=yesterday', reader);
    expect(bad.status).toBe(422);
    expect(bad.body.error?.message).toContain('expected an ISO 8601 date');
    expect((await call('GET', '/kudos?teamId=aaaaaaaaaaaaaaaaaaaaaaaa', reader)).status).toBe(404);
  });

  it('exports CSV with names resolved and formula-looking cells defused', async () => {
    const csv = await call('GET', '/kudos/export?value=customers', reader);
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    expect(csv.disposition).toContain('kudos.csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('id,created_at,giver,giver_email,recipients,recipient_emails,values,reason,private,platform,revoked_at,revoked_by,revoke_reason');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`,Zoë Bo,bo@example.com,'=cmd|calc; 李雷,cy@example.com; dee@example.com,customers,the customer call notes,false,console,,,`);
    expect(lines[2]).toContain(`"the ""=SUM(A1)"" spreadsheet fix, thanks @Ana Lima too"`);
    const openapi = (await (await fetch(`${tandem.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }> };
    expect(Object.keys(openapi.paths['/kudos/export']?.get?.responses['200']?.content ?? {})).toEqual(['text/csv; charset=utf-8']);
  });

  it('revokes a kudos: audited, counts corrected, the giver’s budget given back; only once', async () => {
    const [first] = (await call('GET', `/kudos?giverId=${ana.id}`, reader)).body.items ?? [];
    const id = String(first?.id);
    expect((await tandem.core.recognition.personalStats(bo)).received.total).toBe(1);
    expect((await tandem.core.recognition.budget(ana)).used).toBe(1);

    expect((await call('POST', `/kudos/${id}/revoke`, reader, { reason: 'posted by mistake' })).status).toBe(403);
    expect((await call('POST', `/kudos/${id}/revoke`, admin, {})).status).toBe(422);
    const revoked = await call('POST', `/kudos/${id}/revoke`, admin, { reason: 'posted by mistake' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id, revokedBy: 'people-ops', revokeReason: 'posted by mistake' });
    expect((await call('POST', `/kudos/${id}/revoke`, admin, { reason: 'again' })).status).toBe(409);
    expect((await call('POST', '/kudos/aaaaaaaaaaaaaaaaaaaaaaaa/revoke', admin, { reason: 'nothing' })).status).toBe(404);

    expect((await tandem.core.recognition.personalStats(bo)).received.total).toBe(0);
    expect((await tandem.core.recognition.budget(ana)).used).toBe(0);
    const audit = await call('GET', `/audit?target=kudos:${id}`, admin);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items?.[0]).toMatchObject({ actor: 'people-ops', action: 'kudos.revoke', before: { revokedAt: null }, after: { revokeReason: 'posted by mistake' } });
    expect(await call('GET', `/kudos?revoked=exclude&giverId=${ana.id}`, reader).then((r) => r.body.items)).toEqual([]);
    expect((await call('GET', `/kudos/${id}`, reader)).body.revokedAt).not.toBeNull();
  });
});
