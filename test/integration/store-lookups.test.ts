import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkinSettingsSchema, DEFAULT_QUESTIONS } from '../../src/core/checkins/checkins.types.js';
import { PeopleService } from '../../src/core/people/people.service.js';
import { identityKey } from '../../src/core/people/people.types.js';
import { StoreCache } from '../../src/store/cache.js';
import { checkinId } from '../../src/store/checkins.repository.js';
import { createStore, type Store } from '../../src/store/index.js';
import { syncIndexes } from '../../src/store/models.js';
import { expectNoScan, recordFilters, watchedConnection } from '../support/scans.js';
import { dropDatabases } from '../../src/store/databases.js';
import { isolatedNames } from '../support/stack.js';

const clock = { now: () => new Date('2026-11-25T10:00:00Z') };
/** A legacy document keyed by a string. */
type Keyed = { _id: string } & Record<string, unknown>;
const slack = (userId: string) => ({ platform: 'slack' as const, key: identityKey.slack('T1', userId), teamId: 'T1', userId });

/**
 * Every lookup on the path of a command (identity -> person -> team) and of a
 * check-in is an `_id` read: FerretDB's SQLite backend scans for anything else.
 */
describe('the store keys every hot-path lookup by _id', () => {
  let conn: Connection;
  let store: Store;
  let people: PeopleService;

  beforeAll(async () => {
    conn = await watchedConnection(isolatedNames('lookups').mongoUri);
    store = createStore(conn);
    await syncIndexes(conn);
    people = new PeopleService(store.people, store.identities, clock);
  });
  afterAll(async () => {
    await dropDatabases(conn);
    await conn.close();
  });

  it('identifies a new Slack user by email without a scan, in 5 round trips, and a known one in none', async () => {
    const profile = async () => ({ name: 'Nia', email: 'Nia@Example.com', timeZone: 'Europe/Paris' });
    const first = await expectNoScan(conn, () => people.identify(slack('UNIA'), profile));
    expect(first.result).toMatchObject({ name: 'Nia', email: 'nia@example.com', timeZone: 'Europe/Paris' });
    // identity by key (miss), claim the email, insert the person, link the identity, record the account.
    expect(first.commands).toHaveLength(5);

    // The same person on another platform account is found by email: no second person.
    const again = await expectNoScan(conn, () => people.identify(slack('UNIA2'), profile));
    expect(again.result.id).toBe(first.result.id);

    const known = await expectNoScan(conn, () => people.identify(slack('UNIA'), profile));
    expect(known.result.id).toBe(first.result.id);
    expect(known.commands).toEqual([]);

    // Without the cache (another process, or after it expired): the identity and the person, by _id.
    const cold = createStore(conn, new StoreCache(0));
    const coldRead = await expectNoScan(conn, () => new PeopleService(cold.people, cold.identities, clock).identify(slack('UNIA'), profile));
    expect(coldRead.commands).toEqual(['find identities', 'find people']);

    // The last-seen time is written after the reply, in one batch.
    const flushed = await expectNoScan(conn, () => cold.flush());
    expect(flushed.commands).toEqual(['update person_accounts']);
    expect((await store.identities.ofPerson(first.result.id)).map((i) => i.lastSeenAt)).toEqual([clock.now()]);
  });

  it("reaches a person for a DM in one _id read (their account holds a copy of its identity), and an older account in two", async () => {
    const person = await people.identify(slack('UDM'), async () => ({ name: 'Dee', email: 'dee@example.com' }));
    await store.flush();
    const cold = () => createStore(conn, new StoreCache(0)).identities;
    const reach = await expectNoScan(conn, () => cold().ofPerson(person.id, ['slack']));
    expect(reach.result).toEqual([expect.objectContaining({ platform: 'slack', personId: person.id, key: identityKey.slack('T1', 'UDM'), teamId: 'T1', userId: 'UDM' })]);
    expect(reach.commands).toEqual(['find person_accounts']);

    // An account written before the copy: its identity is read by key, as before.
    await conn.collection<Keyed>('person_accounts').updateOne({ _id: `${person.id}|slack` }, { $unset: { identity: '' } });
    const older = await expectNoScan(conn, () => cold().ofPerson(person.id, ['slack']));
    expect(older.result).toEqual(reach.result);
    expect(older.commands).toEqual(['find person_accounts', 'find identities']);
  });

  it('creates one person when 20 first requests for one email arrive at once', async () => {
    const profile = async () => ({ name: 'Ola', email: 'ola@example.com' });
    const found = await Promise.all(Array.from({ length: 20 }, (_, i) => people.identify(slack(`UOLA${i}`), profile)));
    expect(new Set(found.map((p) => p.id)).size).toBe(1);
    expect(await store.models.Person.countDocuments({ email: 'ola@example.com' })).toBe(1);

    const created = await Promise.allSettled(Array.from({ length: 20 }, () => store.people.create({ name: 'Pia', email: 'pia@example.com' })));
    expect(created.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(created.filter((r) => r.status === 'rejected').map((r) => (r.reason as { code?: string }).code)).toEqual(Array(19).fill('conflict'));
    expect(await store.models.Person.countDocuments({ email: 'pia@example.com' })).toBe(1);
  });

  it('keeps the email lookup right through create, update, remove and upsert, without a scan', async () => {
    const { result: quin } = await expectNoScan(conn, () => store.people.create({ name: 'Quin', email: 'quin@example.com' }));
    await expectNoScan(conn, () => store.people.update(quin.id, { email: 'quinn@example.com', name: 'Quinn' }));
    expect(await store.people.findByEmail('quin@example.com')).toBeNull();
    expect(await expectNoScan(conn, () => store.people.findByEmail('QUINN@example.com')).then((r) => r.result)).toMatchObject({ id: quin.id, name: 'Quinn' });
    // The old email is free again; the new one is taken.
    await expect(store.people.create({ name: 'Other', email: 'quinn@example.com' })).rejects.toMatchObject({ code: 'conflict' });
    const other = await store.people.create({ name: 'Other', email: 'quin@example.com' });

    const upserted = await expectNoScan(conn, () => store.people.upsertByEmail({ name: 'Quinn Q', email: 'quinn@example.com', timeZone: 'Asia/Tokyo' }));
    expect(upserted.result).toMatchObject({ created: false, person: { id: quin.id, name: 'Quinn Q', timeZone: 'Asia/Tokyo' } });

    expect((await expectNoScan(conn, () => store.people.remove(other.id))).result).toBe(true);
    expect(await store.people.findByEmail('quin@example.com')).toBeNull();
    expect(await store.models.PersonEmail.countDocuments({ personId: other.id })).toBe(0);
  });

  it('reads teams by name, member and manager without a scan, and follows membership changes', async () => {
    const [a, b, m] = await Promise.all(['ta', 'tb', 'tm'].map((n) => store.people.create({ name: n, email: `${n}@example.com` })));
    const team = (await expectNoScan(conn, () => store.teams.create({ name: 'Platform', managerId: m!.id, memberIds: [a!.id, b!.id] }))).result;
    expect((await expectNoScan(conn, () => store.teams.findByName('Platform'))).result?.id).toBe(team.id);
    expect((await expectNoScan(conn, () => store.teams.teamsOf(a!.id))).result.map((t) => t.id)).toEqual([team.id]);
    expect((await expectNoScan(conn, () => store.teams.managedBy(m!.id))).result.map((t) => t.id)).toEqual([team.id]);

    await expectNoScan(conn, () => store.teams.update(team.id, { name: 'Platform Core', memberIds: [b!.id], managerId: a!.id }));
    expect(await store.teams.findByName('Platform')).toBeNull();
    expect((await store.teams.findByName('Platform Core'))?.id).toBe(team.id);
    expect(await store.teams.teamsOf(a!.id)).toEqual([]);
    expect((await store.teams.teamsOf(b!.id)).map((t) => t.id)).toEqual([team.id]);
    expect(await store.teams.managedBy(m!.id)).toEqual([]);
    expect((await store.teams.managedBy(a!.id)).map((t) => t.id)).toEqual([team.id]);
    await expect(store.teams.create({ name: 'Platform Core' })).rejects.toMatchObject({ code: 'conflict' });

    expect((await store.teams.upsertByName({ name: 'Platform Core', memberIds: [a!.id] })).created).toBe(false);
    expect((await store.teams.teamsOf(a!.id)).map((t) => t.id)).toEqual([team.id]);
    expect(await expectNoScan(conn, () => store.teams.remove(team.id)).then((r) => r.result)).toBe(true);
    expect(await store.teams.teamsOf(a!.id)).toEqual([]);
    expect(await store.teams.findByName('Platform Core')).toBeNull();
  });

  it('reads check-in settings, open blockers, a blocker of a check-in and a step-by-step answer without a scan', async () => {
    const person = await store.people.create({ name: 'Rae', email: 'rae@example.com' });
    const teamId = new mongoose.Types.ObjectId().toString();
    await expectNoScan(conn, () => store.checkins.saveSettings(teamId, checkinSettingsSchema.parse({}), clock.now()));
    expect((await expectNoScan(conn, () => store.checkins.getSettings(teamId))).result).toMatchObject({ teamId, promptTime: '15:00' });
    await expectNoScan(conn, () => store.checkins.setSchedulers(teamId, ['s1']));

    const { checkin } = await store.checkins.createOnce({ personId: person.id, teamId, period: '2026-W48', timeZone: 'UTC', questions: DEFAULT_QUESTIONS, previousPriorities: null, promptedAt: clock.now(), deadlineAt: clock.now() });
    const blocker = (await expectNoScan(conn, () => store.checkins.createBlocker({ checkinId: checkin.id, personId: person.id, teamId, managerId: null, period: checkin.period, text: 'No access' }, clock.now()))).result.blocker;
    expect((await expectNoScan(conn, () => store.checkins.blockerOf(checkin.id))).result?.id).toBe(blocker.id);
    expect((await expectNoScan(conn, () => store.checkins.openBlockers(person.id))).result.map((b) => b.text)).toEqual(['No access']);
    await expectNoScan(conn, () => store.checkins.setBlockerStatus(blocker.id, 'resolved', clock.now()));
    expect(await store.checkins.openBlockers(person.id)).toEqual([]);
    await store.checkins.setBlockerStatus(blocker.id, 'following_up', clock.now());
    expect((await store.checkins.openBlockers(person.id)).map((b) => b.status)).toEqual(['following_up']);

    // The conditional update itself filters on status too (see README): only the lookup reads are checked here.
    await store.checkins.update(checkin.id, ['pending'], { step: 1 }, clock.now());
    expect((await expectNoScan(conn, () => store.checkins.answeringStepByStep(person.id))).result?.id).toBe(checkin.id);
    await store.checkins.update(checkin.id, ['pending'], { step: null }, clock.now());
    expect(await store.checkins.answeringStepByStep(person.id)).toBeNull();
    expect(checkin.id).toBe(checkinId(person.id, '2026-W48'));
  });

  it("finds the last check-in of the six weeks before, across weeks without one, in two _id reads", async () => {
    const person = await store.people.create({ name: 'Sol', email: 'sol@example.com' });
    const teamId = new mongoose.Types.ObjectId().toString();
    const create = (period: string) => store.checkins.createOnce({ personId: person.id, teamId, period, timeZone: 'UTC', questions: DEFAULT_QUESTIONS, previousPriorities: null, promptedAt: clock.now(), deadlineAt: clock.now() });
    expect((await expectNoScan(conn, () => store.checkins.previous(person.id, '2026-W10'))).result).toBeNull();
    await create('2026-W04');
    await create('2026-W06');
    const { result, filters } = await expectNoScan(conn, () => store.checkins.previous(person.id, '2026-W10'));
    expect(result?.period).toBe('2026-W06');
    expect(filters).toHaveLength(2);
    await create('2026-W09');
    expect((await store.checkins.previous(person.id, '2026-W10'))?.period).toBe('2026-W09');
    // Beyond six weeks back: not last week's priorities any more.
    expect(await store.checkins.previous(person.id, '2026-W16')).toBeNull();
  });
});

describe('lookup documents are backfilled for a database written before them', () => {
  let conn: Connection;
  let store: Store;
  const personId = new mongoose.Types.ObjectId();
  const teamId = new mongoose.Types.ObjectId();
  const blockerId = new mongoose.Types.ObjectId();
  const legacyCheckin = 'a'.repeat(24);
  const keyA = `05${'a'.repeat(62)}`;
  const keyB = `05${'b'.repeat(62)}`;

  beforeAll(async () => {
    conn = await watchedConnection(isolatedNames('backfill').mongoUri);
    const db = conn.db!;
    const at = new Date('2026-01-01T00:00:00Z');
    await db.collection('people').insertOne({ _id: personId, name: 'Old', email: 'old@example.com', timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5], managerId: null, roles: ['employee'], active: true, createdAt: at, updatedAt: at });
    await db.collection('teams').insertOne({ _id: teamId, name: 'Old team', managerId: personId.toString(), memberIds: [personId.toString()], createdAt: at, updatedAt: at });
    await db.collection('checkin_settings').insertOne({ teamId: teamId.toString(), values: { promptTime: '11:00' }, schedulers: ['x'], createdAt: at, updatedAt: at });
    await db.collection('checkin_blockers').insertOne({ _id: blockerId, checkinId: legacyCheckin, personId: personId.toString(), teamId: teamId.toString(), managerId: null, period: '2026-W01', text: 'Old blocker', status: 'open', resolvedAt: null, createdAt: at, updatedAt: at });
    // A survey round opened before the response buckets: one document per person, "has confirmed" apart.
    await db.collection<Keyed>('survey_responses').insertMany([
      { _id: keyB, roundId: 'round-old', teamIds: [teamId.toString()], answers: { q1: 9, why: 'Good' }, step: null },
      { _id: keyA, roundId: 'round-old', teamIds: [teamId.toString()], answers: { q1: 4 }, step: 1 },
    ]);
    await db.collection<Keyed>('survey_participation').insertOne({ _id: keyB, roundId: 'round-old' });
    // A Slack identity and its account from before the account held a copy of it.
    await db.collection<Keyed>('identities').insertOne({ _id: 'slack:T1:UOLD', key: 'slack:T1:UOLD', platform: 'slack', personId: personId.toString(), teamId: 'T1', userId: 'UOLD', createdAt: at, updatedAt: at });
    await db.collection<Keyed>('person_accounts').insertOne({ _id: `${personId.toString()}|slack`, key: 'slack:T1:UOLD', lastSeenAt: at });
    await db.collection('checkins').insertOne({ _id: new mongoose.Types.ObjectId(legacyCheckin), personId: personId.toString(), teamId: teamId.toString(), period: '2026-W01', timeZone: 'UTC', status: 'pending', answers: {}, needsHelp: false, questions: DEFAULT_QUESTIONS, previousPriorities: null, promptedAt: at, deadlineAt: at, answeredAt: null, late: false, step: 2, snoozes: 0, createdAt: at, updatedAt: at });
    store = createStore(conn);
    await syncIndexes(conn);
    // Boot again: the backfills ran once and are not repeated.
    const second = await recordFilters(conn, () => syncIndexes(conn));
    expect(second.commands.filter((c) => /^(update|insert) (people_emails|team_names|team_memberships|checkin_person_lookups|survey_responses|person_accounts)/.test(c))).toEqual([]);
  });
  afterAll(async () => {
    await dropDatabases(conn);
    await conn.close();
  });

  it('finds the old person, team, settings, blocker and step-by-step answer by _id', async () => {
    const id = personId.toString();
    expect((await expectNoScan(conn, () => store.people.findByEmail('old@example.com'))).result?.id).toBe(id);
    expect((await expectNoScan(conn, () => store.teams.findByName('Old team'))).result?.id).toBe(teamId.toString());
    expect((await store.teams.teamsOf(id)).map((t) => t.name)).toEqual(['Old team']);
    expect((await store.teams.managedBy(id)).map((t) => t.name)).toEqual(['Old team']);
    expect((await expectNoScan(conn, () => store.checkins.getSettings(teamId.toString()))).result).toMatchObject({ promptTime: '11:00', schedulers: ['x'] });
    expect(await store.models.Person.db.collection('checkin_settings').countDocuments()).toBe(1);
    expect((await expectNoScan(conn, () => store.checkins.openBlockers(id))).result.map((b) => b.text)).toEqual(['Old blocker']);
    expect((await expectNoScan(conn, () => store.checkins.blockerOf(legacyCheckin))).result?.id).toBe(blockerId.toString());
    expect((await expectNoScan(conn, () => store.checkins.answeringStepByStep(id))).result?.step).toBe(2);
    // The old round's responses moved into its bucket (in key order), confirmed as they were; the old documents went.
    const responses = await expectNoScan(conn, () => store.surveys.responses.ofRound('round-old'));
    expect(responses.result.map((r) => [r.key, r.answers, r.step, r.finished])).toEqual([
      [keyA, { q1: 4 }, 1, false],
      [keyB, { q1: 9, why: 'Good' }, null, true],
    ]);
    expect(await store.models.Person.db.collection('survey_responses').countDocuments()).toBe(1);
    expect(await store.models.Person.db.collection('survey_participation').countDocuments()).toBe(0);
    // The old account got a copy of its identity: a DM reaches the person in one read.
    const reach = await expectNoScan(conn, () => createStore(conn, new StoreCache(0)).identities.ofPerson(id, ['slack']));
    expect(reach.result).toEqual([expect.objectContaining({ key: 'slack:T1:UOLD', personId: id, teamId: 'T1', userId: 'UOLD', lastSeenAt: new Date('2026-01-01T00:00:00Z') })]);
    expect(reach.commands).toEqual(['find person_accounts']);
    // A new email for the old person is still refused to someone else.
    await expect(store.people.create({ name: 'New', email: 'old@example.com' })).rejects.toMatchObject({ code: 'conflict' });
  });
});
