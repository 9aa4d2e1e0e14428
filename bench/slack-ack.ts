/**
 * Slack ack and answer latency: bursts of concurrent signed slash commands
 * against a running Tandem (a child process, as in production) and, side by
 * side in the same run, against a bare node:http server that only checks
 * Slack's signature (bench/floor-server.ts, the floor). Per request it
 * reports the ack (write → first byte of the HTTP 200; Slack's limit is 3 s)
 * and the answer (write → the answer arriving at the fake Slack's
 * response_url), p50/p99, for bursts of people Tandem has never seen (sizes
 * in BENCH_SIZES, default 200 and 400) and for a burst of known people
 * (BENCH_KNOWN, default 200), plus the Tandem process's peak RSS (VmHWM).
 *
 *   npm run bench:slack                                  # 3 rounds of each
 *   BENCH_SIZES=200 BENCH_ROUNDS=1 npm run bench:slack
 *   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:slack
 *
 * Needs the local stack (npm run stack:start). Uses its own database and queue prefix, dropped at the end.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { BurstMessage, BurstRequest, BurstResult } from './burst-client.js';
import { FakeSlack } from '../test/support/fake-slack.js';
import { signature, slackEnv, slashCommand, SLACK_TEST_SECRET, type SlackRequest } from '../test/support/slack.js';
import { BENCH_SURVEY_SECRET } from './production.js';
import { dropTestData, isolatedNames } from '../test/support/stack.js';
import { freePort } from '../test/support/servers.js';

const SIZES = (process.env.BENCH_SIZES ?? '200,400').split(',').map(Number);
const KNOWN = Number(process.env.BENCH_KNOWN ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Targets of issue 16: answer p99 by burst size of new people, known people's answer p99, ack p99 over the floor's. */
const ANSWER_TARGET_MS: Record<number, number> = { 200: 1000, 400: 2000 };
const KNOWN_TARGET_MS = 200;
const ACK_RATIO_TARGET = 1.5;
/**
 * Optional: a file to which each measured burst to Tandem appends its window on the monotonic clock (µs, the clock
 * of a V8 .cpuprofile), so that a profile taken with BENCH_NODE_ARGS can be cut per burst (bench/cpuprofile-summary.ts).
 */
const MARKS = process.env.BENCH_MARKS;
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
/** CPU time a process has used so far (user + system, all its threads), in ms, from /proc (10 ms resolution). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** A raw HTTP/1.1 request, signed like Slack's when it carries a Slack body; the connection closes after the answer. */
function rawRequest(path: string, request?: SlackRequest): string {
  if (!request) return `GET ${path} HTTP/1.1\r\nHost: tandem\r\nConnection: close\r\n\r\n`;
  const ts = Math.floor(Date.now() / 1000);
  const headers = [
    `POST ${path} HTTP/1.1`,
    'Host: tandem',
    'Connection: close',
    `Content-Type: ${request.contentType}`,
    `Content-Length: ${Buffer.byteLength(request.body)}`,
    `X-Slack-Request-Timestamp: ${ts}`,
    `X-Slack-Signature: ${signature(request.body, ts, SLACK_TEST_SECRET)}`,
  ];
  return `${headers.join('\r\n')}\r\n\r\n${request.body}`;
}

/**
 * Sends one burst through the load-generator process and waits for every answer. `connected` runs once the
 * client's connections are open and warm, before its first write (to read the server's CPU time then).
 */
function burst(client: ChildProcess, request: BurstRequest, connected?: () => void): Promise<BurstResult> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`the load generator exited with code ${code}`));
    const onMessage = (message: BurstMessage) => {
      if ('connected' in message) {
        connected?.();
        client.send('go');
        return;
      }
      client.off('exit', exited);
      client.off('message', onMessage);
      resolve(message.result);
    };
    client.once('exit', exited);
    client.on('message', onMessage);
    client.send(request);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/** Peak and current resident set size of a process, in MiB, from /proc. */
function memory(pid: number): { peakMiB: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
}

const waitReady = async (child: ChildProcess, url: string) => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Tandem exited with code ${child.exitCode}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error('Tandem did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
};

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

interface Row {
  kind: string;
  size: number;
  ackP99: number;
  floorP99: number;
  answer: ReturnType<typeof stats>;
  answered: number;
  failures: number;
  target: number;
  cpuPerCommand: number;
}

