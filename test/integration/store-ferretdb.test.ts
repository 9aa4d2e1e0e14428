import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectIndexed } from '../support/scans.js';
import { isolatedNames } from '../support/stack.js';

/**
 * The local FerretDB is built by scripts/stack.sh with its `_id` queries
 * written as its `_id` index is, so that SQLite searches the index instead of
 * scanning (see README, "The store on MongoDB 7 and FerretDB 1.24"). FerretDB
 * answers `explain` with SQLite's query plan; on MongoDB there is nothing to check.
 *
 * It is also built to apply each write to one document atomically, as MongoDB
 * does (same README section); those tests run on either server.
 */
describe('FerretDB lookups by _id', () => {
  let conn: mongoose.Connection;
  let ferret = false;

  beforeAll(async () => {
    conn = await mongoose.createConnection(isolatedNames('ferret').mongoUri).asPromise();
    const info = await conn.db!.admin().command({ buildInfo: 1 });
    ferret = 'ferretdbVersion' in info;
    await conn.db!.collection('things').insertMany([{ _id: 'a' as never, n: 1 }, { _id: 'b' as never, n: 2 }]);
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('search the _id index for find, and still find, update and delete the right document', async (ctx) => {
    if (!ferret) ctx.skip();
    // The reusable guard (test/support/scans.ts): fails when SQLite's plan for the filter is not an _id index search.
    await expectIndexed(conn, 'things', { _id: 'b' });

    const things = conn.db!.collection<{ _id: string; n: number }>('things');
    expect(await things.findOne({ _id: 'b' })).toEqual({ _id: 'b', n: 2 });
    expect(await things.findOne({ _id: 'c' })).toBeNull();
    expect((await things.updateOne({ _id: 'a' }, { $set: { n: 10 } })).modifiedCount).toBe(1);
    expect((await things.deleteOne({ _id: 'b' })).deletedCount).toBe(1);
    expect(await things.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 'a', n: 10 }]);
  });

  it('search the _id index for an _id filter with a guard beside it, and still apply the guard', async (ctx) => {
    if (!ferret) ctx.skip();
    await conn.db!.collection('guarded').insertMany([{ _id: 'x' as never, status: 'open', keys: ['k1'] }, { _id: 'y' as never, status: 'open', keys: [] }]);
    await expectIndexed(conn, 'guarded', { _id: 'x', status: 'open' });
    await expectIndexed(conn, 'guarded', { _id: 'x', keys: { $ne: 'k2' } });

    const guarded = conn.db!.collection<{ _id: string; status: string; keys: string[] }>('guarded');
    // The guard still decides: a wrong status or a key already there changes nothing, and only the named document moves.
    expect((await guarded.updateOne({ _id: 'x', status: 'acked' }, { $set: { status: 'resolved' } })).matchedCount).toBe(0);
    expect((await guarded.updateOne({ _id: 'x', keys: { $ne: 'k1' } }, { $push: { keys: 'k1' } })).matchedCount).toBe(0);
    expect(await guarded.findOneAndUpdate({ _id: 'x', status: 'open' }, { $set: { status: 'acked' } }, { returnDocument: 'after' })).toEqual({ _id: 'x', status: 'acked', keys: ['k1'] });
    expect(await guarded.countDocuments({ _id: 'x', status: 'open' })).toBe(0);
    expect((await guarded.deleteOne({ _id: 'y', status: 'acked' })).deletedCount).toBe(0);
    expect(await guarded.find({ _id: 'y', status: 'open' }).toArray()).toEqual([{ _id: 'y', status: 'open', keys: [] }]);
  });

  it('search the _id index for {_id: {$in: [...]}} of strings, and still apply the rest of the filter', async (ctx) => {
    if (!ferret) ctx.skip();
    const many = conn.db!.collection<{ _id: string; n: number }>('many');
    await many.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `m${i}`, n: i })));
    // Built by scripts/stack.sh with tools/ferretdb/_patch/tandem_id_in.go; without it SQLite's plan is a SCAN.
    const plan = async (filter: Record<string, unknown>) => JSON.stringify((await conn.db!.command({ explain: { find: 'many', filter } })).queryPlanner);
    const search = /SEARCH \S+ USING INDEX \S+__id_/;
    expect(await plan({ _id: { $in: ['m1', 'm7', 'nope'] } }), 'FerretDB scans for an _id $in: was it built by scripts/stack.sh?').toMatch(search);
    expect(await plan({ _id: { $in: ['m1', 'm7'] }, n: { $gt: 3 } })).toMatch(search);
    expect(await plan({ _id: { $in: [new mongoose.mongo.ObjectId()] } })).toMatch(search);
    // A number among the values keeps the scan: SQL would compare it by its JSON text, MongoDB across numeric types.
    expect(await plan({ _id: { $in: ['m1', 2] } })).not.toMatch(search);

    const ids = async (filter: Record<string, unknown>) => (await many.find(filter).toArray()).map((d) => d._id).sort();
    expect(await ids({ _id: { $in: ['m1', 'm7', 'nope', 'm7'] } })).toEqual(['m1', 'm7']);
    expect(await ids({ _id: { $in: ['m1', 'm7'] }, n: { $gt: 3 } })).toEqual(['m7']);
    expect(await ids({ _id: { $in: ['m1', 'm7'], $ne: 'm1' } })).toEqual(['m7']);
    expect(await ids({ _id: { $in: [] } })).toEqual([]);
    expect((await many.updateMany({ _id: { $in: ['m2', 'm3'] } }, { $set: { n: -1 } })).modifiedCount).toBe(2);
    expect((await many.deleteMany({ _id: { $in: ['m2', 'm4'] }, n: -1 })).deletedCount).toBe(1);
    expect(await many.countDocuments()).toBe(49);
  });

  it('find, explain and aggregate still tell the collection they read from its neighbours and from a missing one', async () => {
    // Built by scripts/stack.sh with tools/ferretdb/_patch/tandem_list_one.go: these commands look up their one
    // collection instead of copying every collection's metadata; what they answer must not change.
    const db = conn.db!;
    await db.createCollection('capped_log', { capped: true, size: 4096 });
    await db.collection('capped_log').insertOne({ _id: 'c1' as never });
    for (const name of ['list_a', 'list_b', 'list_c']) await db.collection(name).insertOne({ _id: name as never, name });
    expect(await db.collection('list_b').find().toArray()).toEqual([{ _id: 'list_b', name: 'list_b' }]);
    expect(await db.collection('list_b').aggregate([{ $match: { name: 'list_b' } }]).toArray()).toEqual([{ _id: 'list_b', name: 'list_b' }]);
    expect(await db.collection('list_missing').find().toArray()).toEqual([]);
    expect(await db.collection('list_missing').aggregate([{ $match: {} }]).toArray()).toEqual([]);
    expect((await db.command({ explain: { find: 'list_c', filter: { _id: 'list_c' } } })).ok).toBe(1);
    // A tailable cursor is refused on a collection that is not capped, and accepted on one that is.
    await expect(db.collection('list_a').find({}, { tailable: true }).toArray()).rejects.toThrow(/tailable/i);
    const tail = db.collection('capped_log').find({}, { tailable: true });
    expect(await tail.next()).toEqual({ _id: 'c1' });
    await tail.close();
    const names = (await db.listCollections().toArray()).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['things', 'many', 'capped_log', 'list_a', 'list_b', 'list_c']));
    expect(names).not.toContain('list_missing');
  });
});

