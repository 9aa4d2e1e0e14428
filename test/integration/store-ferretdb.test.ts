import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectIndexed } from '../support/scans.js';
import { isolatedNames } from '../support/stack.js';

/**
 * The local FerretDB is built by scripts/stack.sh with its `_id` queries
 * written as its `_id` index is, so that SQLite searches the index instead of
 * scanning (see README, "The store on MongoDB 7 and FerretDB 1.24"). FerretDB
 * answers `explain` with SQLite's query plan; on MongoDB there is nothing to check.
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
});
