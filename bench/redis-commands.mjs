/**
 * Redis commands counted in a process, per command (a Lua script by its BullMQ name, e.g. `lua:addStandardJob`),
 * through ioredis's `sendCommand`, which pipelines and MULTIs go through one command at a time; a cumulative
 * snapshot `{t, c}` is appended to REDIS_COUNT_OUT (/tmp/redis-commands.jsonl) every second and at exit, as
 * bench/mongo-commands.mjs does for MongoDB. Loaded into Tandem's process by the benchmarks:
 *
 *   BENCH_NODE_ARGS="--max-old-space-size=256 --import ./bench/redis-commands.mjs" npm run bench:checkins
 *
 * Blocking reads of idle workers are counted too (`bzpopmin`): compare a fan-out's figures, not an idle process's.
 */
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { setInterval } from 'node:timers';
import { Redis } from 'ioredis';

const scripts = new Map();
const defineCommand = Redis.prototype.defineCommand;
Redis.prototype.defineCommand = function (name, definition) {
  scripts.set(createHash('sha1').update(definition.lua).digest('hex'), name);
  return defineCommand.call(this, name, definition);
};
const counts = new Map();
const sendCommand = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (command, stream) {
  const script = command.name === 'evalsha' || command.name === 'eval' ? scripts.get(String(command.args[0])) : undefined;
  const key = script ? `lua:${script.replace(/-\d+$/, '')}` : command.name;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  return sendCommand.call(this, command, stream);
};
const out = process.env.REDIS_COUNT_OUT ?? '/tmp/redis-commands.jsonl';
const snapshot = () => appendFileSync(out, `${JSON.stringify({ t: Date.now(), c: Object.fromEntries(counts) })}\n`);
setInterval(snapshot, 1_000).unref();
process.on('exit', snapshot);