async function main(): Promise<void> {
  const fake = await FakeSlack.start();
  const { mongoUri, prefix } = isolatedNames('bench');
  const [port, floorPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    ...slackEnv(fake),
    NODE_ENV: 'production',
    SURVEY_SECRET: BENCH_SURVEY_SECRET,
    PORT: String(port),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    MONGODB_URI: mongoUri,
    QUEUE_PREFIX: prefix,
    TEAMS_ENABLED: 'false',
    CONSOLE_ENABLED: 'false',
  };
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const floor = fork('bench/floor-server.ts', { execArgv: ['--import', 'tsx'], env: { ...env, PORT: String(floorPort) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const floorReady = new Promise((resolve) => floor.once('message', resolve));
  const pid = child.pid as number;
  const url = `http://127.0.0.1:${port}`;
  let client: ChildProcess | undefined;
  try {
    await waitReady(child, url);
    await floorReady;
    const idle = memory(pid);

    const burstClient = fork('bench/burst-client.ts', { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    client = burstClient;
    let resets = 0;
    const send = (requests: string[], to = port, connected?: () => void) => burst(burstClient, { port: to, requests }, connected);
    const slash = (userId: string) => rawRequest('/slack/events', slashCommand({ userId, text: 'help', responseUrl: fake.responseUrl(userId) }));
    const acks = (result: BurstResult) => {
      const bad = result.statuses.find((status) => status !== 200 && status !== 0);
      if (bad !== undefined) throw new Error(`ack answered ${bad}`);
      resets += result.statuses.filter((status) => status === 0).length;
      return result.latencies.filter((_, i) => result.statuses[i] === 200);
    };
    /** One burst to Tandem from these users: acks and, per request, the time until its answer reached response_url. */
    const tandemBurst = async (users: string[]) => {
      fake.reset();
      // Tandem's CPU time from the burst's first write (read once the load generator has connected, just before it
      // writes: connecting and the /healthz of each connection come before) until the last answer. Read twice, not
      // sampled while the burst runs, so that the floor's bursts and Tandem's run alike.
      let atWrite = NaN;
      const result = await send(users.map(slash), port, () => {
        atWrite = cpuMs(pid);
      });
      await fake.waitForResponses(users.length, 60_000).catch(() => undefined);
      const cpuPerCommand = (cpuMs(pid) - atWrite) / users.length;
      const firstWrite = Math.min(...result.sentAt);
      const sentUs = monotonicUs() - (Date.now() - firstWrite) * 1000;
      const arrived = new Map(fake.responses.map((r) => [r.id, r.at]));
      const answers = users.flatMap((user, i) => {
        const at = arrived.get(user);
        return at === undefined ? [] : [at - (result.sentAt[i] as number)];
      });
      const failures = fake.responses.filter((r) => JSON.stringify(r.body).includes('Something went wrong')).length;
      return { acks: acks(result), answers, failures, cpuPerCommand, sentUs };
    };
    const floorBurst = async (size: number) => acks(await send(Array.from({ length: size }, (_, i) => slash(`UFLOOR${i}`)), floorPort));

    // Warm-up, not measured: the bot's auth.test and one person, then one burst of each size to both servers (JIT,
    // MongoDB connection pool).
    for (let i = 0; i < 20; i++) await tandemBurst(['UWARMUP']);
    for (const size of SIZES) {
      await floorBurst(size);
      await tandemBurst(Array.from({ length: size }, (_, i) => `UWARM${size}X${i}`));
    }

    const rows: Row[] = [];
    /** Every ack latency per burst kind and size, over the rounds, Tandem's and the floor's (their bursts interleaved). */
    const pooled = new Map<string, { tandem: number[]; floor: number[] }>();
    const lines: string[] = [];
    const measure = async (kind: string, users: string[], target: number) => {
      const floorAcks = await floorBurst(users.length);
      const startUs = monotonicUs();
      const { acks: tandemAcks, answers, failures, cpuPerCommand, sentUs } = await tandemBurst(users);
      if (MARKS) appendFileSync(MARKS, `${JSON.stringify({ kind, size: users.length, startUs, sentUs, endUs: monotonicUs(), commands: answers.length })}\n`);
      const row: Row = { kind, size: users.length, ackP99: stats(tandemAcks).p99, floorP99: stats(floorAcks).p99, answer: stats(answers), answered: answers.length, failures, target, cpuPerCommand };
      rows.push(row);
      const acks = pooled.get(`${kind} ${row.size}`) ?? { tandem: [], floor: [] };
      acks.tandem.push(...tandemAcks);
      acks.floor.push(...floorAcks);
      pooled.set(`${kind} ${row.size}`, acks);
      lines.push(
        `${kind} ${row.size}: ack p50 ${ms(stats(tandemAcks).p50)}, p99 ${ms(row.ackP99)} | floor p50 ${ms(stats(floorAcks).p50)}, p99 ${ms(row.floorP99)} | ratio ${(row.ackP99 / row.floorP99).toFixed(2)} | answer p50 ${ms(row.answer.p50)}, p99 ${ms(row.answer.p99)}, max ${ms(row.answer.max)} | ${row.answered}/${row.size} answered, ${failures} apologies | Tandem CPU ${cpuPerCommand.toFixed(2)} ms per command`,
      );
    };
    const knownUsers: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const size of SIZES) {
        const users = Array.from({ length: size }, (_, i) => `UB${round}S${size}X${i}`);
        if (knownUsers.length < KNOWN) knownUsers.push(...users.slice(0, KNOWN - knownUsers.length));
        await measure('new', users, ANSWER_TARGET_MS[size] ?? Infinity);
      }
    }
    // Known people: seen in the first round, so well past the store cache's 10 s (the cold path: identity and person read).
    for (let round = 1; round <= ROUNDS; round++) await measure('known', knownUsers, KNOWN_TARGET_MS);

    const mem = memory(pid);
    const pooledRatios = [...pooled].map(([what, acks]) => {
      const [t, f] = [stats(acks.tandem).p99, stats(acks.floor).p99];
      return { what, t, f, ok: t <= ACK_RATIO_TARGET * f };
    });
    const answered = rows.filter((r) => r.answered === r.size && r.failures === 0 && r.answer.p99 < r.target).length;
    const perBurst = rows.filter((r) => r.ackP99 <= ACK_RATIO_TARGET * r.floorP99).length;
    // The ack ratio is the issue's target at both sizes of new people; the known burst's is shown, not judged.
    const judgedRatios = pooledRatios.filter((r) => r.what.startsWith('new '));
    const pass = answered === rows.length && judgedRatios.every((r) => r.ok);
    process.stdout.write(
      [
        `Slack benchmark: ${ROUNDS} rounds of bursts of ${SIZES.join(' and ')} concurrent signed /tandem help commands from new Slack users, then ${ROUNDS} of ${KNOWN} from known ones; each burst also to the floor server just before`,
        ...lines,
        `ack p99 ratio to the floor (target <= ${ACK_RATIO_TARGET}): ${rows.map((r) => `${r.kind} ${r.size} ${(r.ackP99 / r.floorP99).toFixed(2)} ${r.ackP99 <= ACK_RATIO_TARGET * r.floorP99 ? 'ok' : 'ABOVE'}`).join(' | ')}`,
        `ack p99 of every burst of a kind pooled (${ROUNDS} rounds, floor and Tandem bursts interleaved): ${pooledRatios.map((r) => `${r.what} ${ms(r.t)} / ${ms(r.f)} = ${(r.t / r.f).toFixed(2)} ${r.ok ? 'ok' : 'ABOVE'}`).join(' | ')}`,
        `answer p99 against its target: ${rows.map((r) => `${r.kind} ${r.size} ${r.answer.p99.toFixed(0)}/${r.target} ms ${r.answer.p99 < r.target ? 'ok' : 'ABOVE'}`).join(' | ')}`,
        `targets: answer p99 < ${Object.entries(ANSWER_TARGET_MS).map(([n, t]) => `${t} ms at ${n} new`).join(', ')}, < ${KNOWN_TARGET_MS} ms at ${KNOWN} known; ack p99 <= ${ACK_RATIO_TARGET}x the floor's`,
        `connections reset before an answer (not counted above): ${resets}`,
        `Tandem process RSS: ${idle.rssMiB.toFixed(0)} MiB when ready, peak ${mem.peakMiB.toFixed(0)} MiB; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
        // Issue 16's criterion: every answer within its target, and at each size of new people the run's ack p99 (all its
        // bursts of that size) within 1.5x the floor's in the same run. The ratio of one burst's p99s is shown too: a
        // burst of 200 has its p99 at its second slowest ack, a few ms on a quiet machine, which one hiccup moves.
        `result: answers within target in ${answered}/${rows.length} bursts; the run's ack p99 within ${ACK_RATIO_TARGET}x the floor's at ${judgedRatios.filter((r) => r.ok).length}/${judgedRatios.length} sizes of new people: ${pass ? 'PASS' : 'ABOVE TARGET'} (not judged: known people's ack ratio ${pooledRatios.filter((r) => !r.what.startsWith('new ')).map((r) => (r.t / r.f).toFixed(2)).join(', ')}; per burst, ack p99 within ${ACK_RATIO_TARGET}x in ${perBurst}/${rows.length})`,
        '',
      ].join('\n'),
    );
  } finally {
    if (client?.connected) client.disconnect();
    if (floor.connected) floor.disconnect();
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await fake.close();
    await dropTestData({ MONGODB_URI: mongoUri, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', QUEUE_PREFIX: prefix });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:slack failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
