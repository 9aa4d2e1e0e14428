/**
 * MongoDB commands and the documents they write, counted in a process at the
 * driver (command monitoring), so that writes made straight through the
 * driver (group commits) are counted as well as mongoose's: per
 * `<collection>.<command>`, the commands, and for insert/update/delete the
 * statements they carry (documents inserted, update and delete statements).
 * A cumulative snapshot `{t, c, s}` is appended to MONGO_OPS_OUT
 * (/tmp/mongo-ops.jsonl) every second and at exit; the work of a phase is the
 * difference of two snapshots (bench/command-counts.ts reads `c`).
 *
 *   BENCH_NODE_ARGS="--import ./bench/mongo-ops.mjs" BENCH_PHASES=tandem npm run bench:alertmanager
 *
 * Plain JavaScript: BENCH_NODE_ARGS come before tsx's own --import.
 */
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { setInterval } from 'node:timers';
import mongoose from 'mongoose';

const commands = new Map();
const statements = new Map();
const STATEMENTS = { insert: 'documents', update: 'updates', delete: 'deletes' };
const createConnection = mongoose.createConnection.bind(mongoose);
mongoose.createConnection = (uri, options) => {
  const conn = createConnection(uri, { ...options, monitorCommands: true });
  conn.on('connected', () =>
    conn.getClient().on('commandStarted', (event) => {
      const name = event.commandName;
      const key = `${event.command[name]}.${name}`;
      commands.set(key, (commands.get(key) ?? 0) + 1);
      const list = STATEMENTS[name] && event.command[STATEMENTS[name]];
      if (Array.isArray(list)) statements.set(key, (statements.get(key) ?? 0) + list.length);
    }),
  );
  return conn;
};
const out = process.env.MONGO_OPS_OUT ?? '/tmp/mongo-ops.jsonl';
const snapshot = () => appendFileSync(out, `${JSON.stringify({ t: Date.now(), c: Object.fromEntries(commands), s: Object.fromEntries(statements) })}\n`);
setInterval(snapshot, 1_000).unref();
process.on('exit', snapshot);
