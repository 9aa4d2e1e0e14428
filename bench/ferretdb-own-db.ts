/**
 * Benchmark: what a database of its own buys a few urgent writes while bulk
 * writes keep the server busy (src/store/databases.ts; FerretDB runs one
 * database's writes one at a time, tools/ferretdb/_patch/tandem_serialise_writes.go).
 *
 *   FERRETDB_PID=<pid> MONGODB_URI=mongodb://127.0.0.1:27317/tandem npm run bench:ferretdb-own-db
 *
 * BENCH_CONCURRENCY (64) bulk writers insert sample-sized documents into
 * `<db>_bulk.samples` and `$inc` one of 100 tail documents in turn, for
 * BENCH_SECONDS (20). Every BENCH_PROBE_MS (25 ms) an "alert" is written
 * as a breach writes it — a dedup key inserted, the alert inserted, the alert
 * updated by `_id`, in series — alternately in the bulk writers' database
 * (`same`) and in `<db>_bulk_alerts` (`own`): both see the same load at the
 * same moments, so the difference is the wait in the one writer's queue.
 * Reports each target's latency p50 / p99, the bulk writes per second and
 * FerretDB's CPU seconds (with FERRETDB_PID). The databases are dropped.
 */
import { readFileSync } from 'node:fs';
import mongoose from 'mongoose';

const BASE_URI = new URL(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/tandem');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PROBE_MS = Number(process.env.BENCH_PROBE_MS ?? 25);
const FERRETDB_PID = Number(process.env.FERRETDB_PID ?? 0);
const TAILS = 100;

const pct = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ?? NaN;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** User and system CPU seconds of a process so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  if (!pid) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  const name = `${BASE_URI.pathname.slice(1)}_bench_owndb_${process.pid}`;
  const conn = await mongoose.createConnection(BASE_URI.toString(), { maxPoolSize: CONCURRENCY + 8, autoIndex: false }).asPromise();
  const bulk = conn.useDb(`${name}_bulk`, { useCache: true });
  const own = conn.useDb(`${name}_bulk_alerts`, { useCache: true });
  try {
    const samples = bulk.collection('samples');
    const tails = bulk.collection<{ _id: string; n: number }>('tails');
    await tails.insertMany(Array.from({ length: TAILS }, (_, i) => ({ _id: `t${i}`, n: 0 })));
    // Collections exist before timing starts (creating one takes the database's writer too).
    for (const db of [bulk, own]) for (const c of ['open_alerts', 'alerts']) await db.collection(c).insertOne({ _id: new mongoose.Types.ObjectId(), warm: true });

    let stop = false;
    let bulkWrites = 0;
    const payload = 'x'.repeat(300);
    const writers = Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = 0; !stop; i += 1) {
        await samples.insertOne({ kpi: `k${w}`, at: new Date(), value: i, payload });
        await tails.updateOne({ _id: `t${(w + i) % TAILS}` }, { $inc: { n: 1 } });
        bulkWrites += 2;
      }
    });

    const latencies: Record<'same' | 'own', number[]> = { same: [], own: [] };
    const cpuBefore = cpuSeconds(FERRETDB_PID);
    const started = performance.now();
    let n = 0;
    const probes: Promise<void>[] = [];
    while (performance.now() - started < SECONDS * 1000) {
      const target = n % 2 === 0 ? 'same' : 'own';
      const db = target === 'same' ? bulk : own;
      const key = `events:probe:${n}`;
      n += 1;
      probes.push(
        (async () => {
          const t0 = performance.now();
          const _id = new mongoose.Types.ObjectId();
          await db.collection<{ _id: string; alertId: string }>('open_alerts').insertOne({ _id: key, alertId: _id.toString() });
          const alerts = db.collection<{ _id: mongoose.Types.ObjectId; key: string; status: string; timeline: string[]; count: number }>('alerts');
          await alerts.insertOne({ _id, key, status: 'open', timeline: ['opened'], count: 1 });
          await alerts.updateOne({ _id }, { $push: { timeline: 'escalation started' } });
          latencies[target].push(performance.now() - t0);
        })(),
      );
      await sleep(PROBE_MS);
    }
    stop = true;
    await Promise.all([...writers, ...probes]);
    const elapsed = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(FERRETDB_PID) - cpuBefore;
    const figures = (v: number[]) => ({ n: v.length, p50_ms: Math.round(pct(v, 50)), p99_ms: Math.round(pct(v, 99)), max_ms: Math.round(Math.max(...v)) });
    console.log(
      JSON.stringify(
        {
          bench: 'ferretdb-own-db',
          concurrency: CONCURRENCY,
          seconds: SECONDS,
          bulk_writes_per_s: Math.round(bulkWrites / elapsed),
          alert_in_same_database: figures(latencies.same),
          alert_in_own_database: figures(latencies.own),
          ferretdb_cpu_s: Number.isNaN(cpu) ? null : Math.round(cpu * 10) / 10,
          load_average: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
        },
        null,
        2,
      ),
    );
  } finally {
    await bulk.dropDatabase();
    await own.dropDatabase();
    await conn.close();
  }
}

await main();
