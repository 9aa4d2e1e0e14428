import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kpiApi, TEN, type Json } from '../support/kpis.js';
import { recordFilters } from '../support/scans.js';
import { featureConnection } from '../../src/store/databases.js';
import { isolatedNames, startTestTandem } from '../support/stack.js';

/*
 * A process that runs workers judges the samples a request stores in the
 * request itself: a live feed's samples (newer than everything judged, nothing
 * queued) are judged before they are written and inserted judged, with no
 * update per sample, no queue entry and no job; anything else is written,
 * queued and judged right after, the job only a fallback.
 */
describe('KPI samples judged in the request that stores them', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let api: Awaited<ReturnType<typeof kpiApi>>;
  let conn: mongoose.Connection;
  const t0 = new Date('2026-10-01T00:00:00Z');
  const waitingJobs = async () => {
    const counts = await tandem.jobs.queue('kpis').getJobCounts('waiting', 'prioritized', 'active', 'completed');
    return counts.waiting! + counts.prioritized! + counts.active! + counts.completed!;
  };
  const items = async (key: string) => (await api.call('GET', `/kpis/${key}/samples?limit=1000`)).body.items as Json[];

  beforeAll(async () => {
    const names = isolatedNames('kpi_inline');
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false', MONGODB_URI: `${names.mongoUri}?monitorCommands=true` }, { clock: { now: () => new Date('2026-11-25T12:00:00Z') } });
    const db = new URL(names.mongoUri).pathname.slice(1);
    conn = mongoose.connections.find((c) => c.name === db)!;
    const lena = await tandem.store.people.create({ name: 'Lena Fischer', email: 'lena@example.com', roles: ['manager'] });
    const team = await tandem.store.teams.create({ name: 'Shop', managerId: lena.id, memberIds: [] });
    api = await kpiApi(tandem, team, t0);
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  it('a live feed: judged when the request is answered, inserted judged, no update of a sample, no job', async () => {
    await api.define('live', { unit: '', direction: 'higher_is_better', target: 10, thresholds: { amber: 5, red: 2 } });
    const recorded = await recordFilters(conn, async () => {
      await api.post('live', TEN);
      await api.post('live', [10, 10], 10);
      // Beyond 3σ of the baseline of ten (mean 10, σ 2) and red: both rules open, judged before the answer.
      return api.post('live', [1], 12);
    });
    expect(recorded.result).toEqual({ inserted: 1, unchanged: 0, corrected: 0 });
    const judged = await items('live');
    expect(judged).toHaveLength(13);
    expect(judged.every((s) => s.judged)).toBe(true);
    expect(judged.at(-1)).toMatchObject({ value: 1, rag: 'red', exception: true, version: 1 });
    expect((await api.alertsOf('live')).map((a) => a.rule).sort()).toEqual(['sigma3', 'threshold']);
    expect(recorded.commands.filter((c) => c === 'update kpi_samples'), 'no sample is updated for its judgement').toEqual([]);
    expect(recorded.commands.filter((c) => c === 'insert kpi_samples').length).toBeGreaterThan(0);
    expect(await waitingJobs()).toBe(0);
  });

  it('a resend is unchanged and judged again by nobody: the alert counts the breach once', async () => {
    expect(await api.post('live', [1], 12)).toEqual({ inserted: 0, unchanged: 1, corrected: 0 });
    const threshold = (await api.alertsOf('live')).find((a) => a.rule === 'threshold')!;
    expect(threshold.count).toBe(1);
    expect(await waitingJobs()).toBe(0);
  });

  it('a correction and a late sample are written, queued and judged right after, in the request', async () => {
    expect(await api.post('live', [9], 12)).toEqual({ inserted: 0, unchanged: 0, corrected: 1 });
    expect(await api.post('live', [11], 20)).toEqual({ inserted: 1, unchanged: 0, corrected: 0 });
    expect(await api.post('live', [8], 15)).toEqual({ inserted: 1, unchanged: 0, corrected: 0 });
    const judged = await items('live');
    expect(judged.every((s) => s.judged)).toBe(true);
    expect(judged.find((s) => s.at === api.hour(12))).toMatchObject({ value: 9, rag: 'green', corrections: [{ value: 1 }] });
    expect(judged.find((s) => s.at === api.hour(15))).toMatchObject({ value: 8, rag: 'green' });
    expect(await waitingJobs()).toBe(0);
  });

  it('a sample stored before a crash and never queued is judged when it is sent again', async () => {
    await api.define('crashed', { target: 10, thresholds: { amber: 14, red: 16 } });
    await api.post('crashed', TEN);
    // What a crash between the sample's insert and its queue entry leaves: stored, unjudged, on no queue.
    const at = new Date(api.hour(10));
    await conn.collection('kpi_samples').insertOne({ _id: `crashed|${at.toISOString()}` as never, kpiKey: 'crashed', at, value: 17, exception: false, dataError: false, judged: false, rag: null, version: null, corrections: [], receivedAt: at });
    expect(await api.post('crashed', [17], 10)).toEqual({ inserted: 0, unchanged: 1, corrected: 0 });
    expect((await items('crashed')).at(-1)).toMatchObject({ value: 17, judged: true, rag: 'red' });
    expect((await api.alertsOf('crashed')).map((a) => a.rule).sort()).toEqual(['sigma3', 'threshold']);
  });

  it('a tail written before its judged samples were packed is read as it was, and written packed', async () => {
    const compactAt = (iso: string) => new Date(iso).getTime().toString(36);
    await api.define('legacy', { target: 10, thresholds: { amber: 14, red: 16 } });
    await api.post('legacy', TEN);
    const tails = conn.collection<{ _id: string; recent: unknown }>('kpi_tails');
    const packed = (await tails.findOne({ _id: 'legacy' }))!.recent as string;
    expect(packed.split(',')).toHaveLength(10);
    expect(packed.split(',')[0]).toBe(`${compactAt(api.hour(0))}#13`);
    // Written by earlier versions: an array of subdocuments, of strings with ISO instants, of compact strings.
    const objects = TEN.map((value, i) => ({ at: new Date(api.hour(i)), value, exception: false, dataError: false }));
    const isoStrings = TEN.map((value, i) => `${api.hour(i)}#${value}`);
    const compact = TEN.map((value, i) => `${compactAt(api.hour(i))}#${value}`);
    await tails.updateOne({ _id: 'legacy' }, { $set: { recent: [...objects.slice(0, 3), ...isoStrings.slice(3, 6), ...compact.slice(6)] } });
    await api.post('legacy', [17], 10);
    const [sigma3] = (await api.alertsOf('legacy')).filter((a) => a.rule === 'sigma3');
    expect(sigma3!.explanation).toContain('over the last 10 samples');
    const after = (await tails.findOne({ _id: 'legacy' }))!.recent as string;
    expect(after.split(',')).toHaveLength(11);
    expect(after.split(',').at(-1)).toBe(`${compactAt(api.hour(10))}#17#x`);
  });

  it('a normal streak is counted in the run and written once: resolved at the third normal sample, in one request or across two', async () => {
    const counted: number[] = [];
    const listener = (e: { commandName: string; command: Record<string, unknown> }) => {
      const by = (e.command.update as { $inc?: { normalStreak?: number } } | undefined)?.$inc?.normalStreak;
      if (e.commandName === 'findAndModify' && e.command.findAndModify === 'alerts' && by !== undefined) counted.push(by);
    };
    const streakOf = async (key: string) => (await featureConnection(conn, 'alerts').collection('alerts').find({ kpiKey: key }).toArray()).map((a) => [a.rule, a.status, a.normalStreak, a.count]).sort();
    conn.getClient().on('commandStarted', listener);
    try {
      await api.define('streak', { target: 10, thresholds: { amber: 14, red: 16 } });
      await api.post('streak', TEN);
      // Red and beyond 3σ, then three normal samples: both alerts resolved by one streak write each, of 3.
      await api.post('streak', [17, 10, 10, 10], 10);
      expect(await streakOf('streak')).toEqual([
        ['sigma3', 'resolved', 3, 1],
        ['threshold', 'resolved', 3, 1],
      ]);
      expect(counted).toEqual([3, 3]);
      // A breach, two normal samples, a breach folded in (the streak starts again), two more: open, 2 written at the end of the run.
      counted.length = 0;
      await api.post('streak', [17, 10, 10, 17, 10, 10], 20);
      expect((await streakOf('streak')).filter(([, status]) => status === 'open')).toEqual([
        ['sigma3', 'open', 2, 2],
        ['threshold', 'open', 2, 2],
      ]);
      expect(counted).toEqual([2, 2]);
      // The third in the next request: counted there (its write answers 3) and resolved.
      counted.length = 0;
      await api.post('streak', [10], 26);
      expect((await streakOf('streak')).filter(([, status]) => status === 'open')).toEqual([]);
      expect(counted).toEqual([1, 1]);
    } finally {
      conn.getClient().off('commandStarted', listener);
    }
  });

  it("a request's audit entry is written before its samples (its insert runs beside the judging), and settled after them", async () => {
    await api.define('audited', { target: 10, thresholds: { amber: 14, red: 16 } });
    await api.post('audited', TEN);
    const events: string[] = [];
    const collections = new Map<number, string>();
    const started = (e: { requestId: number; commandName: string; command: Record<string, unknown> }) => {
      const collection = e.command[e.commandName];
      if ((e.commandName === 'insert' || e.commandName === 'update') && typeof collection === 'string') {
        collections.set(e.requestId, `${e.commandName} ${collection}`);
        events.push(`start ${e.commandName} ${collection}`);
      }
    };
    const succeeded = (e: { requestId: number }) => {
      const what = collections.get(e.requestId);
      if (what) events.push(`done ${what}`);
    };
    conn.getClient().on('commandStarted', started);
    conn.getClient().on('commandSucceeded', succeeded);
    try {
      // A breach: its alerts are raised while the entry's insert may still be in flight.
      expect(await api.post('audited', [17], 10)).toEqual({ inserted: 1, unchanged: 0, corrected: 0 });
    } finally {
      conn.getClient().off('commandStarted', started);
      conn.getClient().off('commandSucceeded', succeeded);
    }
    const at = (event: string) => events.indexOf(event);
    expect(at('done insert audit_log')).toBeGreaterThanOrEqual(0);
    expect(at('done insert audit_log'), 'the entry before any sample').toBeLessThan(at('start insert kpi_samples'));
    expect(at('done insert kpi_samples'), 'settled once the samples are written').toBeLessThan(at('start update audit_log'));
    const entries: Json[] = (await api.call('GET', '/audit?target=kpi:audited')).body.items;
    expect(entries.filter((e) => e.action === 'kpi.samples.record').map((e) => e.status)).toEqual(['done', 'done']);
    expect((await api.alertsOf('audited')).map((a) => a.rule).sort()).toEqual(['sigma3', 'threshold']);
  });

  it('a request whose audit entry the store refuses writes no sample', async () => {
    // The store refuses the next pending entry of this target: a unique index, taken by an entry put there first.
    const audit = conn.collection('audit_log');
    await audit.deleteMany({});
    await audit.createIndex({ target: 1, status: 1 }, { unique: true, name: 'test_refuse_entry' });
    try {
      await audit.insertOne({ target: 'kpi:audited', action: 'test', actor: 'test', before: null, after: null, at: new Date(), status: 'pending' });
      const refused = await api.call('POST', '/kpis/audited/samples', { samples: [{ at: api.hour(11), value: 10 }] });
      expect(refused.status).toBe(500);
      expect((await items('audited')).map((s) => s.at)).not.toContain(api.hour(11));
    } finally {
      await audit.dropIndex('test_refuse_entry');
    }
    // Sent again once the entry can be written: stored, judged and audited.
    expect(await api.post('audited', [10], 11)).toEqual({ inserted: 1, unchanged: 0, corrected: 0 });
    expect((await items('audited')).at(-1)).toMatchObject({ value: 10, judged: true });
  });

  it('requests racing on one KPI judge every sample once', async () => {
    await api.define('racing', { target: 10, thresholds: { amber: 14, red: 16 } });
    await api.post('racing', TEN);
    // Five red samples among twenty requests at once: the lease lets one request judge at a time, the others queue and are judged after.
    const values = Array.from({ length: 20 }, (_, i) => (i % 4 === 1 ? 17 : i % 2 ? 13 : 7));
    await Promise.all(values.map((v, i) => api.post('racing', [v], 10 + i)));
    await api.settled('racing');
    const judged = await items('racing');
    expect(judged).toHaveLength(30);
    expect(judged.filter((s) => s.rag === 'red')).toHaveLength(5);
    const threshold = (await api.alertsOf('racing')).filter((a) => a.rule === 'threshold');
    // One alert per breach (each resolved by the normal samples after it) or folded: never more breaches than sent.
    expect(threshold.reduce((n, a) => n + (a.count as number), 0)).toBe(5);
  });
});
