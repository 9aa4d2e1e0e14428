/**
 * Slack ack latency: bursts of concurrent signed slash commands against a
 * running Tandem (a child process, as in production), each from a different
 * Slack user, against the fake Slack Web API. Reports the time until each
 * HTTP 200 (Slack's ack; its limit is 3 s), the time until every answer
 * reached response_url, and the Tandem process's peak RSS (VmHWM).
 *
 *   npm run bench:slack                      # 3 bursts of 200
 *   BENCH_CONCURRENCY=500 BENCH_ROUNDS=5 npm run bench:slack
 *
 * Needs the local stack (npm run stack:start). Uses its own database and queue prefix, dropped at the end.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { BurstRequest, BurstResult } from './burst-client.js';
import { FakeSlack } from '../test/support/fake-slack.js';
import { signature, slackEnv, slashCommand, SLACK_TEST_SECRET, type SlackRequest } from '../test/support/slack.js';
import { dropTestData, isolatedNames } from '../test/support/stack.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TARGET_P99_MS = 50;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

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

/** Sends one burst through the load-generator process and waits for every answer. */
function burst(client: ChildProcess, request: BurstRequest): Promise<BurstResult> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`the load generator exited with code ${code}`));
    client.once('exit', exited);
    client.once('message', (result) => {
      client.off('exit', exited);
      resolve(result as BurstResult);
    });
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

async function main(): Promise<void> {
  const fake = await FakeSlack.start();
  const { mongoUri, prefix } = isolatedNames('bench');
  const port = await freePort();
  const env = {
    ...process.env,
    ...slackEnv(fake),
    NODE_ENV: 'production',
    PORT: String(port),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    MONGODB_URI: mongoUri,
    QUEUE_PREFIX: prefix,
    TEAMS_ENABLED: 'false',
    CONSOLE_ENABLED: 'false',
  };
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const pid = child.pid as number;
  const url = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Tandem exited with code ${child.exitCode}`);
      const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('Tandem did not become ready in 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const idle = memory(pid);

    const client = fork('bench/burst-client.ts', { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const send = (requests: string[]) => burst(client, { port, requests });
    const slash = (userId: string) => rawRequest('/slack/events', slashCommand({ userId, text: 'help', responseUrl: fake.responseUrl() }));
    const ok = (result: BurstResult) => {
      const bad = result.statuses.find((status) => status !== 200);
      if (bad !== undefined) throw new Error(`ack answered ${bad}`);
      return result.latencies.sort((a, b) => a - b);
    };

    // Warm-up, not measured: the bot's auth.test and one person, then one burst like the measured ones (JIT, MongoDB
    // connection pool), then two bursts of /healthz (the second is the baseline).
    for (let i = 0; i < 20; i++) ok(await send([slash('UWARMUP')]));
    await fake.waitForResponses(20, 30_000);
    fake.reset();
    ok(await send(Array.from({ length: CONCURRENCY }, (_, i) => slash(`UWARM${i}`))));
    await fake.waitForResponses(CONCURRENCY, 60_000);
    await send(Array.from({ length: CONCURRENCY }, () => rawRequest('/healthz')));
    const health = ok(await send(Array.from({ length: CONCURRENCY }, () => rawRequest('/healthz'))));

    const all: number[] = [];
    const rows: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      fake.reset();
      const requests = Array.from({ length: CONCURRENCY }, (_, i) => slash(`UB${round}X${i}`));
      const started = performance.now();
      const latencies = ok(await send(requests));
      const answered = await fake.waitForResponses(CONCURRENCY, 60_000).then(
        (r) => r.length,
        () => fake.responses.length,
      );
      const answeredMs = performance.now() - started;
      const failures = fake.responses.filter((r) => JSON.stringify(r.body).includes('Something went wrong')).length;
      all.push(...latencies);
      rows.push(
        `round ${round}: ack p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms; ${answered}/${CONCURRENCY} answers at response_url (${failures} of them apologies) after ${answeredMs.toFixed(0)} ms`,
      );
    }
    client.disconnect();
    all.sort((a, b) => a - b);
    const mem = memory(pid);
    const p50 = percentile(all, 50);
    const p99 = percentile(all, 99);
    process.stdout.write(
      [
        `Slack ack benchmark: ${ROUNDS} bursts of ${CONCURRENCY} concurrent signed /tandem help commands, each from a new Slack user`,
        ...rows,
        `overall (${all.length} commands): ack p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (target p99 < ${TARGET_P99_MS} ms; Slack's limit 3000 ms)`,
        `baseline: ${CONCURRENCY} concurrent GET /healthz: p50 ${percentile(health, 50).toFixed(1)} ms, p99 ${percentile(health, 99).toFixed(1)} ms`,
        `Tandem process RSS: ${idle.rssMiB.toFixed(0)} MiB when ready, peak ${mem.peakMiB.toFixed(0)} MiB`,
        `result: ${p99 < TARGET_P99_MS ? 'PASS' : 'ABOVE TARGET'}`,
        '',
      ].join('\n'),
    );
  } finally {
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
