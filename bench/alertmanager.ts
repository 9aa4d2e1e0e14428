/**
 * bench:alertmanager — the same alerts through Prometheus Alertmanager and
 * through Tandem, each from the POST to its message at the fake Slack API.
 *
 *   npm run bench:alertmanager                                        # 1,000 alerts/s for 60 s, three phases
 *   BENCH_RATE=100 BENCH_SECONDS=10 BENCH_FANOUT_PEOPLE=1000 npm run bench:alertmanager   # a small run
 *
 * Alertmanager v0.35.0 is built from source into .local/bin/alertmanager by
 * bench/alertmanager/build.sh (once; it is never part of the product) and
 * run with a route that sends each alert on its own at once
 * (`group_by: ['...']`, `group_wait: 0s`) to a `slack_configs` receiver whose
 * `api_url` is the fake Slack's incoming webhook. Tandem runs in a process of
 * its own (bench/checkins-tandem.ts) with an on-call team (manager, on-call
 * person, schedule, escalation policy paging the on-call person, routing)
 * and an integration key for it. An open-loop load generator in a third
 * process (bench/open-loop.ts) posts BENCH_RATE alerts a second (1,000) for
 * BENCH_SECONDS (60), one alert per request, each unique ("Bench alert
 * T-000042"), phase after phase (BENCH_PHASES, default all three):
 * - `alertmanager`: `POST /api/v2/alerts` (Prometheus' way in) to Alertmanager;
 * - `tandem`: the same alerts as Alertmanager's webhook payload v4 to Tandem's
 *   intake (`POST /api/v1/integrations/alertmanager`, the key as bearer token);
 * - `fanout`: as `tandem`, while a check-in fan-out to BENCH_FANOUT_PEOPLE
 *   (10,000) people runs, fired as the phase starts.
 * Per phase: HTTP statuses and latency, and from each POST being due to the
 * first message at the fake that names its alert (Alertmanager: the webhook;
 * Tandem: a chat.postMessage, whoever it is sent to: the team's manager today,
 * the on-call person once escalation routes alerts) p50/p99/max and how many
 * never arrived within BENCH_DRAIN_MS (60,000) after the sending; the peak
 * RSS of the server and the load average. Before its first phase each server
 * gets BENCH_WARMUP_S (5) seconds of alerts at the phase's rate, not measured. Target
 * (issue 13): Tandem's p99 at or below Alertmanager's, and < 250 ms, with the
 * fan-out running.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenLoopPlan, OpenLoopRequest } from './open-loop.js';
import { freePort } from '../test/support/servers.js';
import { byWindow, envNumber, firstArrivals, httpFigures, latency, messageText, PhaseMeter, progress, promptsBetween, runAlertBench, runOpenLoop, sleep, type BacklogSampler, type BenchStack } from './alert-harness.js';
import type { FakeSlack } from '../test/support/fake-slack.js';
import { SLACK_TEST_TOKEN } from '../test/support/slack.js';
import { dropTestData } from '../test/support/stack.js';
import { decodeLine } from '../src/store/alerts.codec.js';
import { featureConnection } from '../src/store/databases.js';

const RATE = envNumber('BENCH_RATE', 1_000);
const SECONDS = envNumber('BENCH_SECONDS', 60);
const FANOUT = envNumber('BENCH_FANOUT_PEOPLE', 10_000);
const DRAIN_MS = envNumber('BENCH_DRAIN_MS', 60_000);
const PHASES = (process.env.BENCH_PHASES ?? 'alertmanager,tandem,fanout').split(',').filter((p) => ['alertmanager', 'floor', 'tandem'].includes(p) || (p === 'fanout' && FANOUT > 0));
const AM_BIN = '.local/bin/alertmanager';
const TARGET_MS = 250;
const WARMUP_S = envNumber('BENCH_WARMUP_S', 5);
/** Seconds per window of the latency by window (BENCH_WINDOW_S). */
const WINDOW_S = envNumber('BENCH_WINDOW_S', 10);
const TAG: Record<string, string> = { alertmanager: 'A', floor: 'L', tandem: 'T', fanout: 'F' };
const ALERT_IN_MESSAGE = /Bench alert ([ALTF]-\d{6})/;
const FLOOR_KEY = 'bench-floor-key';

