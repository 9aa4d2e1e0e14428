/**
 * Benchmark: one weekly check-in prompt to 10,000 people through the fake
 * Slack Web API, which enforces a token-bucket rate limit on chat.postMessage
 * and answers 429 + Retry-After when it is exceeded.
 *
 *   npm run bench:checkins                      # 10,000 people, 50 messages/s
 *   BENCH_PEOPLE=2000 BENCH_RATE=100 npm run bench:checkins
 *
 * The path is the production one: the check-in scheduler job ("checkin.fire",
 * fired twice to show de-duplication) queues one "checkin.prompt" job per
 * person on BullMQ; the workers create the check-in (unique per person and ISO
 * week) and DM through the Messenger and SlackChat (conversations.open +
 * chat.postMessage); the WebClient waits out 429s. Needs the local stack
 * (npm run stack:start). Prints a JSON report and exits non-zero when a
 * prompt is lost or duplicated or the rate is under 95 % of the limit.
 */
import { Types } from 'mongoose';
import { FakeSlack } from '../test/support/fake-slack.js';
import { SLACK_TEAM, slackEnv } from '../test/support/slack.js';
import { startTestTandem } from '../test/support/stack.js';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const TEAM_SIZE = 5_000;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? Math.max(120_000, (PEOPLE / RATE) * 3_000));
// Friday 2026-11-27 15:00 UTC: everyone (in UTC) is due.
const clock = { now: () => new Date('2026-11-27T15:00:00Z') };

const userId = (i: number) => `U${String(i).padStart(6, '0')}`;
const dmChannel = (i: number) => `D${String(i).padStart(6, '0')}`;

async function main(): Promise<void> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);

  const fake = await FakeSlack.start({ rateLimit: { perSecond: RATE, methods: ['chat.postMessage'] } });
  const tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false', LOG_LEVEL: 'error' }), { clock });
  try {
    // Seed people, their Slack identities and teams of at most 5,000 in bulk.
    const { Person, Identity, PersonAccount } = tandem.store.models;
    const ids = Array.from({ length: PEOPLE }, () => new Types.ObjectId());
    for (let from = 0; from < PEOPLE; from += 1_000) {
      const slice = ids.slice(from, from + 1_000);
      await Person.insertMany(
        slice.map((_id, j) => ({ _id, name: `Person ${from + j}`, email: `p${from + j}@bench.example`, timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5], roles: ['employee'], active: true })),
        { ordered: false },
      );
      const key = (j: number) => `slack:${SLACK_TEAM}:${userId(from + j)}`;
      await Identity.insertMany(
        slice.map((_id, j) => ({ _id: key(j), key: key(j), platform: 'slack', personId: _id.toString(), teamId: SLACK_TEAM, userId: userId(from + j) })),
        { ordered: false },
      );
      await PersonAccount.insertMany(
        slice.map((_id, j) => ({ _id: `${_id.toString()}|slack`, key: key(j) })),
        { ordered: false },
      );
    }
    const teams = [];
    for (let from = 0; from < PEOPLE; from += TEAM_SIZE) {
      teams.push(await tandem.store.teams.create({ name: `Bench ${from / TEAM_SIZE + 1}`, memberIds: ids.slice(from, from + TEAM_SIZE).map(String) }));
    }
    fake.reset();

    const started = Date.now();
    for (const team of teams) {
      // The scheduler's job, twice: a duplicate firing must not prompt anyone twice.
      await tandem.jobs.enqueue('checkin.fire', { teamId: team.id, timeZone: 'UTC' }, { jobId: `bench.fire:${team.id}:a` });
      await tandem.jobs.enqueue('checkin.fire', { teamId: team.id, timeZone: 'UTC' }, { jobId: `bench.fire:${team.id}:b` });
    }
    const deadline = started + TIMEOUT_MS;
    while (fake.callsTo('chat.postMessage').length < PEOPLE && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const finished = Date.now();
    // Give stragglers (a duplicate would be one) time to show up.
    await new Promise((r) => setTimeout(r, 3_000));

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
    const checkins = await tandem.store.conn.collection('checkins').countDocuments({ period: '2026-W48' });
    const first = posts[0]?.at ?? started;
    const last = posts.at(-1)?.at ?? finished;
    const windowS = Math.max(0.001, (last - first) / 1000);
    // The most the bucket could let through in that window: its initial burst plus the refill.
    const allowed = RATE + RATE * windowS;
    const report = {
      people: PEOPLE,
      limit_per_s: RATE,
      total_s: Number(((last - started) / 1000).toFixed(1)),
      send_window_s: Number(windowS.toFixed(1)),
      achieved_per_s: Number((posts.length / windowS).toFixed(1)),
      rate_of_limit_pct: Number(((100 * posts.length) / allowed).toFixed(1)),
      responses_429: fake.rateLimited,
      prompts_sent: posts.length,
      lost,
      duplicated,
      checkins_created: checkins,
      peak_rss_mb: Math.round(peakRss / 1024 / 1024),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = lost === 0 && duplicated === 0 && checkins === PEOPLE && report.rate_of_limit_pct >= 95 ? 0 : 1;
  } finally {
    clearInterval(sampler);
    await tandem.cleanup();
    await fake.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
