import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Person } from '../../src/core/people/people.types.js';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { encodeLine } from '../../src/store/alerts.codec.js';
import { featureConnection } from '../../src/store/databases.js';
import { startTestTandem } from '../support/stack.js';

type Json = Record<string, unknown> & { error?: { code: string; message: string } };
const DAY = 86_400_000;

describe('data governance: retention with legal holds, a person’s export and erasure, over HTTP', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let dpo: string, reader: string;
  let ana: Person, bo: Person;
  const clock = { at: new Date('2026-11-16T09:00:00Z'), now() { return new Date(this.at); } };

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${tandem.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {}) as Json };
  };
  const kudos = (giver: Person, recipient: Person, daysAgo: number, reason: string) =>
    tandem.store.conn.collection('kudos').insertOne({
      giverId: giver.id, recipientIds: [recipient.id], reason, values: ['ownership'], private: false, platform: 'console',
      week: '2026-W40', createdAt: new Date(clock.now().getTime() - daysAgo * DAY), revokedAt: null, revokedBy: null, revokeReason: null,
    });
  const checkin = (p: Person, daysAgo: number, period: string) =>
    tandem.store.conn.collection('checkins').insertOne({
      personId: p.id, teamId: 'team', period, timeZone: 'UTC', status: 'answered',
      answers: { progress: `${p.name} shipped the billing fix`, mood: 4 }, questions: [{ id: 'progress', kind: 'text' }, { id: 'mood', kind: 'mood' }],
      previousPriorities: 'billing', promptedAt: new Date(clock.now().getTime() - daysAgo * DAY), deadlineAt: new Date(), createdAt: new Date(), updatedAt: new Date(),
    });
  const count = (collection: string, filter: Record<string, unknown>) => tandem.store.conn.collection(collection).countDocuments(filter);

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false', RETENTION_DAYS: 'kudos=365' }, { clock, workers: false });
    const mint = async (name: string, scopes: string[]) => {
      const secret = generateToken();
      await tandem.store.tokens.create({ name, hash: hashToken(secret), scopes });
      return secret;
    };
    dpo = await mint('dpo', ['people:write', 'people:export', 'people:erase', 'legal-holds:read', 'legal-holds:write', 'audit:read']);
    reader = await mint('reader', ['people:read']);
    ana = (await call('POST', '/people', dpo, { name: 'Ana Lima', email: 'ana@example.com' })).body as unknown as Person;
    bo = (await call('POST', '/people', dpo, { name: 'Bo Chen', email: 'bo@example.com' })).body as unknown as Person;
    await tandem.store.identities.link({ platform: 'console', personId: ana.id, key: `console:${ana.id}` });
    await tandem.store.consoleMessages.add({ conversation: `dm:${ana.id}`, authorId: ana.id, view: { text: 'hello from Ana Lima' } as never, at: clock.now() });
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('lists the retention periods (defaults and RETENTION_DAYS) and refuses the new scopes to a token without them', async () => {
    const retention = await call('GET', '/retention', dpo);
    expect(retention.body.periods).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'kudos', days: 365, defaultDays: 1095 }),
      expect.objectContaining({ kind: 'checkins', days: 730 }),
      expect.objectContaining({ kind: 'audit', days: 2555 }),
      expect.objectContaining({ kind: 'alerts', days: 730 }),
      expect.objectContaining({ kind: 'alert-silences', days: 730 }),
      expect.objectContaining({ kind: 'alert-openings', days: 90 }),
    ]));
    expect((await call('GET', `/people/${ana.id}/export`, reader)).status).toBe(403);
    expect((await call('POST', `/people/${ana.id}/erase`, reader)).status).toBe(403);
    const openapi = (await (await fetch(`${tandem.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { 'x-scope'?: string }>> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/people/{id}/export', '/people/{id}/erase', '/people/{id}/legal-hold', '/legal-holds/org', '/retention']));
  });

  it('the purge deletes what is past its period, keeps a held person’s records, and pauses entirely under an organisation-wide hold', async () => {
    await kudos(ana, bo, 400, 'old thanks from Ana');
    await kudos(bo, ana, 400, 'old thanks to Ana');
    const boOld = await tandem.store.conn.collection('kudos').insertOne({ giverId: bo.id, recipientIds: [bo.id], reason: 'old, Bo only', values: [], private: false, platform: 'console', week: 'x', createdAt: new Date(clock.now().getTime() - 400 * DAY) });
    await checkin(bo, 800, '2024-W38');
    await checkin(ana, 800, '2024-W38');

    expect((await call('PUT', `/people/${ana.id}/legal-hold`, dpo, { reason: 'matter 2026-17' })).status).toBe(200);
    expect(await tandem.core.governance.retention.purge()).toMatchObject({ kudos: 1, checkins: 1 });
    expect(await count('kudos', { _id: boOld.insertedId })).toBe(0);
    expect(await count('kudos', { reason: { $in: ['old thanks from Ana', 'old thanks to Ana'] } })).toBe(2);
    expect(await count('checkins', { personId: ana.id })).toBe(1);
    expect(await count('checkins', { personId: bo.id })).toBe(0);

    expect((await call('PUT', '/legal-holds/org', dpo, { reason: 'litigation' })).status).toBe(200);
    expect((await call('DELETE', `/people/${ana.id}/legal-hold`, dpo)).status).toBe(204);
    expect(await tandem.core.governance.retention.purge()).toBeNull();
    expect(await count('kudos', { reason: 'old thanks from Ana' })).toBe(1);
    expect((await call('POST', `/people/${ana.id}/erase`, dpo)).status).toBe(409);

    expect((await call('DELETE', '/legal-holds/org', dpo)).status).toBe(204);
    expect(await tandem.core.governance.retention.purge()).toMatchObject({ kudos: 2, checkins: 1 });
    const audit = (await call('GET', '/audit?target=legal-hold:org', dpo)).body.items as { action: string; status: string }[];
    expect(audit.map((e) => `${e.action}:${e.status}`)).toEqual(['legal_hold.place:done', 'legal_hold.lift:done']);
  });

  it('purges alerts resolved past their period with their notes; open ones, recent ones and a held person’s stay', async () => {
    const notes = featureConnection(tandem.store.conn, 'alerts').collection<{ _id: string }>('alert_notes');
    const ago = (days: number) => new Date(clock.now().getTime() - days * DAY);
    const alert = async (name: string, resolvedDaysAgo: number | null, resolvedBy = 'integration:prometheus') => {
      const at = ago(800);
      const opened = await tandem.store.alerts.open({ key: `retention:${name}`, severity: 'warning', teamId: 'team', source: 'alertmanager', title: name, explanation: name, lastValue: null, worstValue: null }, at, { at, kind: 'opened', actor: 'integration:prometheus', text: name });
      if (!opened.opened) throw new Error('expected a new alert');
      if (resolvedDaysAgo !== null) await tandem.store.alerts.changeStatus(opened.alert.id, ['open'], 'resolved', { at: ago(resolvedDaysAgo), kind: 'resolved', actor: resolvedBy, text: 'Resolved' });
      return opened.alert.id;
    };
    const note = (alertId: string, personId: string) =>
      notes.insertOne({ _id: `${alertId}:3`, key: `escalation:${alertId}:0:0:${personId}`, after: 1, at: ago(800), line: encodeLine({ at: ago(800), kind: 'notified', actor: 'tandem', text: 'Step 1: sent', data: { personId } }) } as never);
    const old = await alert('old', 799);
    await note(old, bo.id);
    const resolvedByAna = await alert('resolved by Ana', 799, ana.id);
    const pagedAna = await alert('paged Ana', 799);
    await note(pagedAna, ana.id);
    const stillOpen = await alert('still open', null);
    const recent = await alert('recent', 10);
    const left = async () => (await Promise.all([old, resolvedByAna, pagedAna, stillOpen, recent].map(async (id) => ((await tandem.store.alerts.get(id)) ? [id] : [])))).flat();

    expect((await call('PUT', `/people/${ana.id}/legal-hold`, dpo, { reason: 'matter 2026-18' })).status).toBe(200);
    expect(await tandem.core.governance.retention.purge()).toMatchObject({ alerts: 1 });
    expect(await left()).toEqual([resolvedByAna, pagedAna, stillOpen, recent]);
    // Its notes went with it; Ana's page, merged into its alert, kept that alert.
    expect(await notes.countDocuments({ _id: { $in: [`${old}:3`, `${pagedAna}:3`] } })).toBe(1);

    expect((await call('DELETE', `/people/${ana.id}/legal-hold`, dpo)).status).toBe(204);
    expect(await tandem.core.governance.retention.purge()).toMatchObject({ alerts: 2 });
    expect(await left()).toEqual([stillOpen, recent]);
    expect(await notes.countDocuments({ _id: `${pagedAna}:3` })).toBe(0);
  });

  it('purges silences that ended past their period (one a held person set stays) and the openings of keys not opened since', async () => {
    const alertsDb = featureConnection(tandem.store.conn, 'alerts');
    const ago = (days: number) => new Date(clock.now().getTime() - days * DAY);
    const silence = (reason: string, endedDaysAgo: number, by: Person) => tandem.store.alerts.createSilence({ kpiKey: null, teamId: 'team', until: ago(endedDaysAgo), reason, createdBy: by.id, createdAt: ago(endedDaysAgo + 1) });
    await silence('ended long ago', 800, bo);
    await silence('set by Ana', 800, ana);
    await silence('ended lately', 10, bo);
    const opened = async (key: string, ...daysAgo: number[]) => {
      for (const days of daysAgo) await tandem.store.alerts.recordOpening(key, ago(days), ago(days + 1));
    };
    await opened('retention:quiet', 200, 120);
    await opened('retention:reopened', 200, 5);
    const silences = async () => (await alertsDb.collection<{ reason: string }>('alert_silences').find({}).toArray()).map((d) => d.reason).sort();
    const openings = async () => (await alertsDb.collection<{ _id: string }>('alert_openings').find({ _id: { $in: ['retention:quiet', 'retention:reopened'] } }).toArray()).map((d) => d._id);

    expect((await call('PUT', `/people/${ana.id}/legal-hold`, dpo, { reason: 'matter 2026-19' })).status).toBe(200);
    expect(await tandem.core.governance.retention.purge()).toMatchObject({ 'alert-silences': 1, 'alert-openings': 1 });
    expect(await silences()).toEqual(['ended lately', 'set by Ana']);
    // Its first opening is past the period too, but it opened again lately: its flapping count stays whole.
    expect(await openings()).toEqual(['retention:reopened']);
    expect(await tandem.store.alerts.openingsSince('retention:reopened', ago(300))).toBe(2);

    expect((await call('DELETE', `/people/${ana.id}/legal-hold`, dpo)).status).toBe(204);
    expect(await tandem.core.governance.retention.purge()).toMatchObject({ 'alert-silences': 1, 'alert-openings': 0 });
    expect(await silences()).toEqual(['ended lately']);
  });

  it('exports everything held about a person, audited', async () => {
    await kudos(ana, bo, 1, 'thanks, Bo, for the review');
    await kudos(bo, ana, 2, 'Ana Lima fixed billing');
    await checkin(ana, 3, '2026-W46');
    const res = await call('GET', `/people/${ana.id}/export`, dpo);
    expect(res.status).toBe(200);
    expect(res.body.person).toMatchObject({ id: ana.id, name: 'Ana Lima', email: 'ana@example.com' });
    expect(res.body.identities).toEqual([expect.objectContaining({ key: `console:${ana.id}` })]);
    expect(res.body.kudosGiven).toEqual([expect.objectContaining({ reason: 'thanks, Bo, for the review' })]);
    expect(res.body.kudosReceived).toEqual([expect.objectContaining({ reason: 'Ana Lima fixed billing' })]);
    expect(res.body.checkins).toEqual([expect.objectContaining({ period: '2026-W46' })]);
    expect(res.body.consoleMessages).toHaveLength(1);
    expect(res.body.auditEntries).toEqual([expect.objectContaining({ action: 'person.create' })]);
    const audit = (await call('GET', `/audit?target=person:${ana.id}`, dpo)).body.items as { action: string; actor: string }[];
    expect(audit.at(-1)).toMatchObject({ action: 'person.export', actor: 'dpo' });
  });

  it('erases personal data everywhere, keeps the counts, audited', async () => {
    const kudosBefore = await count('kudos', { $or: [{ giverId: ana.id }, { recipientIds: ana.id }] });
    const res = await call('POST', `/people/${ana.id}/erase`, dpo);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ identities: 1, kudos: kudosBefore, checkins: 1, consoleMessages: 1 });

    // No trace of her name or email in any collection of the database.
    for (const { name } of await tandem.store.conn.listCollections()) {
      const text = JSON.stringify(await tandem.store.conn.collection(name).find().toArray());
      expect(text, name).not.toContain('Ana Lima');
      expect(text, name).not.toContain('ana@example.com');
    }
    const exported = (await call('GET', `/people/${ana.id}/export`, dpo)).body;
    expect(exported.person).toMatchObject({ name: 'Erased person', active: false });
    expect(exported.identities).toEqual([]);
    expect(exported.checkins).toEqual([expect.objectContaining({ status: 'answered', answers: { mood: 4 } })]);
    expect(await count('kudos', { $or: [{ giverId: ana.id }, { recipientIds: ana.id }] })).toBe(kudosBefore);
    expect(await count('kudos', { $or: [{ giverId: ana.id }, { recipientIds: ana.id }], reason: { $ne: '' } })).toBe(0);
    expect(await tandem.store.people.findByEmail('ana@example.com')).toBeNull();
    const audit = (await call('GET', `/audit?target=person:${ana.id}`, dpo)).body.items as { action: string; status: string }[];
    expect(audit.find((e) => e.action === 'person.erase')).toMatchObject({ status: 'done' });
    // Bo is untouched.
    expect((await call('GET', `/people/${bo.id}/export`, dpo)).body.person).toMatchObject({ name: 'Bo Chen' });
  });
});
