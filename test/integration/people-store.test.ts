import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { identityKey } from '../../src/core/people/people.types.js';
import { createLogger } from '../../src/logger.js';
import { connectMongo } from '../../src/store/connection.js';
import { createStore, type Store } from '../../src/store/index.js';
import { syncIndexes } from '../../src/store/models.js';
import { dropDatabases } from '../../src/store/databases.js';
import { isolatedNames } from '../support/stack.js';

describe('people, teams, identities and tokens repositories (FerretDB)', () => {
  let conn: Connection;
  let store: Store;

  beforeAll(async () => {
    conn = await connectMongo(isolatedNames('store').mongoUri, createLogger('silent'));
    store = createStore(conn);
    await syncIndexes(conn);
  });
  afterAll(async () => {
    await dropDatabases(conn);
    await conn.close();
  });

  it('keeps emails unique whatever their case', async () => {
    const ada = await store.people.create({ name: 'Ada', email: 'Ada@Example.com' });
    expect(ada.email).toBe('ada@example.com');
    await expect(store.people.create({ name: 'Ada 2', email: 'ADA@example.COM' })).rejects.toMatchObject({ code: 'conflict' });
    const other = await store.people.create({ name: 'Bob', email: 'bob@example.com' });
    await expect(store.people.update(other.id, { email: 'ada@EXAMPLE.com' })).rejects.toBeInstanceOf(DomainError);
    expect(await store.people.findByEmail('ADA@example.com')).toMatchObject({ id: ada.id });
    expect(await store.models.Person.countDocuments({ email: 'ada@example.com' })).toBe(1);
  });

  it('keeps each platform identity on one person', async () => {
    const ada = await store.people.findByEmail('ada@example.com');
    const bob = await store.people.findByEmail('bob@example.com');
    const key = identityKey.slack('T1', 'U1');
    await store.identities.link({ platform: 'slack', personId: ada?.id ?? '', key, teamId: 'T1', userId: 'U1' });
    // Linking again to the same person is a no-op.
    await store.identities.link({ platform: 'slack', personId: ada?.id ?? '', key, teamId: 'T1', userId: 'U1' });
    await expect(store.identities.link({ platform: 'slack', personId: bob?.id ?? '', key, teamId: 'T1', userId: 'U1' })).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.identities.byKey(key)).toMatchObject({ personId: ada?.id });
    const teamsKey = identityKey.teams('tenant', 'aad-1');
    await store.identities.link({ platform: 'teams', personId: bob?.id ?? '', key: teamsKey, tenantId: 'tenant', aadObjectId: 'aad-1', userId: '29:x' });
    expect(await store.identities.ofPerson(bob?.id ?? '')).toHaveLength(1);
    expect(await store.models.Identity.countDocuments({ key })).toBe(1);
  });

  it('links identities with their platform accounts written after the reply in one batch, and reads them as linked meanwhile', async () => {
    const at = new Date('2026-11-26T01:00:00Z');
    const people = await Promise.all(['dara', 'eli', 'fay'].map((name) => store.people.create({ name, email: `${name}@example.com` })));
    const later: (() => Promise<void>)[] = [];
    for (const p of people) {
      await store.identities.link({ platform: 'slack', personId: p.id, key: identityKey.slack('T1', p.name), teamId: 'T1', userId: p.name }, at, (write) => later.push(write));
    }
    expect(later).toHaveLength(3);
    for (const p of people) expect(await store.identities.ofPerson(p.id)).toEqual([expect.objectContaining({ key: identityKey.slack('T1', p.name), userId: p.name, lastSeenAt: at })]);
    // Each caller's write resolves once the batch holding its account is written.
    await Promise.all(later.map((write) => write()));
    for (const p of people) {
      expect(await store.models.PersonAccount.findById(`${p.id}|slack`).lean()).toMatchObject({ key: identityKey.slack('T1', p.name), lastSeenAt: at });
      expect(await store.identities.ofPerson(p.id)).toEqual([expect.objectContaining({ lastSeenAt: at })]);
    }
    // A second Slack account of someone who has one: their account is updated to it, not inserted twice.
    const [dara] = people;
    const second = identityKey.slack('T2', 'dara');
    const again: (() => Promise<void>)[] = [];
    await store.identities.link({ platform: 'slack', personId: dara?.id ?? '', key: second, teamId: 'T2', userId: 'dara' }, undefined, (write) => again.push(write));
    await Promise.all(again.map((write) => write()));
    expect(await store.models.PersonAccount.findById(`${dara?.id}|slack`).lean()).toMatchObject({ key: second, lastSeenAt: at });
  });

  it('writes at boot the platform accounts that a crash lost after a new person was linked, and leaves the others', async () => {
    const [ivo, jon] = await Promise.all(['ivo', 'jon'].map((name) => store.people.create({ name, email: `${name}@example.com` })));
    if (!ivo || !jon) throw new Error('people not created');
    for (const p of [ivo, jon]) await store.identities.link({ platform: 'slack', personId: p.id, key: identityKey.slack('T9', p.name), teamId: 'T9', userId: p.name });
    // What a process killed between Ivo's answer and the batch with his account leaves: the identity, no account.
    await store.models.PersonAccount.deleteOne({ _id: `${ivo.id}|slack` });
    const jonAccount = await store.models.PersonAccount.findById(`${jon.id}|slack`).lean();
    const restarted = createStore(conn);
    expect(await restarted.identities.ofPerson(ivo.id)).toEqual([]);

    expect(await restarted.identities.repairAccounts()).toBe(1);
    expect(await restarted.identities.ofPerson(ivo.id)).toEqual([expect.objectContaining({ key: identityKey.slack('T9', 'ivo'), userId: 'ivo' })]);
    expect(await store.models.PersonAccount.findById(`${jon.id}|slack`).lean()).toEqual(jonAccount);
    expect(await restarted.identities.repairAccounts()).toBe(0);
  });

  it('finds or creates a person by email when the email lookup is missing, stale or points at nobody', async () => {
    const { Person, PersonEmail } = store.models;
    // A person the lookup does not know (a crash between two writes, or a database from before the lookups).
    const gus = await store.people.create({ name: 'Gus', email: 'gus@example.com' });
    await PersonEmail.deleteOne({ _id: 'gus@example.com' });
    expect(await store.people.findOrCreateByEmail({ name: 'Gus again', email: 'gus@example.com' })).toMatchObject({ created: false, person: { id: gus.id, name: 'Gus' } });
    // A lookup left pointing at someone who has another email now: a new person, the other one untouched.
    const hal = await store.people.create({ name: 'Hal', email: 'hal@example.com' });
    await PersonEmail.create({ _id: 'old-hal@example.com', personId: hal.id });
    const newcomer = await store.people.findOrCreateByEmail({ name: 'Ivy', email: 'old-hal@example.com' });
    expect(newcomer).toMatchObject({ created: true, person: { name: 'Ivy', email: 'old-hal@example.com' } });
    expect(newcomer.person.id).not.toBe(hal.id);
    expect(await store.people.get(hal.id)).toMatchObject({ name: 'Hal', email: 'hal@example.com' });
    // A lookup whose person is gone (a crash after the claim): the person is created under the claimed id.
    const claimed = '0123456789abcdef01234567';
    await PersonEmail.create({ _id: 'jo@example.com', personId: claimed });
    expect(await store.people.findOrCreateByEmail({ name: 'Jo', email: 'jo@example.com' })).toMatchObject({ created: true, person: { id: claimed, name: 'Jo' } });
    for (const email of ['gus@example.com', 'old-hal@example.com', 'jo@example.com']) expect(await Person.countDocuments({ email })).toBe(1);
    expect(await store.people.findByEmail('gus@example.com')).toMatchObject({ id: gus.id });
    expect(await store.people.findByEmail('old-hal@example.com')).toMatchObject({ id: newcomer.person.id });
  });

  it('upserts people by email and teams by name without duplicates', async () => {
    const first = await store.people.upsertByEmail({ name: 'Cleo', email: 'cleo@example.com' });
    const again = await store.people.upsertByEmail({ name: 'Cleo B', email: 'CLEO@example.com' });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, person: { id: first.person.id, name: 'Cleo B' } });
    const team = await store.teams.upsertByName({ name: 'Ops' });
    const team2 = await store.teams.upsertByName({ name: 'Ops', memberIds: [first.person.id] });
    expect(team2).toMatchObject({ created: false, team: { id: team.team.id, memberIds: [first.person.id] } });
    await expect(store.teams.create({ name: 'Ops' })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('stores API tokens by hash with unique names and revokes them', async () => {
    await store.tokens.create({ name: 'ci', hash: 'h1', scopes: ['people:read'] });
    await expect(store.tokens.create({ name: 'ci', hash: 'h2', scopes: ['people:read'] })).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.tokens.findByHash('h1')).toMatchObject({ name: 'ci', revokedAt: null });
    expect(await store.tokens.revoke('ci', new Date())).toBe(true);
    expect(await store.tokens.revoke('ci', new Date())).toBe(false);
    expect((await store.tokens.findByHash('h1'))?.revokedAt).toBeInstanceOf(Date);
  });
});
