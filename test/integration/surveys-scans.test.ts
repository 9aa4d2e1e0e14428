import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Person } from '../../src/core/people/people.types.js';
import * as answer from '../../src/core/surveys/answer.js';
import { keyOf } from '../../src/core/surveys/context.js';
import { pickValue } from '../../src/core/surveys/surveys.views.js';
import { createStore, type Store } from '../../src/store/index.js';
import { syncIndexes } from '../../src/store/models.js';
import { bucketId, RESPONSE_BUCKETS } from '../../src/store/survey-responses.repository.js';
import { UPDATES_PER_COMMAND } from '../../src/store/surveys.repository.js';
import { expectNoScan, recordFilters, watchedConnection } from '../support/scans.js';
import { dropDatabases } from '../../src/store/databases.js';
import { isolatedNames } from '../support/stack.js';

const now = new Date('2026-11-25T10:00:00Z');
const config = { secret: 'scan-test-secret', minGroupSize: 5, fatigueDays: 14 };
const person = (id: string): Person => ({ id, name: id, email: `${id}@example.com`, timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5], active: true }) as Person;

/**
 * What a survey reads per person and per event is an `_id` read: FerretDB's
 * SQLite backend scans the collection for anything else, and a round has
 * 10,000 invitations and keyed responses.
 */
