import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { startTestTandem } from '../support/stack.js';

/** Admin input hygiene (issue 11 point 5): names and free text with control or bidi characters get a 422 that says so, and nothing is written. */
describe('admin API: names and free text', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let token: string;
  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${tandem.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
  };

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false' }, { workers: false });
    token = generateToken();
    await tandem.store.tokens.create({ name: 'root', hash: hashToken(token), scopes: ['admin'] });
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  it('refuses people, teams, company values and revoke reasons with control characters or bidi overrides: 422 naming the field and the character', async () => {
    const refused = [
      ['POST', '/people', { name: '\u0000\u0001', email: 'nul@example.com' }, /body\.name: must not contain control characters \(found U\+0000/],
      ['POST', '/people', { name: 'Ana\u0007', email: 'bel@example.com' }, /body\.name: .*U\+0007/],
      ['POST', '/people', { name: 'Ana\u202Eevil', email: 'rlo@example.com' }, /body\.name: must not contain bidirectional/],
      ['POST', '/teams', { name: 'Delivery\nTeam' }, /body\.name: .*U\+000A/],
      ['POST', '/recognition/values', { name: 'ownership', label: 'Own\u2066ership' }, /body\.label: must not contain bidirectional/],
      ['POST', '/recognition/values', { name: 'care', description: 'We care\u0000' }, /body\.description: .*U\+0000/],
    ] as const;
    for (const [method, path, body, message] of refused) {
      const res = await call(method, path, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error?.message).toMatch(message);
    }
    expect(await tandem.store.models.Person.countDocuments()).toBe(0);
    expect(await tandem.store.models.Team.countDocuments()).toBe(0);
    expect(await tandem.store.models.Audit.countDocuments()).toBe(0);
  });

  it('accepts what people really type: other scripts, emoji, newlines in a description', async () => {
    expect((await call('POST', '/people', { name: 'فاطمة الزهراء', email: 'f@example.com' })).status).toBe(201);
    expect((await call('POST', '/teams', { name: 'Équipe 🚀' })).status).toBe(201);
    expect((await call('POST', '/recognition/values', { name: 'care', description: 'We care.\nAlways.' })).status).toBe(201);
  });
});
