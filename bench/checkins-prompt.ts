/**
 * Benchmark: one weekly check-in prompt to 10,000 people through the fake
 * Slack Web API, which enforces a token-bucket rate limit on chat.postMessage
 * and answers 429 + Retry-After when it is exceeded.
 *
 *   npm run bench:checkins                      # 10,000 people, 50 messages/s
 *   BENCH_PEOPLE=2000 BENCH_RATE=100 npm run bench:checkins
 *   FERRETDB_PID=<pid> npm run bench:checkins   # FerretDB's CPU per prompt too (a FerretDB no one else uses)
 *
 * The path is the production one: the check-in scheduler job ("checkin.fire",
 * fired twice to show de-duplication) queues one "checkin.prompt" job per
 * person on BullMQ; the workers create the check-in (unique per person and ISO
 * week) and DM through the Messenger and SlackChat (conversations.open +
 * chat.postMessage); the WebClient waits out 429s. Needs the local stack
 * (npm run stack:start). Prints a JSON report and exits non-zero when a
 * prompt is lost or duplicated or the rate is under 95 % of the limit.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { HeapReport } from './checkins-tandem.js';
import { forkTandem } from './tandem-child.js';
import { createLogger } from '../src/logger.js';
import { connectMongo } from '../src/store/connection.js';
import { createStore } from '../src/store/index.js';
import { FakeSlack } from '../test/support/fake-slack.js';
import { slackEnv } from '../test/support/slack.js';
import { BENCH_SURVEY_SECRET } from './production.js';
import { dmChannel, seedFanout } from './seed.js';
import { dropTestData, isolatedNames } from '../test/support/stack.js';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? Math.max(120_000, (PEOPLE / RATE) * 3_000));
/** Node flags for Tandem's process; the default is the limit the fan-out must fit in. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '--max-old-space-size=256').split(' ').filter(Boolean);
const RSS_TARGET_MIB = 300;
/** FerretDB's process, whose CPU through the fan-out is reported per prompt when set. */
const FERRETDB_PID = Number(process.env.FERRETDB_PID ?? 0);

/** CPU time a process has used so far (user + system, all its threads), in ms, from /proc (10 ms resolution). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Peak and current resident set size of a process, in MiB, from /proc. */
function memory(pid: number): { peakMiB: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
}

/**
 * The seconds of sending the bucket threw away (it was full while nothing was sent), replayed from the fake's
 * chat.postMessage calls: while a refused message had not been sent yet (Slack's pacing: Retry-After and any retry
 * timeout after it), and otherwise (Tandem not sending as fast as the limit).
 */
function fullBucket(calls: readonly { status: number; at: number; args: Record<string, unknown> }[], rate: number): { afterRefusalS: number; otherwiseS: number } {
  let tokens = rate;
  let at = calls[0]?.at ?? 0;
  const waiting = new Set<unknown>();
  const lost = { afterRefusalS: 0, otherwiseS: 0 };
  for (const call of calls) {
    tokens += ((call.at - at) / 1000) * rate;
    at = call.at;
    if (tokens > rate) {
      if (waiting.size > 0) lost.afterRefusalS += (tokens - rate) / rate;
      else lost.otherwiseS += (tokens - rate) / rate;
      tokens = rate;
    }
    if (call.status === 429) waiting.add(call.args.channel);
    else {
      tokens -= 1;
      waiting.delete(call.args.channel);
    }
  }
  return lost;
}

