import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewAlert } from '../../src/core/alerts/alerts.types.js';
import { SourceRollups } from '../../src/core/scorecards/source-rollups.js';
import { MongoSourceRollups } from '../../src/store/source-rollups.repository.js';
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

  it("the alerts' counts, which no page waits on, gather for a quarter second into one write per document; a read and settle wait for them", async () => {
    const client = conn.getClient();
    const updates: number[] = [];
    const seen = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.commandName === 'update' && e.command.update === 'scorecard_changes') updates.push(Date.now());
    };
    client.on('commandStarted', seen);
    try {
      const store = new MongoSourceRollups(conn);
      const started = Date.now();
      // 40 alert changes over ~100 ms, as alerts open and are paged, none awaited (as MongoAlertRepository counts).
      for (let i = 0; i < 40; i += 1) {
        void store.changed('alerts', ['2026-11-25']);
        void store.changed('kpi-alerts');
        if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(updates).toEqual([]);
      const read = await store.changes('alerts', ['2026-11']);
      expect(read.days['2026-11-25']).toBe(40);
      // One update command per source, each after the linger.
      expect(updates.length).toBe(2);
      expect(Math.min(...updates) - started).toBeGreaterThanOrEqual(240);
      void store.changed('kpi-alerts');
      await store.settle();
      expect(updates.length).toBe(3);
      expect((await store.changes('kpi-alerts', [])).all).toBe(41);
    } finally {
      client.off('commandStarted', seen);
    }
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

    it("an alert storm today leaves last week's alert figures; a change to an alert opened that week, or to a KPI's open alerts, does not", async () => {
      const team = await tandem.store.teams.create({ name: 'Storm' });
      const alert = (key: string, kpiKey?: string): NewAlert => ({ key, severity: 'critical', teamId: team.id, source: kpiKey ? 'kpi' : 'alertmanager', title: key, explanation: 'x', lastValue: 1, worstValue: 1, ...(kpiKey ? { kpiKey } : {}) });
      const opened = async (a: NewAlert, at: Date) => {
        const r = await tandem.store.alerts.open(a, at, { at, kind: 'opened', actor: 'test', text: 'opened' });
        if (!r.opened) throw new Error(`${a.key} was open already`);
        return r.alert.id;
      };
      const paged = (id: string, at: Date) => tandem.store.alerts.noteOnce(id, `page:${id}`, { at, kind: 'notified', actor: 'tandem', text: 'paged', data: { personId: 'p' } });
      const rollups = new SourceRollups({ store: tandem.store.scorecardRollups, clock });
      let weekly = 0;
      let live = 0;
      const lastWeek = () => rollups.read('test:alerts:w47', [{ source: 'alerts', period: W47 }], () => Promise.resolve((weekly += 1)));
      const openPerKpi = () => rollups.read('test:kpi-alerts', [{ source: 'kpi-alerts' }], () => Promise.resolve((live += 1)));
      expect([await lastWeek(), await openPerKpi()]).toEqual([1, 1]);

      // Today: alerts of an intake open, page and resolve.
      for (let i = 0; i < 5; i += 1) {
        const id = await opened(alert(`am:storm:${i}`), NOW);
        await paged(id, NOW);
        await tandem.store.alerts.changeStatus(id, ['open'], 'acknowledged', { at: NOW, kind: 'acknowledged', actor: 'test', text: 'ack' });
        await tandem.store.alerts.changeStatus(id, ['acknowledged'], 'resolved', { at: NOW, kind: 'resolved', actor: 'test', text: 'resolved' });
      }
      expect([await lastWeek(), await openPerKpi()]).toEqual([1, 1]);

      // An alert of last week paged today (only its id in hand): its week's figures change.
      const late = await opened(alert('am:late'), new Date('2026-11-21T08:00:00Z'));
      expect(await lastWeek()).toBe(2);
      await paged(late, NOW);
      expect(await lastWeek()).toBe(3);
      expect(await openPerKpi()).toBe(1);

      // A KPI's alert opened today: the open alerts per KPI change, last week's figures do not.
      const kpiAlert = await opened(alert('kpi:storm:threshold', 'storm'), NOW);
      expect([await lastWeek(), await openPerKpi()]).toEqual([3, 2]);
      await tandem.store.alerts.changeStatus(kpiAlert, ['open'], 'acknowledged', { at: NOW, kind: 'acknowledged', actor: 'test', text: 'ack' });
      expect(await openPerKpi()).toBe(2);
      await tandem.store.alerts.changeStatus(kpiAlert, ['acknowledged'], 'resolved', { at: NOW, kind: 'resolved', actor: 'test', text: 'resolved' });
      expect([await lastWeek(), await openPerKpi()]).toEqual([3, 3]);
    });
  });
});
