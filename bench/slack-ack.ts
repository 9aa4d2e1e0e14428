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
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
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

/** Keep-alive connections, opened before measuring: the figure is Tandem's ack time, not TCP setup. */
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** POSTs a signed Slack request with node:http (lighter on this client than fetch); resolves with the status and ms to the response. */
function post(url: string, path: string, request?: SlackRequest): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (request) {
      const ts = Math.floor(Date.now() / 1000);
      Object.assign(headers, { 'content-type': request.contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature(request.body, ts, SLACK_TEST_SECRET) });
    }
    const t0 = performance.now();
    const req = http.request(`${url}${path}`, { method: request ? 'POST' : 'GET', agent, headers }, (res) => {
      const ms = performance.now() - t0;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms }));
    });
    req.on('error', reject);
    req.end(request?.body);
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
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
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

    // Warm-up: JIT, the bot's auth.test, one person, and CONCURRENCY open keep-alive connections.
    for (let i = 0; i < 20; i++) await post(url, '/slack/events', slashCommand({ userId: 'UWARMUP', text: 'help', responseUrl: fake.responseUrl() }));
    await fake.waitForResponses(20, 30_000);
    await Promise.all(Array.from({ length: CONCURRENCY }, () => post(url, '/healthz')));
    const health = (await Promise.all(Array.from({ length: CONCURRENCY }, () => post(url, '/healthz')))).map((r) => r.ms).sort((a, b) => a - b);

    const all: number[] = [];
    const rows: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      fake.reset();
      const bodies = Array.from({ length: CONCURRENCY }, (_, i) => slashCommand({ userId: `UB${round}X${i}`, text: 'help', responseUrl: fake.responseUrl() }));
      const started = performance.now();
      const latencies = await Promise.all(
        bodies.map(async (body) => {
          const { status, ms } = await post(url, '/slack/events', body);
          if (status !== 200) throw new Error(`ack answered ${status}`);
          return ms;
        }),
      );
      const answered = await fake.waitForResponses(CONCURRENCY, 60_000).then(
        (r) => r.length,
        () => fake.responses.length,
      );
      const answeredMs = performance.now() - started;
      const failures = fake.responses.filter((r) => JSON.stringify(r.body).includes('Something went wrong')).length;
      latencies.sort((a, b) => a - b);
      all.push(...latencies);
      rows.push(
        `round ${round}: ack p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms; ${answered}/${CONCURRENCY} answers at response_url (${failures} of them apologies) after ${answeredMs.toFixed(0)} ms`,
      );
    }
    all.sort((a, b) => a - b);
    const mem = memory(pid);
    const p50 = percentile(all, 50);
    const p99 = percentile(all, 99);
    process.stdout.write(
      [
        `Slack ack benchmark: ${ROUNDS} bursts of ${CONCURRENCY} concurrent signed /tandem help commands, each from a new Slack user`,
        ...rows,
        `overall (${all.length} commands): ack p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (target p99 < ${TARGET_P99_MS} ms; Slack's limit 3000 ms)`,
        `baseline: ${CONCURRENCY} concurrent GET /healthz on the same connections: p50 ${percentile(health, 50).toFixed(1)} ms, p99 ${percentile(health, 99).toFixed(1)} ms`,
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
