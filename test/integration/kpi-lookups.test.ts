import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../src/store/index.js';
import { syncIndexes } from '../../src/store/models.js';
import { expectNoScan, watchedConnection } from '../support/scans.js';
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
    await conn.dropDatabase();
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
    expect(noted.commands).toEqual(['update kpis']);
    const kpi = await expectNoScan(conn, () => store.kpis.get('checkout'));
    expect(kpi.commands).toEqual(['find kpis']);
  });
});
