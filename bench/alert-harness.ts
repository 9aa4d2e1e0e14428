/**
 * What bench:alerts and bench:alertmanager share: Tandem in a process of its
 * own (bench/checkins-tandem.ts, so a check-in fan-out can be fired in it),
 * an admin token, an on-call team (manager, on-call person, schedule,
 * escalation policy, routing), the check-in fan-out's audience, the
 * open-loop load generator (bench/open-loop.ts), the alerts queue's backlog,
 * and latency figures.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { ClockReport } from './checkins-tandem.js';
import { forkTandem } from './tandem-child.js';
import type { OpenLoopPlan, OpenLoopResult } from './open-loop.js';
import { BENCH_SURVEY_SECRET } from './production.js';
import { seedFanout, seedSlackPeople } from './seed.js';
import type { Team } from '../src/core/people/people.types.js';
import { generateToken, hashToken } from '../src/http/admin/tokens.js';
import { createLogger } from '../src/logger.js';
import { connectMongo } from '../src/store/connection.js';
import { createStore } from '../src/store/index.js';
import { FakeSlack, type FakeSlackCall, type FakeSlackOptions } from '../test/support/fake-slack.js';
import { slackEnv } from '../test/support/slack.js';
import { freePort } from '../test/support/servers.js';
import { dropTestData, isolatedNames } from '../test/support/stack.js';

/** A number from the environment, or the default. */
export const envNumber = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number (got ${raw})`);
  return n;
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const began = Date.now();
/** A progress line on stderr (the report is stdout's). */
export const progress = (message: string): void => {
  process.stderr.write(`[${((Date.now() - began) / 1000).toFixed(1)} s] ${message}\n`);
};

export interface Latency {
  n: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

export function latency(values: number[]): Latency {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (p: number) => {
    const v = sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
    return v === undefined ? null : Math.round(v);
  };
  return { n: sorted.length, p50_ms: at(50), p99_ms: at(99), max_ms: sorted.length ? Math.round(sorted[sorted.length - 1] as number) : null };
}

/** Latency of the items due in each `windowS` seconds of a phase (`dueOffset`: ms from the phase's start). */
export function byWindow<T>(items: readonly T[], windowS: number, dueOffset: (item: T) => number, value: (item: T) => number): ({ from_s: number } & Latency)[] {
  const windows = new Map<number, number[]>();
  for (const item of items) {
    const w = Math.floor(dueOffset(item) / 1000 / windowS) * windowS;
    const list = windows.get(w) ?? [];
    list.push(value(item));
    windows.set(w, list);
  }
  return [...windows].sort(([a], [b]) => a - b).map(([from, values]) => ({ from_s: from, ...latency(values) }));
}

export const loadAverage = () => loadavg().map((l) => Number(l.toFixed(2)));

/** Peak resident set size of a process, in MiB, from /proc. */
export function peakRssMiB(pid: number): number {
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** What the alert benches look for in a message: the bench alert or KPI sample it names. */
const NAMES = /Bench (?:alert [A-Z]+-\d{6}|KPI \d{3} was \d+(?:\.\d+)? )/g;

/**
 * A copy of `s` that holds on to nothing else: V8 keeps a matched substring as a slice of the string it was matched
 * in, so a name kept as matched held its whole message's JSON (~8 KB an alert, 1.5 GB over a full run's three phases).
 */
const detached = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

/**
 * What the fake keeps of each call and webhook over a run of a hundred thousand messages: its channel and the
 * names in it (as `text`), not its Block Kit, so that the fake's heap and its collector's pauses stay small.
 */
const keepNames = (args: Record<string, unknown>): Record<string, unknown> => ({
  channel: typeof args.channel === 'string' ? detached(args.channel) : args.channel,
  text: detached([...new Set(JSON.stringify(args).match(NAMES) ?? [])].join('\n')),
});

/** Text of a chat.postMessage call: its fallback text and its blocks, for matching what a message is about. */
export const messageText = (call: FakeSlackCall): string => `${String(call.args.text ?? '')}\n${JSON.stringify(call.args.blocks ?? '')}`;

/** Earliest instant per key among messages at the fake: `keyOf` names what a message is about (or null). */
export function firstArrivals<T extends { at: number }>(items: readonly T[], keyOf: (item: T) => string | null): Map<string, number> {
  const first = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === null) continue;
    const seen = first.get(key);
    if (seen === undefined || item.at < seen) first.set(key, item.at);
  }
  return first;
}

/** Prompts of the check-in fan-out that reached the fake (DMs to seeded people 0 .. people - 1) in [from, to]. */
export const promptsBetween = (fake: FakeSlack, people: number, from: number, to: number): number =>
  fake.callsTo('chat.postMessage').filter((c) => c.at >= from && c.at <= to && /^D\d{6}$/.test(String(c.args.channel)) && Number(String(c.args.channel).slice(1)) < people).length;

/** Sends a plan through the load generator and waits for every answer. */
export function runOpenLoop(generator: ChildProcess, plan: OpenLoopPlan): Promise<OpenLoopResult> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`the load generator exited with code ${code}`));
    generator.once('exit', exited);
    generator.once('message', (result) => {
      generator.off('exit', exited);
      resolve(result as OpenLoopResult);
    });
    generator.send(plan);
  });
}

/** HTTP figures of one open-loop run: answered per status, request latency from when each was due, achieved rate. */
export function httpFigures(plan: OpenLoopPlan, result: OpenLoopResult) {
  const statuses: Record<string, number> = {};
  for (const s of result.status) statuses[String(s)] = (statuses[String(s)] ?? 0) + 1;
  const ok = result.status.filter((s) => s >= 200 && s < 300).length;
  const lastDone = Math.max(...result.doneAt.filter(Number.isFinite), result.startedAt);
  const offeredS = (plan.requests.at(-1)?.dueMs ?? 0) / 1000;
  return {
    requests: plan.requests.length,
    statuses,
    request_latency: latency(plan.requests.map((r, i) => (result.doneAt[i] as number) - (result.startedAt + r.dueMs))),
    offered_window_s: Number(offeredS.toFixed(1)),
    answered_window_s: Number(((lastDone - result.startedAt) / 1000).toFixed(1)),
    max_outstanding_requests: result.maxOutstanding,
    lastDone,
    ok,
  };
}

/** Tandem in its own process, reached over HTTP on `url` and over IPC. */
export interface TandemProcess {
  url: string;
  pid: number;
  /** Tandem's instant = Date.now() + clockOffsetMs (its clock starts on a Friday afternoon, when everyone is due a check-in). */
  clockOffsetMs: number;
  fire(teamIds: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startTandemProcess(fake: FakeSlack, names: { mongoUri: string; redisUrl: string; prefix: string }): Promise<TandemProcess> {
  const port = await freePort();
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const env = {
    ...process.env,
    ...slackEnv(fake),
    NODE_ENV: 'production',
    SURVEY_SECRET: BENCH_SURVEY_SECRET,
    PORT: String(port),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    MONGODB_URI: names.mongoUri,
    REDIS_URL: names.redisUrl,
    QUEUE_PREFIX: names.prefix,
    TEAMS_ENABLED: 'false',
    CONSOLE_ENABLED: 'false',
  };
  const { child, exited, next, ask } = forkTandem(env, nodeArgs);
  await next<'ready'>();
  const { clockOffsetMs } = await ask<ClockReport>('clock');
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    clockOffsetMs,
    fire: async (teamIds) => {
      await ask<'fired'>({ fire: teamIds });
    },
    stop: async () => {
      if (child.connected) child.send('stop');
      else if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export type Api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => Promise<T>;

/** The admin API with a bearer token; throws with Tandem's answer on anything but 2xx. */
export const adminApi =
  (url: string, token: string): Api =>
  async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : {}) as T;
  };

/** The team alerts go to: a manager (today's DM), an on-call person with a schedule, a policy that pages them first, and routing to it. */
export interface AlertOrg {
  team: Team;
  managerId: string;
  onCallId: string;
  scheduleId: string;
  policyId: string;
}

const BENCH_SCOPES = ['kpis:read', 'kpis:write', 'oncall:read', 'oncall:write', 'integrations:read', 'integrations:write', 'alerts:read'];
/** Seeded index of the alert team's people (Slack users U990000, U990001), far from the fan-out's 0 .. N - 1. */
const ORG_PEOPLE_FROM = 990_000;

/** Everything a run needs in Tandem's database and queues, dropped by `close()`. */
export interface BenchStack {
  fake: FakeSlack;
  conn: Connection;
  store: ReturnType<typeof createStore>;
  tandem: TandemProcess;
  api: Api;
  /** The admin token (scopes: kpis, oncall, integrations, alerts). */
  token: string;
  org: AlertOrg;
  /** The check-in fan-out's teams (empty when BENCH_FANOUT_PEOPLE=0). */
  fanoutTeams: Team[];
  names: { mongoUri: string; redisUrl: string; prefix: string };
  close(): Promise<void>;
}

export async function startStack(fake: FakeSlack, fanoutPeople: number): Promise<BenchStack> {
  const { mongoUri, prefix } = isolatedNames('bench');
  const names = { mongoUri, prefix, redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
  const conn = await connectMongo(mongoUri, createLogger('error'));
  let tandem: TandemProcess | undefined;
  const close = async () => {
    await tandem?.stop();
    await conn.close();
    await dropTestData({ MONGODB_URI: mongoUri, REDIS_URL: names.redisUrl, QUEUE_PREFIX: prefix });
  };
  // Interrupted (Ctrl-C, a timeout): still stop Tandem and drop the database and queue keys.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping Tandem and dropping the benchmark's data`);
      void close().finally(() => process.exit(130));
    });
  }
  try {
    progress(`starting Tandem (database ${new URL(mongoUri).pathname.slice(1)})`);
    tandem = await startTandemProcess(fake, names);
    progress('Tandem ready; setting up the on-call team');
    const store = createStore(conn);
    const token = generateToken();
    await store.tokens.create({ name: 'bench', hash: hashToken(token), scopes: BENCH_SCOPES });
    const api = adminApi(tandem.url, token);
    const [managerId, onCallId] = (await seedSlackPeople(store, 2, ORG_PEOPLE_FROM)) as [string, string];
    const team = await store.teams.create({ name: 'Bench on-call', managerId, memberIds: [managerId, onCallId] });
    // The rotation started weeks before Tandem's clock (2026-11-27), so the on-call person covers the whole run.
    const schedule = await api<{ id: string }>('POST', '/schedules', { teamId: team.id, name: 'Bench primary', timeZone: 'UTC', layers: [{ name: 'primary', people: [onCallId], shift: 'P1W', handoff: '09:00', start: '2026-11-02' }] });
    const policy = await api<{ id: string }>('POST', '/escalation-policies', { name: 'Bench: page on-call', steps: [{ delayMinutes: 0, target: { kind: 'oncall', scheduleId: schedule.id } }], repeat: 0, urgency: 'high' });
    await api('PUT', '/escalation-routing', { rules: [{ teamId: team.id, policyId: policy.id }], defaultPolicyId: policy.id });
    if (fanoutPeople > 0) progress(`seeding ${fanoutPeople} people for the check-in fan-out`);
    const fanoutTeams = fanoutPeople > 0 ? await seedFanout(store, fanoutPeople) : [];
    return { fake, conn, store, tandem, api, token, org: { team, managerId, onCallId, scheduleId: schedule.id, policyId: policy.id }, fanoutTeams, names, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Jobs of the `kpis` queue not yet done (waiting, prioritized, active),
 * sampled every 250 ms: the detection backlog. Delayed jobs are left out:
 * the stale check's recurring job is always there, waiting for its time.
 */
export class BacklogSampler {
  private readonly queue: Queue;
  private readonly connection: Redis;
  private timer: NodeJS.Timeout | undefined;
  max = 0;
  last = 0;

  constructor(names: { redisUrl: string; prefix: string }) {
    this.connection = new Redis(names.redisUrl, { maxRetriesPerRequest: null });
    this.queue = new Queue('kpis', { connection: this.connection, prefix: names.prefix });
  }

  async count(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'active');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  start(): void {
    this.max = 0;
    const tick = async () => {
      this.last = await this.count();
      this.max = Math.max(this.max, this.last);
      this.timer = setTimeout(() => void tick(), 250);
    };
    void tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Waits until the queue is empty; returns when it was (epoch ms), or null at the deadline. */
  async waitEmpty(deadline: number): Promise<number | null> {
    while (Date.now() < deadline) {
      if ((await this.count()) === 0) return Date.now();
      await sleep(50);
    }
    return null;
  }

  async close(): Promise<void> {
    this.stop();
    await this.queue.close();
    this.connection.disconnect();
  }
}

/**
 * What a phase cost the server: CPU seconds while the load was sent (call
 * `sent()` when the last answer came), its peak RSS and the load average
 * before and after (read by `figures()` once the phase has drained).
 */
export class PhaseMeter {
  private readonly loadBefore = loadAverage();
  private readonly cpuBefore: number;
  private cpuWhileSending = NaN;

  constructor(private readonly pid: number) {
    this.cpuBefore = cpuSeconds(pid);
  }

  sent(): void {
    this.cpuWhileSending = cpuSeconds(this.pid) - this.cpuBefore;
  }

  /**
   * The report's fields, named after the server (`tandem_cpu_s_while_sending`, `server_peak_rss_mib`, ...);
   * `*_cpu_s_through_drain` is the CPU from the phase's start to this call (the work of every message drained).
   */
  figures<P extends string>(prefix: P): Record<`${P}_cpu_s_while_sending` | `${P}_cpu_s_through_drain` | `${P}_peak_rss_mib`, number> & { load_average: { before: number[]; after: number[] } } {
    const out = {
      [`${prefix}_cpu_s_while_sending`]: Number(this.cpuWhileSending.toFixed(1)),
      [`${prefix}_cpu_s_through_drain`]: Number((cpuSeconds(this.pid) - this.cpuBefore).toFixed(1)),
      [`${prefix}_peak_rss_mib`]: peakRssMiB(this.pid),
    } as Record<`${P}_cpu_s_while_sending` | `${P}_cpu_s_through_drain` | `${P}_peak_rss_mib`, number>;
    return { ...out, load_average: { before: this.loadBefore, after: loadAverage() } };
  }
}

/** What a bench's run hands to its phases. */
export interface BenchRun {
  s: BenchStack;
  generator: ChildProcess;
  backlog: BacklogSampler;
}

/** A bench's outcome: printed as JSON on stdout, the exit code 0 only when the verdict is PASS. */
export interface BenchOutcome {
  reports: unknown[];
  target: string;
  verdict: string;
}

/**
 * Runs an alert bench: the fake Slack API, the stack (Tandem, the on-call
 * team, the fan-out's audience when asked), the load generator and the
 * backlog sampler; then `body`, whose outcome is printed as
 * `{bench, reports, target, verdict}`; and everything stopped and dropped,
 * whatever happened.
 */
export function runAlertBench(bench: string, o: { slack?: FakeSlackOptions; fanoutPeople: number }, body: (run: BenchRun) => Promise<BenchOutcome>): void {
  const main = async () => {
    const fake = await FakeSlack.start({ ...o.slack, keep: keepNames });
    const s = await startStack(fake, o.fanoutPeople);
    const generator = fork('bench/open-loop.ts', { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const backlog = new BacklogSampler(s.names);
    try {
      const { reports, target, verdict } = await body({ s, generator, backlog });
      process.stdout.write(`${JSON.stringify({ bench, reports, target, verdict }, null, 2)}\n`);
      process.exitCode = verdict === 'PASS' ? 0 : 1;
    } finally {
      generator.disconnect();
      await backlog.close();
      await s.close();
      await fake.close();
    }
  };
  main().catch((err: unknown) => {
    process.stderr.write(`bench:${bench} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