async function main(): Promise<void> {
  const fake = await FakeSlack.start({ rateLimit: { perSecond: RATE, methods: ['chat.postMessage'] } });
  const { mongoUri, prefix } = isolatedNames('bench');
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const env = { ...process.env, ...slackEnv(fake), NODE_ENV: 'production', SURVEY_SECRET: BENCH_SURVEY_SECRET, PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'error', MONGODB_URI: mongoUri, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false' };
  const { child, exited, next, ask } = forkTandem(env, NODE_ARGS);
  const conn = await connectMongo(mongoUri, createLogger('error'));
  try {
    await next<'ready'>();
    const pid = child.pid as number;
    const idle = memory(pid);
    let peakRss = idle.rssMiB;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, memory(pid).rssMiB);
    }, 100);

    // Seed people, their Slack identities and teams of at most 5,000 in bulk, from this process.
    const teams = await seedFanout(createStore(conn), PEOPLE);
    fake.reset();

    const started = Date.now();
    const cpuAtFire = cpuMs(pid);
    const ferretAtFire = FERRETDB_PID ? cpuMs(FERRETDB_PID) : NaN;
    await ask<'fired'>({ fire: teams.map((team) => team.id) });
    const deadline = started + TIMEOUT_MS;
    while (fake.callsTo('chat.postMessage').length < PEOPLE && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    const finished = Date.now();
    const cpuOfFanout = cpuMs(pid) - cpuAtFire;
    const ferretOfFanout = FERRETDB_PID ? cpuMs(FERRETDB_PID) - ferretAtFire : NaN;
    // Give stragglers (a duplicate would be one) time to show up.
    await new Promise((r) => setTimeout(r, 3_000));
    clearInterval(sampler);
    const heap = await ask<HeapReport>('memory');
    const { peakMiB } = memory(pid);
    const posts = fake.callsTo('chat.postMessage');
    const perChannel = new Map<string, number>();
    for (const p of posts) perChannel.set(String(p.args.channel), (perChannel.get(String(p.args.channel)) ?? 0) + 1);
    let lost = 0;
    let duplicated = 0;
    for (let i = 0; i < PEOPLE; i += 1) {
      const n = perChannel.get(dmChannel(i)) ?? 0;
      if (n === 0) lost += 1;
      if (n > 1) duplicated += n - 1;
    }
    const checkins = await conn.collection('checkins').countDocuments({ period: '2026-W48' });
    const first = posts[0]?.at ?? started;
    const last = posts.at(-1)?.at ?? finished;
    const windowS = Math.max(0.001, (last - first) / 1000);
    // The most the bucket could let through in that window: its initial burst plus the refill.
    const allowed = RATE + RATE * windowS;
    const thrown = fullBucket(fake.calls.filter((c) => c.method === 'chat.postMessage'), RATE);
    const report = {
      people: PEOPLE,
      limit_per_s: RATE,
      total_s: Number(((last - started) / 1000).toFixed(1)),
      send_window_s: Number(windowS.toFixed(1)),
      achieved_per_s: Number((posts.length / windowS).toFixed(1)),
      rate_of_limit_pct: Number(((100 * posts.length) / allowed).toFixed(1)),
      responses_429: fake.rateLimited,
      bucket_full_after_429_s: Number(thrown.afterRefusalS.toFixed(1)),
      bucket_full_otherwise_s: Number(thrown.otherwiseS.toFixed(1)),
      prompts_sent: posts.length,
      lost,
      duplicated,
      checkins_created: checkins,
      tandem_cpu_ms_per_prompt: Number((cpuOfFanout / Math.max(1, posts.length)).toFixed(2)),
      ...(FERRETDB_PID ? { ferretdb_cpu_ms_per_prompt: Number((ferretOfFanout / Math.max(1, posts.length)).toFixed(2)) } : {}),
      fanout_from_ms: started,
      fanout_to_ms: finished,
      tandem_node_args: NODE_ARGS.join(' '),
      tandem_rss_ready_mib: Math.round(idle.rssMiB),
      tandem_peak_rss_mib: Math.round(Math.max(peakMiB, peakRss)),
      tandem_peak_heap_used_mib: Math.round(heap.peakHeapUsedMiB),
      tandem_peak_heap_total_mib: Math.round(heap.peakHeapTotalMiB),
      tandem_heap_used_at_end_mib: Math.round(heap.heapUsedNowMiB),
      load_average: loadavg().map((l) => Number(l.toFixed(2))),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = lost === 0 && duplicated === 0 && checkins === PEOPLE && report.rate_of_limit_pct >= 95 && report.tandem_peak_rss_mib < RSS_TARGET_MIB ? 0 : 1;
  } finally {
    if (child.connected) child.send('stop');
    else child.kill('SIGTERM');
    await exited;
    await conn.close();
    await fake.close();
    await dropTestData({ MONGODB_URI: mongoUri, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
