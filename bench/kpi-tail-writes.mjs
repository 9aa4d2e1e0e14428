/**
 * What FerretDB spends on a KPI tail's two writes per sample request (the lease, which returns the tail, and the
 * judged tail given back), by the size and encoding of its `recent` entries (`VARIANTS`: `[size, ISO instants,
 * packed in one string]`; Tandem writes them packed, base 36): 20 tails, 400 requests per variant,
 * FerretDB's own CPU read from /proc (so every client's work in it: run it on a quiet moment, and more than once).
 *
 *   FERRETDB_PID=$(pgrep -f 'ferretdb -listen 127.0.0.1:27017') node bench/kpi-tail-writes.mjs
 */
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { MongoClient } from 'mongodb';

const pid = process.env.FERRETDB_PID;
if (!pid) throw new Error('set FERRETDB_PID to the FerretDB process');
const cpu = () => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const client = await MongoClient.connect(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017');
const db = client.db('tandem_test_bench_tail_writes');
const tails = db.collection('kpi_tails');
const t0 = Date.UTC(2026, 10, 25);
const entry = (i, iso) => `${iso ? new Date(t0 + i * 1000).toISOString() : (t0 + i * 1000).toString(36)}#${97 + (i % 7)}`;
const N = 400;

async function run(size, iso, packed = false) {
  await tails.deleteMany({});
  const list = (from) => Array.from({ length: size }, (_, i) => entry(from + i, iso));
  const recent = (from) => (packed ? list(from).join(',') : list(from));
  await tails.insertMany(Array.from({ length: 20 }, (_, k) => ({ _id: `k${k}`, pending: [], recent: recent(0), complete: true, openRules: [], dataErrors: [], built: true, leaseHolder: null, leaseUntil: null })));
  const before = cpu();
  for (let i = 0; i < N; i++) {
    const _id = `k${i % 20}`;
    await tails.findOneAndUpdate({ _id, $or: [{ leaseUntil: null }, { leaseUntil: { $lte: new Date() } }] }, { $set: { leaseHolder: 'h', leaseUntil: new Date(Date.now() + 60_000) } }, { upsert: true, returnDocument: 'after' });
    await tails.findOneAndUpdate({ _id, leaseHolder: 'h' }, { $set: { recent: recent(i), leaseHolder: null, leaseUntil: null }, $pullAll: { pending: [] } }, { returnDocument: 'after' });
  }
  return { recent: size, instants: iso ? 'ISO' : 'base 36', packed, ferretdb_cpu_ms_per_request: Math.round(((cpu() - before) * 1000 * 100) / N) / 100 };
}

try {
  for (let rep = 0; rep < Number(process.env.REPS ?? 3); rep++) for (const [size, iso, packed] of JSON.parse(process.env.VARIANTS ?? '[[96, false], [96, false, true], [56, false], [0, false]]')) process.stdout.write(`${JSON.stringify(await run(size, iso, packed))}\n`);
} finally {
  await db.dropDatabase();
  await client.close();
}
