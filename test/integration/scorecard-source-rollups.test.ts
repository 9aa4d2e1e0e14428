import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceRollups } from '../../src/core/scorecards/source-rollups.js';
import { MongoSourceRollups } from '../../src/store/scorecards.repository.js';
import { expectNoScan, watchedConnection } from '../support/scans.js';
import { isolatedNames, startTestTandem } from '../support/stack.js';

const NOW = new Date('2026-11-25T10:00:00Z');
/** 2026-W47 in UTC: the last complete week at NOW. */
const W47 = { from: new Date('2026-11-16T00:00:00Z'), to: new Date('2026-11-23T00:00:00Z') };

/*
 * The KPI, alert and pulse figures are kept as roll-ups stamped with counters their writers bump: a
 * scorecard reuses a roll-up only while nothing it was computed from changed, in this process or another.
 */
describe('scorecard source roll-ups', () => {
  let conn: Connection;
  const clock = { now: () => new Date(NOW) };

  beforeAll(async () => {
    conn = await watchedConnection(isolatedNames('source_rollups').mongoUri);
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('computes once, then reads by _id only; a write of the period (here or in another process) recomputes, one of another day does not', async () => {
    const store = new MongoSourceRollups(conn);
    const here = new SourceRollups({ store, clock });
    const there = new SourceRollups({ store: new MongoSourceRollups(conn), clock });
    let computed = 0;
    const read = (r: SourceRollups) => r.read('kpis:w47', [{ source: 'kpis', period: W47 }], () => Promise.resolve((computed += 1)));
    expect(await read(here)).toBe(1);
    expect(await read(there)).toBe(1);
    await store.changed('kpis', ['2026-11-24']);
    expect(await read(here)).toBe(1);
    const { filters } = await expectNoScan(conn, () => read(there));
    // The source's own counters and its month's days, each by _id.
    expect(filters.map((f) => f.collection)).toEqual(['scorecard_changes', 'scorecard_changes']);
    expect(computed).toBe(1);
    await store.changed('kpis', ['2026-11-22']);
    expect(await read(there)).toBe(2);
    expect(await read(here)).toBe(2);
    await store.changed('kpis');
    expect(await read(here)).toBe(3);
    expect(computed).toBe(3);
  });

  it("keeps the days per month; days counted in the source's own document before still count, and a period over two months reads both", async () => {
    const store = new MongoSourceRollups(conn);
    const counters = conn.collection<{ _id: string; days?: Record<string, number> }>('scorecard_changes');
    await counters.updateOne({ _id: 'pulse' }, { $set: { days: { '2026-10-30': 4 } } }, { upsert: true });
    const rollups = new SourceRollups({ store, clock });
    const turn = { from: new Date('2026-10-26T00:00:00Z'), to: new Date('2026-11-02T00:00:00Z') };
    let computed = 0;
    const read = () => new SourceRollups({ store, clock }).read('pulse:turn', [{ source: 'pulse', period: turn }], () => Promise.resolve((computed += 1)));
    expect(await read()).toBe(1);
    expect(await rollups.read('pulse:turn', [{ source: 'pulse', period: turn }], () => Promise.resolve(-1))).toBe(1);
    await store.changed('pulse', ['2026-11-01', '2026-10-30']);
    expect(await counters.findOne({ _id: 'pulse|2026-11' })).toEqual({ _id: 'pulse|2026-11', days: { '2026-11-01': 1 } });
    expect(await counters.findOne({ _id: 'pulse|2026-10' })).toEqual({ _id: 'pulse|2026-10', days: { '2026-10-30': 1 } });
    expect(await store.changes('pulse', ['2026-10', '2026-11'])).toEqual({ all: 0, days: { '2026-10-30': 5, '2026-11-01': 1 } });
    expect(await read()).toBe(2);
    await store.changed('pulse', ['2026-11-01']);
    expect(await read()).toBe(3);
    await store.changed('pulse', ['2026-11-05']);
    expect(await read()).toBe(3);
  });

  describe('through the real stores', () => {
    let tandem: Awaited<ReturnType<typeof startTestTandem>>;

    beforeAll(async () => {
      tandem = await startTestTandem({ TEAMS_ENABLED: 'false' }, { clock, workers: false });
    });
    afterAll(async () => {
      await tandem?.cleanup();
    });

    it('a late sample of the last week, a corrected one, a data error and an alert resolved show on the next scorecard', async () => {
      const lena = await tandem.store.people.create({ name: 'Lena', email: 'lena@example.com', roles: ['manager'] });
      const team = await tandem.store.teams.create({ name: 'Shop', managerId: lena.id, memberIds: [lena.id] });
      await tandem.core.kpis.create({ key: 'csat', name: 'CSAT', unit: '%', direction: 'higher_is_better', target: 90, thresholds: { amber: 85, red: 80 }, perspective: 'customer', ownerTeamId: team.id, cadence: 'P1D' }, 'test');
      const post = (at: string, value: number) => tandem.core.kpis.recordSamples('csat', { samples: [{ at, value }] }, 'test');
      const row = async () => (await tandem.core.scorecards.forOrganisation(undefined, 'week')).kpis.rows.find((r) => r.key === 'csat');
      await post('2026-11-18T11:00:00Z', 92);
      expect((await row())?.actual).toBe(92);
      await post('2026-11-20T11:00:00Z', 84);
      expect(await row()).toMatchObject({ actual: 84, status: 'amber' });
      await post('2026-11-20T11:00:00Z', 79);
      expect(await row()).toMatchObject({ actual: 79, status: 'red' });
      await tandem.core.kpis.markDataError('csat', new Date('2026-11-20T11:00:00Z'), 'test');
      expect(await row()).toMatchObject({ actual: 92, status: 'green' });
      // A live sample (this week) leaves the last week's figures as they were.
      await post('2026-11-24T11:00:00Z', 70);
      expect((await row())?.actual).toBe(92);

      const { alert } = (await tandem.store.alerts.open({ key: 'kpi:csat:threshold', severity: 'critical', teamId: team.id, source: 'kpi', title: 'CSAT is red', explanation: 'x', kpiKey: 'csat', rule: 'threshold', lastValue: 79, worstValue: 79, wave: 0, messageKeys: [] } as never, new Date('2026-11-20T12:00:00Z'), { at: new Date('2026-11-20T12:00:00Z'), kind: 'opened', text: 'opened' })) as { alert: { id: string } };
      const card = await tandem.core.scorecards.forOrganisation(undefined, 'week');
      expect(card.kpis.rows.find((r) => r.key === 'csat')?.openAlerts).toBe(1);
      expect(card.rhythm?.alerts).toMatchObject({ setUp: true, stats: { count: 1, medianResolveMs: null } });
      await tandem.store.alerts.changeStatus(alert.id, ['open'], 'resolved', { at: new Date('2026-11-20T12:30:00Z'), kind: 'resolved', text: 'resolved' });
      const after = await tandem.core.scorecards.forOrganisation(undefined, 'week');
      expect(after.kpis.rows.find((r) => r.key === 'csat')?.openAlerts).toBe(0);
      expect(after.rhythm?.alerts.stats).toMatchObject({ count: 1, medianResolveMs: 30 * 60_000 });
    });
  });
});
