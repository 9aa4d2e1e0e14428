/**
 * A/B of ack latency between servers, bursts interleaved: how far apart two
 * servers' ack p99s are, burst by burst and pooled. Run floor against floor
 * (A/A) to see how much the ratio of bench:slack moves by noise alone, or the
 * floor against Tandem's receiver without the rest of Tandem
 * (bench/receiver-only.ts) to see what its code path costs.
 *
 *   npx tsx bench/ack-ab.ts                                                     # floor against floor
 *   BENCH_AB=floor:bench/floor-server.ts,receiver:bench/receiver-only.ts npx tsx bench/ack-ab.ts
 *
 * BENCH_AB lists `name:file[:mode]` (mode is passed as RECEIVER_MODE), BENCH_SIZE
 * the burst (200), BENCH_BURSTS the bursts measured per server (15, after 2
 * unmeasured ones), BENCH_NODE_ARGS node flags for the servers (e.g. `--cpu-prof`).
 * Each server runs in a process of its own, started with SLACK_SIGNING_SECRET
 * and PORT, and says `ready` over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { BurstMessage, BurstResult } from './burst-client.js';
import { signature, slashCommand, SLACK_TEST_SECRET } from '../test/support/slack.js';
import { freePort } from '../test/support/servers.js';

/** A signed `/tandem help` as raw HTTP/1.1; its response_url is never called (the servers here do no work after the ack). */
function request(userId: string): string {
  const { body, contentType } = slashCommand({ userId, text: 'help', responseUrl: `http://127.0.0.1:9/${userId}` });
  const ts = Math.floor(Date.now() / 1000);
  const head = ['POST /slack/events HTTP/1.1', 'Host: tandem', 'Connection: close', `Content-Type: ${contentType}`, `Content-Length: ${Buffer.byteLength(body)}`, `X-Slack-Request-Timestamp: ${ts}`, `X-Slack-Signature: ${signature(body, ts, SLACK_TEST_SECRET)}`];
  return `${head.join('\r\n')}\r\n\r\n${body}`;
}

const burst = (client: ChildProcess, port: number, requests: string[]) =>
  new Promise<BurstResult>((resolve) => {
    const onMessage = (message: BurstMessage) => {
      if ('connected' in message) {
        client.send('go');
        return;
      }
      client.off('message', onMessage);
      resolve(message.result);
    };
    client.on('message', onMessage);
    client.send({ port, requests });
  });

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

async function main(): Promise<void> {
  const specs = (process.env.BENCH_AB ?? 'floorA:bench/floor-server.ts,floorB:bench/floor-server.ts').split(',').map((spec) => {
    const [name = '', file = '', mode = ''] = spec.split(':');
    return { name, file, mode };
  });
  const size = Number(process.env.BENCH_SIZE ?? 200);
  const bursts = Number(process.env.BENCH_BURSTS ?? 15);
  const servers = await Promise.all(
    specs.map(async (spec) => {
      const port = await freePort();
      const env = { ...process.env, SLACK_SIGNING_SECRET: SLACK_TEST_SECRET, PORT: String(port), RECEIVER_MODE: spec.mode };
      const execArgv = [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx'];
      const child = fork(spec.file, { execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      await new Promise((resolve) => child.once('message', resolve));
      return { ...spec, port, child, p99s: [] as number[], all: [] as number[] };
    }),
  );
  const client = fork('bench/burst-client.ts', { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    for (let round = -2; round < bursts; round++) {
      for (const server of servers) {
        const result = await burst(client, server.port, Array.from({ length: size }, (_, i) => request(`U${round + 2}X${i}`)));
        if (round < 0) continue;
        server.p99s.push(percentile(result.latencies, 99));
        server.all.push(...result.latencies);
      }
    }
  } finally {
    client.disconnect();
    for (const server of servers) server.child.disconnect();
  }
  const [first] = servers;
  for (const server of servers) {
    const ratios = first && server !== first ? ` | ratio to ${first.name} per burst ${server.p99s.map((p, i) => (p / (first.p99s[i] ?? NaN)).toFixed(2)).join(' ')}, pooled ${(percentile(server.all, 99) / percentile(first.all, 99)).toFixed(2)}` : '';
    process.stdout.write(`${server.name}: ack p99 per burst ${server.p99s.map((p) => p.toFixed(1)).join(' ')} ms; pooled p50 ${percentile(server.all, 50).toFixed(1)}, p99 ${percentile(server.all, 99).toFixed(1)} ms${ratios}\n`);
  }
}

void main();
