import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoRhythmReads } from '../../src/store/scorecards.repository.js';
import { expectNoScan, recordFilters, watchedConnection } from '../support/scans.js';
import { isolatedNames } from '../support/stack.js';

const NOW = new Date('2026-11-25T10:00:00Z');
const DAY = 86_400_000;

/**
 * The scorecard's check-in and kudos figures come from weekly roll-ups (`_id` = ISO week) that the
 * `scorecard.rollup` job recounts for the weeks not settled yet; a scorecard then reads only `_id`
 * documents, none of which makes FerretDB scan a collection.
 */
describe('scorecard roll-ups: the job counts, the scorecard reads by _id only', () => {
  let conn: Connection;
  let now = NOW.getTime();
  let reads: MongoRhythmReads;

  beforeAll(async () => {
    conn = await watchedConnection(isolatedNames('scorecard_rollups').mongoUri);
    reads = new MongoRhythmReads(conn, () => now);
    const checkin = (personId: string, teamId: string, period: string, status: string, mood?: number) =>
      ({ _id: `${personId}:${period}`, personId, teamId, period, status, answers: mood ? { mood: String(mood) } : {} }) as unknown as Record<string, never>;
    await conn.collection('checkins').insertMany([
      checkin('a', 't1', '2026-W47', 'answered', 4),
      checkin('b', 't1', '2026-W47', 'missed'),
      checkin('c', 't2', '2026-W47', 'answered', 2),
      checkin('a', 't1', '2026-W46', 'answered', 5),
      checkin('a', 't1', '2026-W40', 'answered', 1),
    ]);
    const kudos = (giverId: string, recipientIds: string[], at: string, revokedAt: Date | null = null) => ({ giverId, recipientIds, createdAt: new Date(at), revokedAt });
    await conn.collection('kudos').insertMany([
      kudos('a', ['b'], '2026-11-18T10:00:00Z'),
      kudos('a', ['c', 'b'], '2026-11-19T10:00:00Z'),
      kudos('c', ['a'], '2026-11-10T10:00:00Z'),
      kudos('b', ['a'], '2026-11-20T10:00:00Z', new Date('2026-11-21T10:00:00Z')),
    ]);
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('the job recounts the unsettled weeks in one pass each over check-ins and kudos', async () => {
    const { result: weeks, commands } = await recordFilters(conn, () => reads.refresh());
    expect(weeks).toEqual(['2026-W45', '2026-W46', '2026-W47', '2026-W48']);
    expect(commands.filter((c) => c === 'find checkins')).toHaveLength(1);
    expect(commands.filter((c) => c === 'find kudos')).toHaveLength(1);
    const w47 = await reads.weekRollups(['t1', 't2'], ['2026-W47']);
    expect(w47).toEqual([
      { teamId: 't1', week: '2026-W47', answered: 1, closed: 2, moodSum: 4, moodCount: 1 },
      { teamId: 't2', week: '2026-W47', answered: 1, closed: 1, moodSum: 2, moodCount: 1 },
    ]);
    const [k47, k46] = await reads.kudosWeeks(['2026-W47', '2026-W46']);
    expect(k47).toEqual({ week: '2026-W47', givers: { a: 2 }, recipients: ['b', 'c'] });
    expect(k46).toEqual({ week: '2026-W46', givers: { c: 1 }, recipients: ['a'] });
  });

  it('a scorecard read of fresh roll-ups sends only lone _id lookups: one per week, one for who is active', async () => {
    const weeks = ['2026-W45', '2026-W46', '2026-W47'];
    const { filters } = await expectNoScan(conn, async () => {
      await reads.weekRollups(['t1', 't2'], weeks);
      await reads.kudosWeeks(weeks);
      await reads.activePeople();
    });
    expect(filters).toHaveLength(7);
  });

  it('a settled week never refreshed is counted once on read, then kept; an unsettled one is recounted when the job has not run for 15 minutes', async () => {
    expect(await reads.weekRollups(['t1'], ['2026-W40'])).toEqual([{ teamId: 't1', week: '2026-W40', answered: 1, closed: 1, moodSum: 1, moodCount: 1 }]);
    await expectNoScan(conn, () => reads.weekRollups(['t1'], ['2026-W40']));
    await conn.collection('checkins').insertOne({ _id: 'd:2026-W47', personId: 'd', teamId: 't1', period: '2026-W47', status: 'answered', answers: {} } as unknown as Record<string, never>);
    expect((await reads.weekRollups(['t1'], ['2026-W47']))[0]?.answered).toBe(1);
    now += 16 * 60_000;
    expect((await reads.weekRollups(['t1'], ['2026-W47']))[0]?.answered).toBe(2);
    now = NOW.getTime() + 30 * DAY;
    await expectNoScan(conn, () => reads.weekRollups(['t1'], ['2026-W47']));
  });
});
