import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v } from '../../src/core/chat/views.js';
import { identityKey } from '../../src/core/people/people.types.js';
import { FakeSlack } from '../support/fake-slack.js';
import { SLACK_TEAM, slackEnv } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';

/** Like the check-ins queue: this many DMs in flight at once. */
const CONCURRENCY = 8;
const RATE = 20;
const PEOPLE = 240;

describe("Slack sending at the rate limit's pace", () => {
  let fake: FakeSlack;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;

  beforeAll(async () => {
    fake = await FakeSlack.start();
    tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'false' }));
  });

  afterAll(async () => {
    await tandem?.cleanup();
    await fake?.close();
  });

  it('keeps chat.postMessage at >= 95 % of a token bucket, waits out every Retry-After, loses and repeats none', async () => {
    const people = [];
    for (let i = 0; i < PEOPLE; i += 1) {
      const userId = `UP${i}`;
      people.push(await tandem.core.people.identify({ platform: 'slack', key: identityKey.slack(SLACK_TEAM, userId), teamId: SLACK_TEAM, userId }, async () => ({ name: userId, email: `${userId}@example.com` })));
    }
    fake.reset();
    fake.setRateLimit({ perSecond: RATE, methods: ['chat.postMessage'] });
    try {
      const key = `pacing:${Date.now()}`;
      const queue = [...people];
      const results: boolean[] = [];
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let p = queue.shift(); p; p = queue.shift()) results.push(await tandem.core.messenger.dm(p.id, v.view('Hi', v.section('Paced hello')), `${key}:${p.id}`));
        }),
      );
      expect(results.filter(Boolean)).toHaveLength(PEOPLE);

      const posts = fake.callsTo('chat.postMessage');
      const perChannel = new Map<string, number>();
      for (const post of posts) perChannel.set(String(post.args.channel), (perChannel.get(String(post.args.channel)) ?? 0) + 1);
      expect(perChannel.size).toBe(PEOPLE);
      expect([...perChannel.values()].every((n) => n === 1)).toBe(true);

      // Against what the bucket let through from the first post until it was full again after the last 429 (the
      // messages left for that last burst were fewer than it held): its refill over that window.
      const calls = fake.calls.filter((c) => c.method === 'chat.postMessage');
      const lastRefused = calls.findLast((c) => c.status === 429);
      expect(lastRefused).toBeDefined();
      const from = posts[0]?.at ?? 0;
      const until = (lastRefused?.at ?? 0) + Number(lastRefused?.answer.retryAfter) * 1000;
      const ofLimit = posts.filter((c) => c.at < until).length / ((RATE * (until - from)) / 1000);
      expect(ofLimit).toBeGreaterThanOrEqual(0.95);

      // A refused message is sent again only once its Retry-After has passed, and then at once (the Web API client's
      // own retry added a timeout of 200-400 ms, doubling with each refusal of the same message).
      const delays: number[] = [];
      for (const [i, refused] of calls.entries()) {
        if (refused.status !== 429) continue;
        const again = calls.slice(i + 1).find((c) => c.args.channel === refused.args.channel);
        expect(again).toBeDefined();
        const delay = (again?.at ?? 0) - refused.at;
        expect(delay).toBeGreaterThanOrEqual(Number(refused.answer.retryAfter) * 1000);
        delays.push(delay - Number(refused.answer.retryAfter) * 1000);
      }
      delays.sort((a, b) => a - b);
      expect(delays[Math.floor(delays.length / 2)]).toBeLessThan(150);
    } finally {
      fake.setRateLimit(null);
    }
  }, 60_000);
});
