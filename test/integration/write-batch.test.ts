import { createServer, connect, type Server, type Socket } from 'node:net';
import mongoose, { Schema, type AnyBulkWriteOperation, type Connection, type Model } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { connectMongo, isDuplicateKey } from '../../src/store/connection.js';
import { syncIndexes } from '../../src/store/models.js';
import { MongoPeopleRepository } from '../../src/store/people.repository.js';
import { StoreCache } from '../../src/store/cache.js';
import { createStore } from '../../src/store/index.js';
import { WriteBatch, type BulkWritable } from '../../src/store/write-batch.js';
import { dropDatabases } from '../../src/store/databases.js';
import { isolatedNames } from '../support/stack.js';

interface ThingDoc {
  _id: string;
  name: string;
  slug: string;
  hits?: number;
}

/** The real model, with its bulk writes counted (a window on the calls, not a fake: every write reaches FerretDB). */
function counted(model: Model<ThingDoc>): BulkWritable & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    bulkWrite: (ops: AnyBulkWriteOperation<{ _id: string } & Record<string, unknown>>[], options: { ordered: boolean }) => {
      calls.push(ops.length);
      return model.bulkWrite(ops as never, options);
    },
  };
}

describe('WriteBatch: group commit of single-document writes on the real store (FerretDB)', () => {
  let conn: Connection;
  let things: Model<ThingDoc>;

  beforeAll(async () => {
    conn = await connectMongo(isolatedNames('batch').mongoUri, createLogger('silent'));
    things = conn.model<ThingDoc>('Thing', new Schema<ThingDoc>({ _id: String, name: { type: String, required: true }, slug: { type: String, required: true, unique: true }, hits: Number }, { versionKey: false }));
    await things.syncIndexes();
  });
  afterAll(async () => {
    await dropDatabases(conn);
    await conn.close();
  });

  it('writes a burst of 200 inserts in a few bulk writes, each caller told its own outcome', async () => {
    const model = counted(things);
    const batch = new WriteBatch(model);
    // 200 new documents, 10 of them taking an `_id` or a slug another one has: those (and only those) fail.
    const docs = Array.from({ length: 200 }, (_, i) => ({ _id: `t${i % 190}`, name: `Thing ${i}`, slug: i >= 195 ? 'slug-0' : `slug-${i}` }));
    const outcomes = await Promise.allSettled(docs.map((d) => batch.insert(d)));
    const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
    expect(failed).toEqual([190, 191, 192, 193, 194, 195, 196, 197, 198, 199]);
    for (const i of failed) expect(isDuplicateKey((outcomes[i] as PromiseRejectedResult).reason)).toBe(true);
    expect(await things.countDocuments({})).toBe(190);
    expect(model.calls.length).toBeLessThanOrEqual(4);
    expect(model.calls.reduce((a, b) => a + b, 0)).toBe(200);
  });

  it('rejects every write of a bulk write whose connection is lost before the server has it: none is told it was made', async () => {
    // A TCP relay to FerretDB that, once armed, drops the connection on a large message (the bulk write) instead of
    // passing it on; the handshake and small commands go through.
    const target = new URL(isolatedNames('batch').mongoUri);
    let armed = false;
    const sockets = new Set<Socket>();
    const relay: Server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      sockets.add(client).add(upstream);
      upstream.pipe(client);
      client.on('data', (chunk: Buffer) => (armed && chunk.length > 4_096 ? (client.destroy(), upstream.destroy()) : upstream.write(chunk)));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.address() as { port: number }).port;
    const cut = mongoose.createConnection(`mongodb://127.0.0.1:${port}${target.pathname}?directConnection=true`, { retryWrites: false, serverSelectionTimeoutMS: 2_000 });
    try {
      const model = cut.model<ThingDoc>('Thing', things.schema);
      await model.findOne({ _id: 'warm-up' });
      armed = true;
      const batch = new WriteBatch(model);
      const docs = Array.from({ length: 50 }, (_, i) => ({ _id: `cut${i}`, name: 'x'.repeat(200), slug: `cut-${i}` }));
      const outcomes = await Promise.allSettled(docs.map((d) => batch.insert(d)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(0);
      expect(await things.countDocuments({ _id: { $in: docs.map((d) => d._id) } })).toBe(0);
    } finally {
      await cut.close(true);
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => relay.close(resolve));
    }
  });

  it('refuses an invalid document alone, and tells the others of its bulk write their own outcome', async () => {
    const batch = new WriteBatch(counted(things));
    await things.create({ _id: 'v0', name: 'old', slug: 'v-0' });
    const docs = [
      { _id: 'v1', name: 'ok', slug: 'v-1' },
      { _id: 'v2', slug: 'v-2' },
      { _id: 'v0', name: 'taken', slug: 'v-0b' },
      { _id: 'v3', name: 'ok', slug: 'v-3' },
    ];
    const outcomes = await Promise.allSettled(docs.map((d) => batch.insert(d)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(((outcomes[1] as PromiseRejectedResult).reason as Error).name).toBe('ValidationError');
    expect(isDuplicateKey((outcomes[2] as PromiseRejectedResult).reason)).toBe(true);
    expect(await things.exists({ _id: 'v3' })).toBeTruthy();
    expect(await things.exists({ _id: 'v2' })).toBeFalsy();
    // All invalid: the batch is refused without a write.
    await expect(batch.insert({ _id: 'v4', slug: 'v-4' })).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('tells each upsert whether it inserted, also for two writes of one _id in the same burst', async () => {
    const model = counted(things);
    const batch = new WriteBatch(model);
    await things.create({ _id: 'u0', name: 'old', slug: 'u-0' });
    const ids = ['u0', 'u1', 'u2', 'u1', 'u3'];
    const inserted = await Promise.all(ids.map((id, i) => batch.upsert(id, { $setOnInsert: { name: `new ${i}`, slug: `u-${id}` }, $inc: { hits: 1 } })));
    // u1 twice: the first inserts, the second finds it (it waited for the next bulk write).
    expect(inserted).toEqual([false, true, true, false, true]);
    expect((await things.findById('u1').lean())?.hits).toBe(2);
    expect((await things.findById('u1').lean())?.name).toBe('new 1');
  });
});

describe('new people in a burst, through the batched writes', () => {
  let conn: Connection;

  beforeAll(async () => {
    conn = await connectMongo(isolatedNames('batchpeople').mongoUri, createLogger('silent'));
  });
  afterAll(async () => {
    await dropDatabases(conn);
    await conn.close();
  });

  it('creates each of 100 people once when every one of them arrives twice at once', async () => {
    const store = createStore(conn);
    await syncIndexes(conn);
    const emails = Array.from({ length: 100 }, (_, i) => `person${i}@example.com`);
    const found = await Promise.all([...emails, ...emails].map((email) => store.people.findOrCreateByEmail({ name: email.split('@')[0]!, email })));
    expect(new Set(found.map((f) => f.person.id)).size).toBe(100);
    expect(found.filter((f) => f.created)).toHaveLength(100);
    for (let i = 0; i < 100; i += 1) expect(found[i]!.person.id).toBe(found[i + 100]!.person.id);
    // Another repository over the same collections (a second process) finds them, by email lookup.
    const other = new MongoPeopleRepository(store.models.Person, store.models.PersonEmail, new StoreCache());
    expect((await other.findOrCreateByEmail({ name: 'x', email: emails[7]! })).person.id).toBe(found[7]!.person.id);
  });
});
