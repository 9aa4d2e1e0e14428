/**
 * Benchmark: one pulse survey to 10,000 people through the fake Slack Web
 * API (token-bucket rate limit on chat.postMessage, 429 + Retry-After past
 * it), then 7,000 answers and the close.
 *
 *   npm run bench:surveys                                   # 10,000 people, 7,000 answers, 50 messages/s
 *   BENCH_PEOPLE=2000 BENCH_ANSWERS=1400 BENCH_RATE=100 npm run bench:surveys
 *
 * The path is the production one: the survey is defined through the core
 * (as the admin API does), its "survey.open" job opens the round on the
 * surveys queue (fatigue-guard claims, invitations, keyed responses), one
 * "survey.invite" job per person DMs through the Messenger and SlackChat; the
 * WebClient waits out 429s. The open job is queued a second time to show that
 * nobody is invited twice. The answers are then written in bulk straight into
 * the keyed responses, confirmed (the per-click path is covered by the tests), and the round is closed as "close now" does: the
 * report gives the time from the close to the stored results, and the whole
 * close (the invitation messages rewritten through chat.update, then
 * deleted). Needs the local stack. Prints a JSON report and exits non-zero
 * when an invitation is lost or duplicated, the rate is under 95 % of the
 * limit, the results are wrong, or they take 1 s or more.
 */
import { keyOf } from '../src/core/surveys/context.js';
import { isShown } from '../src/core/surveys/surveys.types.js';
import { bucketId, encodeEntry } from '../src/store/survey-responses.repository.js';
import { UPDATES_PER_COMMAND } from '../src/store/surveys.repository.js';
import { FakeSlack } from '../test/support/fake-slack.js';
import { slackEnv } from '../test/support/slack.js';
import { startTestTandem } from '../test/support/stack.js';
import { dmChannel, seedFanout } from './seed.js';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 10_000);
const ANSWERS = Number(process.env.BENCH_ANSWERS ?? Math.round(PEOPLE * 0.7));
const RATE = Number(process.env.BENCH_RATE ?? 50);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? Math.max(120_000, (PEOPLE / RATE) * 3_000));
const SECRET = 'bench-survey-secret-0123456789abcdef0123456789';
// Friday 2026-11-27 15:00 UTC: a working day for everyone (in UTC); invitations go at once.
const clock = { now: () => new Date('2026-11-27T15:00:00Z') };

const progress = (what: string) => process.stderr.write(`${new Date().toISOString()} ${what}\n`);

async function main(): Promise<void> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);

  const fake = await FakeSlack.start({ rateLimit: { perSecond: RATE, methods: ['chat.postMessage'] } });
  const env = slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false', LOG_LEVEL: 'error', SURVEY_SECRET: SECRET });
  const tandem = await startTestTandem(env, { clock });
  try {
    // Seed people, their Slack identities and teams of at most 5,000 in bulk (bench/seed.ts, as the check-in bench).
    const ids = (await seedFanout(tandem.store, PEOPLE)).flatMap((team) => team.memberIds);
    fake.reset();
    progress(`seeded ${PEOPLE} people`);

    // Invitations: define the survey (its open job is queued at once), and queue the open job a second time.
    const started = Date.now();
    const survey = await tandem.core.surveys.define({
      name: 'Bench pulse',
      template: 'custom',
      questions: [
        { id: 'enps', text: 'How likely are you to recommend working here?', kind: 'scale10' },
        { id: 'clear', text: 'I know what is expected of me.', kind: 'agree5' },
        { id: 'why', text: 'What would you change?', kind: 'text' },
      ],
      audience: { kind: 'org' },
      schedule: { kind: 'once', time: '00:00' },
    });
    await tandem.jobs.enqueue('survey.open', { surveyId: survey.id, n: 1 }, { jobId: `survey.open:${survey.id}:1:bench-duplicate` });
    const deadline = started + TIMEOUT_MS;
    while (fake.callsTo('chat.postMessage').length < PEOPLE && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const finished = Date.now();
    progress(`${fake.callsTo('chat.postMessage').length} invitations sent`);
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
    const first = posts[0]?.at ?? started;
    const last = posts.at(-1)?.at ?? finished;
    const windowS = Math.max(0.001, (last - first) / 1000);
    // The most the bucket could let through in that window: its initial burst plus the refill.
    const allowed = RATE + RATE * windowS;
    const round = (await tandem.core.surveys.get(survey.id)).rounds[0];
    if (!round) throw new Error('the survey opened no round');

    // Answers: the first ANSWERS people finish, written in bulk under their HMAC keys into their response buckets.
    const db = tandem.store.conn;
    const opened = new Map((await tandem.store.surveys.responses.ofRound(round.id)).map((r) => [r.key, r]));
    let enpsSum = 0;
    // UPDATES_PER_COMMAND at a time, as the store writes invitations.
    for (let from = 0; from < ANSWERS; from += UPDATES_PER_COMMAND) {
      const slice = ids.slice(from, Math.min(ANSWERS, from + UPDATES_PER_COMMAND)).map((id, j) => ({ key: keyOf({ config: { secret: SECRET } }, round.id, id), i: from + j }));
      await db.collection('survey_responses').bulkWrite(
        slice.map(({ key, i }) => {
          enpsSum += i % 11;
          const answers = { enps: i % 11, clear: (i % 5) + 1, why: `comment ${i}` };
          const entry = encodeEntry({ teamIds: opened.get(key)?.teamIds ?? [], answers, step: null, finished: true });
          return { updateOne: { filter: { _id: bucketId(round.id, key) as never }, update: { $set: { [`r.${key}`]: entry } } } };
        }),
        { ordered: false },
      );
    }

    progress(`${ANSWERS} answers written`);
    // The close, as "close now" does; the results are stored before the invitation messages are rewritten.
    const closeStarted = Date.now();
    let resultsAt = 0;
    const watcher = (async () => {
      while (!resultsAt) {
        if (await db.collection('survey_results').findOne({ _id: round.id as never }, { projection: { _id: 1 } })) resultsAt = Date.now();
        else await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const results = await tandem.core.surveys.closeNow(survey.id);
    const closeEnded = Date.now();
    await watcher;
    const org = isShown(results.org) ? results.org : null;
    const enps = org?.questions.find((q) => q.id === 'enps');
    const report = {
      people: PEOPLE,
      answers: ANSWERS,
      limit_per_s: RATE,
      invitations: {
        total_s: Number(((last - started) / 1000).toFixed(1)),
        send_window_s: Number(windowS.toFixed(1)),
        achieved_per_s: Number((posts.length / windowS).toFixed(1)),
        rate_of_limit_pct: Number(((100 * posts.length) / allowed).toFixed(1)),
        responses_429: fake.rateLimited,
        sent: posts.length,
        lost,
        duplicated,
      },
      close: {
        results_stored_ms: resultsAt - closeStarted,
        whole_close_ms: closeEnded - closeStarted,
        respondents: org?.respondents ?? null,
        invited: org?.invited ?? null,
        teams_shown: results.teams.filter(isShown).length,
        enps_mean: enps?.mean ?? null,
        expected_enps_mean: Number((enpsSum / ANSWERS).toFixed(2)),
      },
      peak_rss_mb: Math.round(peakRss / 1024 / 1024),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    const right = org?.respondents === ANSWERS && org.invited === PEOPLE && enps?.mean !== undefined;
    process.exitCode = lost === 0 && duplicated === 0 && report.invitations.rate_of_limit_pct >= 95 && right && report.close.results_stored_ms < 1_000 ? 0 : 1;
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
