/**
 * Commands per unit of work from the snapshots of bench/mongo-commands.mjs or bench/redis-commands.mjs: the
 * difference between the last snapshot at or before `from` and the first at or after `to` (epoch ms, e.g. a
 * benchmark report's `fanout_from_ms` / `fanout_to_ms`), divided by `units`, by key, largest first.
 *
 *   npx tsx bench/command-counts.ts /tmp/mongo-commands.jsonl <from> <to> <units>
 */
import { readFileSync } from 'node:fs';

const [file, fromArg, toArg, unitsArg] = process.argv.slice(2);
if (!file || !fromArg || !toArg || !unitsArg) throw new Error('usage: command-counts.ts <file.jsonl> <from_ms> <to_ms> <units>');
const [from, to, units] = [Number(fromArg), Number(toArg), Number(unitsArg)];
const snapshots = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { t: number; c: Record<string, number> });
const before = snapshots.filter((s) => s.t <= from).at(-1) ?? { t: 0, c: {} };
const after = snapshots.find((s) => s.t >= to) ?? snapshots.at(-1);
if (!after) throw new Error(`no snapshot in ${file}`);
const rows = Object.entries(after.c)
  .map(([key, n]) => [key, (n - (before.c[key] ?? 0)) / units] as const)
  .filter(([, n]) => n > 0)
  .sort((a, b) => b[1] - a[1]);
const total = rows.reduce((sum, [, n]) => sum + n, 0);
process.stdout.write(`${JSON.stringify({ window_s: (after.t - before.t) / 1000, units, per_unit_total: Number(total.toFixed(3)), per_unit: Object.fromEntries(rows.map(([k, n]) => [k, Number(n.toFixed(3))])) }, null, 2)}\n`);
