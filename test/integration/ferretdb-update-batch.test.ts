import { Schema, type Connection, type Model } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { connectMongo } from '../../src/store/connection.js';
import { isolatedNames } from '../support/stack.js';

interface RowDoc {
  _id: string;
  n: number;
}

/**
 * One update command of many statements over existing documents, as a bulk
 * write sends (last-seen times of a burst, team memberships, survey
 * invitations, the store's backfills). The local FerretDB is patched for
 * both (scripts/stack.sh): unpatched, 1.24 keeps a SQLite connection per
 * matching statement until the command ends and waits forever from about
 * the 100th, and it numbers upserted ids by upsert instead of by statement.
 * MongoDB does neither.
 */
describe('update commands of many statements on the local store', () => {
  let conn: Connection;
  let rows: Model<RowDoc>;

  beforeAll(async () => {
    conn = await connectMongo(isolatedNames('updbatch').mongoUri, createLogger('silent'));
    rows = conn.model<RowDoc>('Row', new Schema<RowDoc>({ _id: String, n: Number }, { versionKey: false }));
    await rows.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: `r${i}`, n: 0 })));
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('applies 300 updates of existing documents in one command', async () => {
    const ops = Array.from({ length: 300 }, (_, i) => ({ updateOne: { filter: { _id: `r${i}` }, update: { $inc: { n: 1 } }, upsert: true } }));
    const res = await rows.bulkWrite(ops, { ordered: false, maxTimeMS: 20_000 });
    expect(res.matchedCount).toBe(300);
    expect(await rows.countDocuments({ n: 1 })).toBe(300);
  }, 30_000);

  it("reports each upsert at its statement's index", async () => {
    const res = await rows.bulkWrite(
      [
        { updateOne: { filter: { _id: 'r0' }, update: { $set: { n: 5 } }, upsert: true } },
        { updateOne: { filter: { _id: 'new-a' }, update: { $set: { n: 5 } }, upsert: true } },
        { updateOne: { filter: { _id: 'r1' }, update: { $set: { n: 5 } }, upsert: true } },
        { updateOne: { filter: { _id: 'new-b' }, update: { $set: { n: 5 } }, upsert: true } },
      ],
      { ordered: false },
    );
    expect(res.upsertedIds).toEqual({ 1: 'new-a', 3: 'new-b' });
  });
});
