/**
 * Tandem for bench:checkins, in a process of its own so that its memory is
 * measured alone (the fake Slack API, the seeding and the measuring stay in
 * the parent). It is `startTandem` from src/main.ts with its config from the
 * environment and one difference: its clock runs from BENCH_CLOCK_START
 * (a Friday afternoon, when everyone is due), as the in-process benchmark's
 * injected clock did.
 *
 * IPC, parent → child: `{ fire: teamIds }` queues the check-in scheduler's job
 * twice per team (a duplicate firing); `'memory'` answers with the peak heap
 * seen (sampled every 100 ms); `'clock'` answers with how far Tandem's clock
 * is ahead of this machine's (Tandem's instant = Date.now() + clockOffsetMs);
 * `'stop'` stops Tandem, and the process then ends by itself. Child → parent:
 * `'ready'`, `'fired'`, the memory and clock reports. The alert benchmarks
 * (bench/alerts.ts, bench/alertmanager.ts) run Tandem through it too.
 *
 * It runs the compiled JavaScript in BENCH_TANDEM_DIST (the outDir of
 * `tsc -p tsconfig.build.json`), as `npm start` does: bench/tandem-child.ts
 * builds `dist` and sets it unless BENCH_TANDEM_SRC=1, which runs src/ through
 * tsx.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as ConfigModule from '../src/config.js';
import type * as MainModule from '../src/main.js';

export interface HeapReport {
  peakHeapUsedMiB: number;
  peakHeapTotalMiB: number;
  heapUsedNowMiB: number;
}

export interface ClockReport {
  clockOffsetMs: number;
}

export type ChildMessage = { fire: string[] } | 'memory' | 'clock' | 'stop';

const MiB = 1024 * 1024;
const start = Date.parse(process.env.BENCH_CLOCK_START ?? '2026-11-27T15:00:00Z');
const bootedAt = Date.now();
const clock = { now: () => new Date(start + (Date.now() - bootedAt)) };

let peakHeapUsed = 0;
let peakHeapTotal = 0;
const sampler = setInterval(() => {
  const { heapUsed, heapTotal } = process.memoryUsage();
  peakHeapUsed = Math.max(peakHeapUsed, heapUsed);
  peakHeapTotal = Math.max(peakHeapTotal, heapTotal);
}, 100);

const dist = process.env.BENCH_TANDEM_DIST;
const load = <T>(module: string, fallback: () => Promise<T>): Promise<T> =>
  dist ? (import(pathToFileURL(resolve(dist, 'src', module)).href) as Promise<T>) : fallback();
const { loadConfig } = await load<typeof ConfigModule>('config.js', () => import('../src/config.js'));
const { startTandem } = await load<typeof MainModule>('main.js', () => import('../src/main.js'));
const tandem = await startTandem(loadConfig(), { clock });
process.send?.('ready');

process.on('message', (message: ChildMessage) => {
  if (message === 'memory') {
    const report: HeapReport = { peakHeapUsedMiB: peakHeapUsed / MiB, peakHeapTotalMiB: peakHeapTotal / MiB, heapUsedNowMiB: process.memoryUsage().heapUsed / MiB };
    process.send?.(report);
  } else if (message === 'clock') {
    const report: ClockReport = { clockOffsetMs: start - bootedAt };
    process.send?.(report);
  } else if (message === 'stop') {
    clearInterval(sampler);
    void tandem.stop().then(() => process.disconnect());
  } else {
    void (async () => {
      for (const teamId of message.fire) {
        await tandem.jobs.enqueue('checkin.fire', { teamId, timeZone: 'UTC' }, { jobId: `bench.fire:${teamId}:a` });
        await tandem.jobs.enqueue('checkin.fire', { teamId, timeZone: 'UTC' }, { jobId: `bench.fire:${teamId}:b` });
      }
      process.send?.('fired');
    })();
  }
});
