/**
 * Slack's pacing alone, without Tandem's work: 8 senders (the check-ins queue's concurrency) each wait a
 * random 0.5-1.5 × BENCH_WORK_MS (standing for a prompt's own work), then conversations.open +
 * chat.postMessage against the fake Slack's token bucket (BENCH_RATE per second, burst of one second).
 *
 *   npm run bench:slack-pacing                                   # 2,500 messages at 50/s, 80 ms of work
 *   BENCH_PACING=webclient npm run bench:slack-pacing            # the Web API client's own 429 handling
 *
 * `rate-limits` (default) is Tandem's: its lean Web API caller (src/adapters/slack/web-api.ts), which
 * rejects rate-limited calls, and `RateLimits` (src/adapters/slack/rate-limits.ts). `webclient` is the
 * client's (`rejectRateLimitedCalls: false`: every method paused for Retry-After, then the refused
 * call after one more p-retry timeout) with the retry settings Tandem's Bolt client has. Prints the
 * rate against the bucket, the 429s, and how many messages were lost or sent twice.
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogLevel, webApi } from '@slack/bolt';
import { RateLimits } from '../src/adapters/slack/rate-limits.js';
import { SlackWebApi } from '../src/adapters/slack/web-api.js';
import { FakeSlack } from '../test/support/fake-slack.js';

const RATE = Number(process.env.BENCH_RATE ?? 50);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2_500);
const WORK_MS = Number(process.env.BENCH_WORK_MS ?? 80);
const PACING = process.env.BENCH_PACING ?? 'rate-limits';
const SENDERS = 8;

async function main(): Promise<void> {
  if (PACING !== 'rate-limits' && PACING !== 'webclient') throw new Error(`BENCH_PACING is rate-limits or webclient, not ${PACING}`);
  const fake = await FakeSlack.start({ rateLimit: { perSecond: RATE, methods: ['chat.postMessage'] } });
  const ours = PACING === 'rate-limits';
  const retryConfig = { retries: 10, factor: 2, minTimeout: 200, maxTimeout: 30_000, randomize: true };
  const client = new webApi.WebClient('xoxb-bench', { slackApiUrl: fake.apiUrl, logLevel: LogLevel.ERROR, rejectRateLimitedCalls: false, retryConfig });
  const api = new SlackWebApi({ slackApiUrl: fake.apiUrl, token: 'xoxb-bench' }, retryConfig);
  const limits = new RateLimits();
  const open = (users: string) => (ours ? limits.call('conversations.open', () => api.openConversation({ users })) : client.conversations.open({ users }));
  const post = (channel: string) => (ours ? limits.call('chat.postMessage', () => api.postMessage({ channel, text: 'hello' })) : client.chat.postMessage({ channel, text: 'hello' }));
  let next = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      for (let i = next++; i < MESSAGES; i = next++) {
        await sleep(WORK_MS * (0.5 + Math.random()));
        const opened = await open(`U${i}`);
        await post(opened.channel?.id ?? `D${i}`);
      }
    }),
  );
  api.close();
  const posts = fake.callsTo('chat.postMessage');
  const windowS = ((posts.at(-1)?.at ?? 0) - (posts[0]?.at ?? 0)) / 1000;
  const report = {
    pacing: PACING,
    limit_per_s: RATE,
    work_ms: WORK_MS,
    sent: posts.length,
    // Each message goes to a channel of its own (D0, D1, …): one missing is lost, one seen twice was sent twice.
    lost: MESSAGES - new Set(posts.map((c) => c.args.channel)).size,
    sent_twice: posts.length - new Set(posts.map((c) => c.args.channel)).size,
    send_window_s: Number(windowS.toFixed(1)),
    rate_of_limit_pct: Number(((100 * posts.length) / (RATE + RATE * windowS)).toFixed(1)),
    responses_429: fake.rateLimited,
    load_average: loadavg().map((l) => Number(l.toFixed(2))),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  await fake.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
