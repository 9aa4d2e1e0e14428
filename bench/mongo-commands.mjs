/**
 * MongoDB commands counted in a process, per collection and method, through
 * mongoose's debug hook; a cumulative snapshot `{t, c}` is appended to
 * MONGO_COUNT_OUT (/tmp/mongo-commands.jsonl) every second and at exit, so
 * the commands of a phase are the difference of two snapshots. Loaded into
 * Tandem's process by the alert benchmarks:
 *
 *   BENCH_NODE_ARGS="--import ./bench/mongo-commands.mjs" BENCH_PHASES=alone BENCH_BATCH=10 npm run bench:alerts
 *
 * Plain JavaScript: BENCH_NODE_ARGS come before tsx's own --import.
 */
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { setInterval } from 'node:timers';
import mongoose from 'mongoose';

const counts = new Map();
mongoose.set('debug', (collection, method) => {
  const key = `${collection}.${method}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
});
const out = process.env.MONGO_COUNT_OUT ?? '/tmp/mongo-commands.jsonl';
const snapshot = () => appendFileSync(out, `${JSON.stringify({ t: Date.now(), c: Object.fromEntries(counts) })}\n`);
setInterval(snapshot, 1_000).unref();
process.on('exit', snapshot);
