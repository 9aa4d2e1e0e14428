import mongoose, { type Connection } from 'mongoose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allConnections, dropDatabases, featureConnection, ownDatabaseName } from '../../src/store/databases.js';
import { createStore, type Store } from '../../src/store/index.js';
import { syncIndexes } from '../../src/store/models.js';
import { isolatedNames } from '../support/stack.js';

const at = new Date('2026-11-20T10:00:00Z');
const alertDoc = (title: string) => ({ _id: new mongoose.Types.ObjectId(), key: `events:${title}`, status: 'open', severity: 'critical', teamId: 't1', source: 'events', title, explanation: 'x', timeline: [], createdAt: at, updatedAt: at, messageKeys: [], timelineKeys: [] });

/** The alerts' collections live in `<db>_alerts` (a writer of their own on FerretDB); data written before is moved at boot. */
describe('a feature database of its own', () => {
  let conn: Connection;
  let store: Store;
  const dbNames = async () => ((await conn.db!.admin().listDatabases({ nameOnly: true })).databases as { name: string }[]).map((d) => d.name);
  const names = async (c: Connection) => (await c.db!.listCollections({}, { nameOnly: true }).toArray()).map((x) => x.name);

  beforeEach(async () => {
    conn = await mongoose.createConnection(isolatedNames('owndb').mongoUri, { autoIndex: false, autoCreate: false }).asPromise();
    store = createStore(conn);
  });
  afterEach(async () => {
    await dropDatabases(conn);
    await conn.close();
  });

  it('is named after the configured database and shares its client', () => {
    const alerts = featureConnection(conn, 'alerts');
    expect(alerts.name).toBe(ownDatabaseName(conn.name, 'alerts'));
    expect(alerts.name).toBe(`${conn.name}_alerts`);
    expect(alerts.getClient()).toBe(conn.getClient());
    expect(featureConnection(conn, 'alerts')).toBe(alerts);
    expect(allConnections(conn).map((c) => c.name)).toEqual([conn.name, `${conn.name}_alerts`]);
  });

  it('writes new alerts there, with their indexes, and leaves none in the configured database', async () => {
    expect(await syncIndexes(conn)).toEqual({});
    const alertsDb = featureConnection(conn, 'alerts');
    const indexes = (await alertsDb.collection('alerts').indexes()).map((i) => i.name);
    expect(indexes).toEqual(expect.arrayContaining(['teamId_1_status_1', 'createdAt_1']));
    const opened = await store.alerts.open({ key: 'events:new', severity: 'critical', teamId: 't1', source: 'events', title: 'New', explanation: 'x', lastValue: null, worstValue: null }, at, { at, kind: 'opened', text: 'new' });
    if (!opened.opened) throw new Error('not opened');
    const { alert } = opened;
    expect(await alertsDb.collection('alerts').countDocuments({ _id: new mongoose.Types.ObjectId(alert.id) })).toBe(1);
    expect(await alertsDb.collection('open_alerts').countDocuments({ _id: 'events:new' as never })).toBe(1);
    expect(await names(conn)).not.toEqual(expect.arrayContaining(['alerts']));
    expect(await names(conn)).not.toContain('open_alerts');
  });

  it('moves alerts written before the split, once: copied by _id without overwriting, then the old collections dropped', async () => {
    const old = [alertDoc('a'), alertDoc('b'), alertDoc('c')];
    await conn.collection('alerts').insertMany(old);
    await conn.collection('open_alerts').insertMany(old.map((a) => ({ _id: a.key as never, alertId: a._id.toString() })));
    await conn.collection('alert_silences').insertOne({ kpiKey: 'k1', teamId: null, until: new Date('2099-01-01'), reason: 'r', createdBy: 'p', createdAt: at });
    // A crash after part of an earlier copy: `b` is there already, and was changed since (it must not be overwritten).
    const alertsDb = featureConnection(conn, 'alerts');
    await alertsDb.collection('alerts').insertOne({ ...old[1]!, status: 'acknowledged' });

    expect(await syncIndexes(conn)).toEqual({ [`${alertsDb.name}.alerts`]: 2, [`${alertsDb.name}.open_alerts`]: 3, [`${alertsDb.name}.alert_silences`]: 1 });
    for (const name of ['alerts', 'open_alerts', 'alert_silences']) expect(await names(conn)).not.toContain(name);
    expect(await alertsDb.collection('alerts').countDocuments()).toBe(3);
    expect((await store.alerts.get(old[1]!._id.toString()))?.status).toBe('acknowledged');
    expect((await store.alerts.get(old[0]!._id.toString()))?.title).toBe('a');
    expect(await store.alerts.openId('events:c')).toBe(old[2]!._id.toString());
    expect((await store.alerts.listSilences()).map((s) => s.kpiKey)).toEqual(['k1']);

    // Run again (a second process, the next boot): nothing left to move.
    expect(await syncIndexes(conn)).toEqual({});
    expect(await alertsDb.collection('alerts').countDocuments()).toBe(3);
  });

  it('is dropped with the configured database by the tests’ cleanup', async () => {
    await syncIndexes(conn);
    expect(await dbNames()).toEqual(expect.arrayContaining([conn.name, `${conn.name}_alerts`]));
    await dropDatabases(conn);
    expect((await dbNames()).filter((n) => n.startsWith(conn.name))).toEqual([]);
  });
});
