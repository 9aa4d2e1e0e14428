import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../src/store/index.js';
import { syncIndexes } from '../../src/store/models.js';
import { expectNoScan, watchedConnection } from '../support/scans.js';
import { dropDatabases } from '../../src/store/databases.js';
import { isolatedNames } from '../support/stack.js';

const at = new Date('2026-11-25T10:00:00Z');

/** The KPI hot path (an alert's dedup key, a sample's own reads and writes) is `_id` lookups: FerretDB scans for anything else. */
describe('KPI alerts key their hot-path lookups by _id', () => {
  let conn: Connection;
  let store: Store;

  beforeAll(async () => {
    conn = await watchedConnection(isolatedNames('kpi-lookups').mongoUri);
    store = createStore(conn);
    await syncIndexes(conn);
  });
  afterAll(async () => {
    await dropDatabases(conn);
    await conn.close();
  });

  it('finds the open alert of a dedup key by _id, in one round trip', async () => {
    const found = await expectNoScan(conn, () => store.alerts.openId('kpi:checkout|breach'));
    expect(found.result).toBeNull();
    expect(found.commands).toEqual(['find open_alerts']);
  });

  it('reads a sample and notes its arrival without a scan', async () => {
    const read = await expectNoScan(conn, () => store.kpis.getSample('checkout', at));
    expect(read.result).toBeNull();
    const noted = await expectNoScan(conn, () => store.kpis.noteSample('checkout', at));
    // Noted on the KPI's tail: its own document (definition and versions) is not rewritten per request.
    expect(noted.commands).toEqual(['update kpi_tails']);
    const kpi = await expectNoScan(conn, () => store.kpis.get('checkout'));
    expect(kpi.commands.sort()).toEqual(['find kpi_tails', 'find kpis']);
  });

  it('takes, gives back and takes over the per-KPI lease by _id alone, one holder at a time', async () => {
    const key = 'leased';
    const ttl = 60_000;
    const later = (ms: number) => new Date(at.getTime() + ms);
    // The lease is taken only while samples wait.
    await store.kpis.writeSamples(key, [{ at, value: 1 }], 'test', at);
    const race = async (now: Date, n = 20) => (await Promise.all(Array.from({ length: n }, (_, i) => store.kpis.lease(key, `w${now.getTime()}-${i}`, now, ttl, 10)))).filter(Boolean).length;
    expect(await race(at)).toBe(1);
    // Held: nobody else gets it until it is given back or runs out.
    expect(await race(later(1_000))).toBe(0);
    const taken = await expectNoScan(conn, () => store.kpis.lease(key, 'checker', later(ttl + 1), ttl, 10));
    expect(taken.result).not.toBeNull();
    // One round trip: the lease is taken in the write that reads the tail.
    expect(taken.commands).toEqual(['findAndModify kpi_tails']);
    await expectNoScan(conn, () => store.kpis.release(key, 'checker'));
    expect(await race(later(ttl + 2))).toBe(1);
    // Its holder stopped: once it ran out, exactly one of many takes it over.
    expect(await race(later(3 * ttl))).toBe(1);
    // Nothing waiting: no lease, in one round trip (a job whose samples an earlier run judged).
    await store.kpis.lease('idle', 'first', at, ttl, 10);
    await store.kpis.release('idle', 'first');
    const idle = await expectNoScan(conn, () => store.kpis.lease('idle', 'checker', later(1), ttl, 10));
    expect(idle.result).toBeNull();
    // Taken whether or not samples wait (a request about to write its own): still one holder of many.
    const raceIdle = async (now: Date) => (await Promise.all(Array.from({ length: 20 }, (_, i) => store.kpis.lease('idle', `r${now.getTime()}-${i}`, now, ttl, 10, true)))).filter(Boolean).length;
    expect(await raceIdle(later(2))).toBe(1);
    expect(await raceIdle(later(3))).toBe(0);
    expect(await raceIdle(later(ttl + 3))).toBe(1);
    expect(idle.commands).toEqual(['findAndModify kpi_tails']);
  });
});