interface BenchAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
}

function alerts(tag: string, count = Math.round(RATE * SECONDS)): BenchAlert[] {
  const startsAt = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => {
    const id = `${tag}-${String(i).padStart(6, '0')}`;
    return { labels: { alertname: 'BenchAlert', severity: 'critical', bench_id: id }, annotations: { summary: `Bench alert ${id}` }, startsAt };
  });
}

const due = (i: number) => (i * 1000) / RATE;

/** Alertmanager's v2 API takes a list of alerts, as Prometheus posts them. */
const toAlertmanager = (list: BenchAlert[]): OpenLoopRequest[] => list.map((a, i) => ({ path: '/api/v2/alerts', body: JSON.stringify([a]), dueMs: due(i) }));

/** What Alertmanager's webhook receiver would post for a group of one alert (payload version 4). */
const toTandem = (list: BenchAlert[]): OpenLoopRequest[] =>
  list.map((a, i) => ({
    path: '/api/v1/integrations/alertmanager',
    dueMs: due(i),
    body: JSON.stringify({
      version: '4',
      groupKey: `{}:{bench_id="${a.labels.bench_id}"}`,
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'tandem',
      groupLabels: a.labels,
      commonLabels: a.labels,
      commonAnnotations: a.annotations,
      externalURL: 'http://alertmanager.bench',
      alerts: [{ status: 'firing', labels: a.labels, annotations: a.annotations, startsAt: a.startsAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.bench/graph', fingerprint: Buffer.from(String(a.labels.bench_id)).toString('hex') }],
    }),
  }));

/** Builds Alertmanager if needed and starts it on a free port, its data in a temporary directory. */
async function startAlertmanager(fake: FakeSlack): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  progress('building Alertmanager if needed, then starting it');
  const build = spawnSync('bash', ['bench/alertmanager/build.sh'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('building Alertmanager failed (bench/alertmanager/build.sh)');
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-am-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: fake-slack',
      "  group_by: ['...']",
      '  group_wait: 0s',
      '  group_interval: 5m',
      '  repeat_interval: 4h',
      'receivers:',
      '  - name: fake-slack',
      '    slack_configs:',
      `      - api_url: ${fake.webhookUrl('alertmanager')}`,
      "        channel: '#bench'",
      "        title: '{{ .CommonAnnotations.summary }}'",
      '',
    ].join('\n'),
  );
  const args = [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'];
  const child: ChildProcess = spawn(AM_BIN, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('Alertmanager did not become ready in 30 s');
    await sleep(100);
  }
  return {
    port,
    pid: child.pid as number,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The floor (bench/alert-floor-server.ts) in a process of its own, on a database of its own in the same FerretDB. */
async function startFloor(s: BenchStack): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const uri = new URL(s.names.mongoUri);
  uri.pathname = `${uri.pathname}_floor`;
  const child = fork('bench/alert-floor-server.ts', {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, PORT: String(port), MONGODB_URI: uri.toString(), SLACK_API_URL: s.fake.apiUrl, SLACK_BOT_TOKEN: SLACK_TEST_TOKEN, FLOOR_KEY },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', () => reject(new Error('the floor server exited before it was ready')));
  });
  return {
    port,
    pid: child.pid as number,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      await dropTestData({ MONGODB_URI: uri.toString(), REDIS_URL: s.names.redisUrl, QUEUE_PREFIX: `${s.names.prefix}_floor` });
    },
  };
}

let tandemWarm = false;
const WARM_IN_MESSAGE = /Bench alert (W[ALTF]-\d{6})/;

/**
 * Unmeasured: WARMUP_S seconds of alerts at the phase's rate through the load generator, then until their messages
 * have arrived (at most DRAIN_MS), so that the first traffic of the server, of the generator and of the fake (JIT,
 * connection pools, caches) is not measured.
 */
async function warmUp(generator: ChildProcess, plan: OpenLoopPlan, messages: () => readonly unknown[]): Promise<void> {
  if (plan.requests.length === 0) return;
  progress(`warming up: ${plan.requests.length} alerts over ${WARMUP_S} s, not measured`);
  await runOpenLoop(generator, plan);
  const arrived = () => new Set(messages().flatMap((m) => WARM_IN_MESSAGE.exec(JSON.stringify(m))?.[1] ?? [])).size;
  const deadline = Date.now() + DRAIN_MS;
  while (Date.now() < deadline && arrived() < plan.requests.length) await sleep(250);
  // The work that follows a message (records, crash nets discarded) ends too before the phase starts.
  await sleep(2_000);
}

/** Of alerts Tandem sent no message for (20 at most): what it recorded of each (status and timeline), to tell why. */
async function missingAlerts(s: BenchStack, missing: readonly string[]): Promise<{ missing_alerts?: unknown[] }> {
  if (missing.length === 0) return {};
  const titles = missing.slice(0, 20).map((id) => `BenchAlert: Bench alert ${id}`);
  const alerts = featureConnection(s.conn, 'alerts');
  const docs = await alerts.collection<{ _id: unknown; title: string; status: string; timeline: unknown[] }>('alerts').find({ title: { $in: titles } }).toArray();
  const notes = await alerts.collection<{ _id: string; key: string }>('alert_notes').find({ _id: { $in: docs.flatMap((d) => Array.from({ length: 8 }, (_, slot) => `${String(d._id)}:${slot}`)) } }).toArray();
  const noted = (id: string) => notes.filter((n) => n._id.startsWith(`${id}:`)).map((n) => n.key);
  return { missing_alerts: titles.map((t) => docs.find((d) => d.title === t) ?? { title: t, stored: false }).map((d) => ('timeline' in d ? { title: d.title, status: d.status, timeline: d.timeline.map(decodeLine).map((l) => `${l.kind}: ${l.text}`), notes: noted(String(d._id)) } : d)) };
}

async function phase(s: BenchStack, name: string, key: string, generator: ChildProcess, backlog: BacklogSampler) {
  const list = alerts(TAG[name] as string);
  const ids = list.map((a) => String(a.labels.bench_id));
  const am = name === 'alertmanager' ? await startAlertmanager(s.fake) : null;
  const floor = name === 'floor' ? await startFloor(s) : null;
  try {
    const tandemPort = Number(new URL(s.tandem.url).port);
    const tandemHeaders = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const floorHeaders = { authorization: `Bearer ${FLOOR_KEY}`, 'content-type': 'application/json' };
    const plan: OpenLoopPlan = am
      ? { port: am.port, headers: { 'content-type': 'application/json' }, requests: toAlertmanager(list) }
      : { port: floor ? floor.port : tandemPort, headers: floor ? floorHeaders : tandemHeaders, requests: toTandem(list) };
    const warm = alerts(`W${TAG[name] as string}`, Math.round(RATE * WARMUP_S));
    if (am) await warmUp(generator, { ...plan, requests: toAlertmanager(warm) }, () => s.fake.webhooks.map((w) => w.body));
    else if (floor || !tandemWarm) await warmUp(generator, { ...plan, requests: toTandem(warm) }, () => s.fake.callsTo('chat.postMessage').map(messageText));
    tandemWarm ||= !am && !floor;
    const phaseStart = Date.now();
    const meter = new PhaseMeter(am ? am.pid : floor ? floor.pid : s.tandem.pid);
    if (name === 'fanout') await s.tandem.fire(s.fanoutTeams.map((t) => t.id));
    progress(`phase ${name}: ${list.length} alerts over ${SECONDS} s`);
    backlog.start();
    const result = await runOpenLoop(generator, plan);
    backlog.stop();
    progress(`phase ${name}: every POST answered; waiting for the messages`);
    meter.sent();
    const http = httpFigures(plan, result);
    const arrivals = () =>
      am
        ? firstArrivals(s.fake.webhooks, (w) => ALERT_IN_MESSAGE.exec(JSON.stringify(w.body))?.[1] ?? null)
        : firstArrivals(s.fake.callsTo('chat.postMessage'), (c) => ALERT_IN_MESSAGE.exec(messageText(c))?.[1] ?? null);
    const deadline = Date.now() + DRAIN_MS;
    // This phase's alerts only: the fake keeps the messages of the phases before (the floor's are chat.postMessage too).
    const missing = () => {
      const seen = arrivals();
      return ids.some((id) => !seen.has(id));
    };
    while (Date.now() < deadline && missing()) await sleep(250);
    const first = arrivals();
    const { lastDone: _, ...ingest } = http;
    return {
      phase: name,
      server: am ? 'Alertmanager 0.35.0' : floor ? 'floor: a durable intake and nothing else (bench/alert-floor-server.ts)' : 'Tandem',
      offered: { alerts_per_s: RATE, seconds: SECONDS, alerts: ids.length },
      ...(name === 'fanout' ? { fanout: { people: FANOUT, prompts_sent_during_phase: promptsBetween(s.fake, FANOUT, phaseStart, http.lastDone) } } : {}),
      ingest: { ...ingest, ...(am || floor ? {} : { alerts_queue_max_jobs: backlog.max }) },
      post_to_message: { ...latency(ids.map((id, i) => (first.get(id) ?? NaN) - (result.startedAt + due(i)))), missing: ids.filter((id) => !first.has(id)).length },
      ...(am || floor ? {} : await missingAlerts(s, ids.filter((id) => !first.has(id)))),
      request_latency_by_window: byWindow(ids.map((_, i) => i), WINDOW_S, due, (i) => (result.doneAt[i] as number) - (result.startedAt + due(i))),
      post_to_message_by_window: byWindow(ids.map((_, i) => i), WINDOW_S, due, (i) => (first.get(ids[i] as string) ?? NaN) - (result.startedAt + due(i))),
      ...meter.figures('server'),
    };
  } finally {
    await am?.stop();
    await floor?.stop();
  }
}

runAlertBench('alertmanager', { fanoutPeople: PHASES.includes('fanout') ? FANOUT : 0 }, async ({ s, generator, backlog }) => {
  const { key } = await s.api<{ key: string }>('POST', '/integrations', { name: 'Bench Alertmanager', teamId: s.org.team.id, defaultSeverity: 'critical' });
  const reports: Awaited<ReturnType<typeof phase>>[] = [];
  for (const name of PHASES) reports.push(await phase(s, name, key, generator, backlog));
  const p99 = (n: string) => {
    const r = reports.find((x) => x.phase === n);
    return r && r.post_to_message.missing === 0 ? (r.post_to_message.p99_ms ?? Infinity) : Infinity;
  };
  const tandem = reports.some((r) => r.phase === 'fanout') ? p99('fanout') : p99('tandem');
  const judged = reports.some((r) => r.phase === 'alertmanager') && reports.some((r) => r.phase === 'tandem' || r.phase === 'fanout');
  const verdict = !judged ? 'not judged: needs the alertmanager phase and a Tandem phase' : tandem <= p99('alertmanager') && tandem < TARGET_MS ? 'PASS' : 'ABOVE TARGET';
  return { reports, target: `Tandem's p99 (with the fan-out when run) <= Alertmanager's and < ${TARGET_MS} ms, none missing`, verdict };
});
