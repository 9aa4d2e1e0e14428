/**
 * Benchmark: write throughput of the MongoDB-compatible server at MONGODB_URI
 * (default: the local FerretDB), to measure what applying each write to one
 * document atomically costs (scripts/stack.sh, the atomic writes patch).
 *
 *   npm run bench:ferretdb
 *   MONGODB_URI=mongodb://127.0.0.1:27117/tandem BENCH_CONCURRENCY=64 npm run bench:ferretdb
 *
 * Each workload keeps BENCH_CONCURRENCY operations in flight on one
 * connection pool until BENCH_OPS are done, in a database of its own that is
 * dropped at the end; each runs BENCH_ROUNDS times and the median is reported.
 * Workloads: `insertOne` of new documents; `updateOne` `$inc` by `_id` spread
 * over 500 documents; `updateOne` `$inc` on one hot document;
 * `findOneAndUpdate` `$inc` by `_id` over 500 documents. The hot workload also
 * reports `lost_increments` (0 when single-document writes are atomic).
 */
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';

const BASE_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/tandem';
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const OPS = Number(process.env.BENCH_OPS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SPREAD = 500;

type Doc = { _id: string; n: number };
type Collection = mongoose.mongo.Collection<Doc>;

/** Runs `op(i)` for i in [0, OPS) with CONCURRENCY in flight; returns operations per second. */
async function throughput(op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < OPS) await op(next++);
    }),
  );
  return Math.round((OPS * 1000) / (performance.now() - started));
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function seed(things: Collection, count: number): Promise<void> {
  await things.insertMany(Array.from({ length: count }, (_, i) => ({ _id: `d${i}`, n: 0 })));
}

const workloads: Record<string, (things: Collection) => Promise<{ perSecond: number; lost?: number }>> = {
  insert: async (things) => ({ perSecond: await throughput((i) => things.insertOne({ _id: `new${i}`, n: i })) }),
  update_spread: async (things) => {
    await seed(things, SPREAD);
    return { perSecond: await throughput((i) => things.updateOne({ _id: `d${i % SPREAD}` }, { $inc: { n: 1 } })) };
  },
  update_hot: async (things) => {
    await seed(things, 1);
    const perSecond = await throughput(() => things.updateOne({ _id: 'd0' }, { $inc: { n: 1 } }));
    const doc = await things.findOne({ _id: 'd0' });
    return { perSecond, lost: OPS - (doc?.n ?? 0) };
  },
  find_and_modify_spread: async (things) => {
    await seed(things, SPREAD);
    return { perSecond: await throughput((i) => things.findOneAndUpdate({ _id: `d${i % SPREAD}` }, { $inc: { n: 1 } })) };
  },
};

async function main(): Promise<void> {
  const url = new URL(BASE_URI);
  url.pathname = `/tandem_bench_writes_${randomBytes(4).toString('hex')}`;
  const conn = await mongoose.createConnection(url.toString(), { maxPoolSize: CONCURRENCY }).asPromise();
  const info = await conn.db!.admin().command({ buildInfo: 1 });
  const report: Record<string, unknown> = {
    server: 'ferretdbVersion' in info ? 'FerretDB' : `MongoDB ${String(info.version)}`,
    uri_port: url.port,
    concurrency: CONCURRENCY,
    ops: OPS,
    rounds: ROUNDS,
  };
  try {
    for (const [name, run] of Object.entries(workloads)) {
      const rates: number[] = [];
      let lost = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const things = conn.db!.collection<Doc>(`${name}_${round}`);
        const result = await run(things);
        rates.push(result.perSecond);
        lost = Math.max(lost, result.lost ?? 0);
        await things.drop();
      }
      report[`${name}_per_s`] = median(rates);
      if (name === 'update_hot') report.update_hot_lost_increments = lost;
    }
  } finally {
    await conn.dropDatabase();
    await conn.close();
  }
  console.log(JSON.stringify(report, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