describe('survey reads per person and per event are _id reads', () => {
  let conn: Connection;
  let store: Store;
  const roundId = 'S1.1';
  const ada = person('ada');
  const bob = person('bob');

  beforeAll(async () => {
    conn = await watchedConnection(isolatedNames('survey_scans').mongoUri);
    store = createStore(conn);
    await syncIndexes(conn);
    const rounds = store.surveys.rounds;
    await rounds.createOnce({ id: roundId, surveyId: 'S1', n: 1, name: 'Pulse', status: 'waiting', questions: [{ id: 'enps', text: 'Recommend us?', kind: 'scale10' }] });
    await rounds.update(roundId, ['waiting'], { status: 'open', openedAt: now, closesAt: new Date(now.getTime() + 86_400_000), invited: 2 });
    const inviteAt = now;
    const closesAt = new Date(now.getTime() + 86_400_000);
    await store.surveys.invitations.upsertMany([ada, bob].map((p) => ({ roundId, personId: p.id, teamIds: ['T1'], inviteAt, closesAt, remindAt: [] })));
    await store.surveys.responses.createMany(roundId, [ada, bob].map((p) => ({ key: keyOf({ config }, roundId, p.id), teamIds: ['T1'] })));
  });
  afterAll(async () => {
    if (conn) await dropDatabases(conn);
    await conn?.close();
  });

  it('reads a response and the invitation by survey round and person without a scan', async () => {
    const key = keyOf({ config }, roundId, ada.id);
    const response = await expectNoScan(conn, () => store.surveys.responses.get(roundId, key));
    expect(response.result).toMatchObject({ key, teamIds: ['T1'], answers: {}, finished: false });
    expect(response.commands).toEqual(['find survey_responses']);
    const invitation = await expectNoScan(conn, () => store.surveys.invitations.get(roundId, ada.id));
    expect(invitation.result).toMatchObject({ roundId, personId: 'ada' });
    expect(invitation.commands).toEqual(['find survey_invitations']);
  });

  it('answers by button, by typed reply and confirms, reading and writing only by _id', async () => {
    const deps = { store: store.surveys, clock: { now: () => now }, config };
    const started = await expectNoScan(conn, () => answer.start(deps, ada, roundId));
    expect(JSON.stringify(started.result)).toContain('Recommend us?');
    const picked = await expectNoScan(conn, () => answer.pick(deps, ada, pickValue(roundId, 'enps', 9), false));
    expect(picked.commands).toEqual(['find survey_rounds', 'find survey_responses', 'update survey_responses']);
    const confirmed = await expectNoScan(conn, () => answer.confirm(deps, ada, roundId));
    expect(JSON.stringify(confirmed.result)).toContain('are in');
    expect((await expectNoScan(conn, () => store.surveys.responses.get(roundId, keyOf({ config }, roundId, ada.id)))).result).toMatchObject({ answers: { enps: 9 }, finished: true });

    // A DM from someone mid-survey, and one from someone not answering: the open rounds come from a lookup document.
    await expectNoScan(conn, () => answer.start(deps, bob, roundId));
    const typed = await expectNoScan(conn, () => answer.directMessage(deps, bob, '7', []));
    expect(JSON.stringify(typed.result)).toContain('7');
    const other = await expectNoScan(conn, () => answer.directMessage(deps, person('cy'), 'hello', []));
    expect(other.result).toBeNull();
    expect(other.commands).toEqual(['find survey_lookups', 'find survey_rounds', 'find survey_responses']);
  });

  it('claims the fatigue guard by _id alone, and of rounds claiming one person at once exactly one wins', async () => {
    const li = store.surveys.lastInvited;
    const week = 7 * 86_400_000;
    const notAfter = new Date(now.getTime() - week);
    const first = await expectNoScan(conn, () => li.claim('eve', 'S9.1', now, notAfter));
    expect(first.result).toEqual({ ok: true, added: true });
    expect(first.commands).toEqual(['findAndModify survey_last_invited']);
    // The same round again (a retried open job) still holds; another round within the week is refused.
    expect((await expectNoScan(conn, () => li.claim('eve', 'S9.1', now, notAfter))).result).toEqual({ ok: true, added: false });
    expect((await expectNoScan(conn, () => li.claim('eve', 'S8.1', new Date(now.getTime() + 86_400_000), new Date(now.getTime() + 86_400_000 - week)))).result).toEqual({
      ok: false,
      added: true,
      blockedBy: now,
    });
    await expectNoScan(conn, () => li.release('eve', 'S8.1'));
    // A week later the next round passes.
    const later = new Date(now.getTime() + week);
    expect((await li.claim('eve', 'S8.1', later, new Date(later.getTime() - week))).ok).toBe(true);

    // Twenty surveys open at once for the same people: for each person, exactly one claim passes.
    for (const person of ['fay', 'gus', 'hal']) {
      const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => li.claim(person, `R${i}.1`, now, notAfter)));
      expect(claims.filter((c) => c.ok)).toHaveLength(1);
      expect(claims.every((c) => c.added)).toBe(true);
      // Twice the same round at once (a duplicated open job) both pass.
      const twice = await Promise.all([li.claim(`${person}2`, 'S7.1', now, notAfter), li.claim(`${person}2`, 'S7.1', now, notAfter)]);
      expect(twice.every((c) => c.ok)).toBe(true);
    }
  });

  it('records the invitations of 300 people a second time (a retried or duplicated open) without hanging FerretDB', async () => {
    // One command of 300 upserts over existing invitations: unpatched, FerretDB 1.24 holds a SQLite connection per
    // matching update until the command ends (100 in its pool) and never returned, holding the write lock meanwhile.
    const inviteAt = now;
    const closesAt = new Date(now.getTime() + 86_400_000);
    const many = Array.from({ length: 300 }, (_, i) => ({ roundId: 'S2.1', personId: `p${i}`, teamIds: ['T1'], inviteAt, closesAt, remindAt: [] }));
    await store.surveys.invitations.upsertMany(many);
    const again = await recordFilters(conn, () => store.surveys.invitations.upsertMany(many));
    expect(again.commands).toHaveLength(Math.ceil(300 / UPDATES_PER_COMMAND));
    expect(await store.surveys.invitations.ofRound('S2.1')).toHaveLength(300);
  }, 60_000);

  it('reads a round’s responses for the close in a fixed number of _id reads, keeping each bucket in key order', async () => {
    const responses = store.surveys.responses;
    const round = 'S3.1';
    const keys = Array.from({ length: 300 }, (_, i) => keyOf({ config }, round, `p${i}`));
    await responses.createMany(round, keys.map((key, i) => ({ key, teamIds: i % 2 ? ['T1'] : [] })));
    // 200 confirm (one by one, as clicks do), 50 are half-way, 50 never start.
    for (const [i, key] of keys.slice(0, 250).entries()) {
      const r = await responses.get(round, key);
      if (!r) throw new Error(`no response for p${i}`);
      await responses.change(r, () => ({ answers: { enps: i % 11 }, step: i < 200 ? null : 1, finished: i < 200 }));
    }
    const read = await expectNoScan(conn, () => responses.ofRound(round));
    expect(read.commands).toEqual(Array.from({ length: RESPONSE_BUCKETS }, () => 'find survey_responses'));
    expect(read.result).toHaveLength(300);
    const finished = read.result.filter((r) => r.finished);
    expect(finished).toHaveLength(200);
    expect(finished.map((r) => r.answers.enps).sort()).toEqual(Array.from({ length: 200 }, (_, i) => i % 11).sort());
    expect(read.result.filter((r) => r.teamIds.includes('T1'))).toHaveLength(150);

    // The order of entries in a bucket is their keys' (HMACs') order, before and after answers were written:
    // it tells neither who nor when.
    const buckets = await conn.db!.collection<{ _id: string; r: Record<string, string> }>('survey_responses').find({ _id: { $regex: '^S3\\.1:' } }).toArray();
    expect(buckets.length).toBeGreaterThan(RESPONSE_BUCKETS / 2);
    for (const b of buckets) expect(Object.keys(b.r)).toEqual(Object.keys(b.r).sort());
    expect(buckets.flatMap((b) => Object.values(b.r)).join(' ')).not.toMatch(/p\d+|"at"|T\d\d:\d\d/);

    // Two changes of one response at once, from the same stale read (a double click): both land.
    const stale = await responses.get(round, keys[299]!);
    if (!stale) throw new Error('no response');
    await Promise.all([
      responses.change(stale, (r) => ({ answers: { ...r.answers, enps: 3 } })),
      responses.change(stale, (r) => ({ answers: { ...r.answers, why: 'both' }, finished: true })),
    ]);
    expect(await responses.get(round, keys[299]!)).toMatchObject({ answers: { enps: 3, why: 'both' }, finished: true });
    // Confirming is never undone by a later edit.
    const done = await responses.get(round, keys[0]!);
    expect(await responses.change(done!, () => ({ step: 0, finished: false }))).toMatchObject({ step: 0, finished: true });

    // An open run again with one more person adds that person only; the others keep their answers.
    const extra = keyOf({ config }, round, 'p300');
    const again = await expectNoScan(conn, () => responses.createMany(round, [...keys, extra].map((key) => ({ key, teamIds: [] }))));
    expect(again.commands.filter((c) => c.startsWith('update'))).toHaveLength(1);
    expect(await responses.get(round, extra)).toMatchObject({ answers: {}, finished: false });
    expect((await responses.ofRound(round)).filter((r) => r.finished)).toHaveLength(201);
    const bucket = await conn.db!.collection<{ _id: string; r: Record<string, string> }>('survey_responses').findOne({ _id: bucketId(round, extra) });
    expect(Object.keys(bucket!.r)).toEqual(Object.keys(bucket!.r).sort());

    // Deleted by _id, one command.
    const deleted = await expectNoScan(conn, () => responses.deleteRound(round));
    expect(deleted.commands).toEqual(['delete survey_responses']);
    expect(await responses.ofRound(round)).toEqual([]);
    expect(await responses.change(stale, () => ({ step: 1 }))).toBeNull();
  }, 60_000);

  it('drops a round from the open-rounds lookup when it closes', async () => {
    await store.surveys.rounds.update(roundId, ['open'], { status: 'closing' });
    const open = await expectNoScan(conn, () => store.surveys.rounds.open());
    expect(open.result).toEqual([]);
    expect(open.commands).toEqual(['find survey_lookups']);
  });
});