describe('single-document writes under concurrency', () => {
  type Counter = { _id: string; count: number };
  type Alert = { _id: string; status: string; by?: number };
  let conn: mongoose.Connection;

  beforeAll(async () => {
    conn = await mongoose.createConnection(isolatedNames('atomic').mongoUri).asPromise();
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  const hint = 'FerretDB does not apply writes to one document atomically: it was not built by scripts/stack.sh (npm run stack:stop && npm run stack:start)';

  it('50 concurrent $inc on one document give exactly 50', async () => {
    const counters = conn.db!.collection<Counter>('counters');
    await counters.insertOne({ _id: 'inc', count: 0 });
    await Promise.all(Array.from({ length: 50 }, () => counters.updateOne({ _id: 'inc' }, { $inc: { count: 1 } })));
    expect((await counters.findOne({ _id: 'inc' }))?.count, hint).toBe(50);
  });

  it('20 concurrent guarded findOneAndUpdate ({count: {$lt: 5}} -> $inc) let exactly 5 through', async () => {
    const counters = conn.db!.collection<Counter>('counters');
    await counters.insertOne({ _id: 'budget', count: 0 });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => counters.findOneAndUpdate({ _id: 'budget', count: { $lt: 5 } }, { $inc: { count: 1 } }, { returnDocument: 'after' })),
    );
    const through = results.filter((doc) => doc !== null);
    expect(through.length, hint).toBe(5);
    expect(through.map((doc) => doc.count).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await counters.findOne({ _id: 'budget' }))?.count).toBe(5);
  });

  it('two concurrent findOneAndUpdate on {status: open} -> {status: acked} return the document to exactly one caller', async () => {
    const alerts = conn.db!.collection<Alert>('alerts');
    for (let round = 0; round < 10; round++) {
      const _id = `alert-${round}`;
      await alerts.insertOne({ _id, status: 'open' });
      const results = await Promise.all(
        [1, 2].map((by) => alerts.findOneAndUpdate({ _id, status: 'open' }, { $set: { status: 'acked', by } }, { returnDocument: 'after' })),
      );
      const winners = results.filter((doc) => doc !== null);
      expect(winners.length, hint).toBe(1);
      expect(await alerts.findOne({ _id })).toEqual(winners[0]);
    }
  });

  it('concurrent deletes of one document report it deleted once, and inserts of one _id store it once', async () => {
    const things = conn.db!.collection<Counter>('things');
    await things.insertOne({ _id: 'gone', count: 0 });
    const deleted = await Promise.all(Array.from({ length: 10 }, () => things.deleteOne({ _id: 'gone' })));
    expect(deleted.reduce((sum, r) => sum + r.deletedCount, 0)).toBe(1);

    const inserted = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => things.insertOne({ _id: 'once', count: i })));
    expect(inserted.filter((r) => r.status === 'fulfilled').length).toBe(1);
    expect(await things.countDocuments({ _id: 'once' })).toBe(1);
  });
});
