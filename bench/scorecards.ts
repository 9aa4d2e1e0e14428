/**
 * Benchmark: the organisation's scorecard (data) for 1,000 people in 50 teams with 52 weeks of check-ins and
 * kudos, 100 KPIs with a year of samples, alerts and 12 closed pulse rounds, all in the real stores and read
 * through the production sources (the KPI store, the alerts store, the survey results).
 *
 *   npm run bench:scorecards
 *   BENCH_RUNS=50 npm run bench:scorecards
 *   BENCH_WEEKS=12 BENCH_RUNS=10 npm run bench:scorecards     # a small run
 *
 * Seeds in bulk (documents as the repositories write them), runs the roll-up job once (`scorecard.rollup`,
 * every 5 minutes in production), then measures `scorecards.forOrganisation` (what GET /api/v1/scorecards runs)
 * and `forPerson` for a leader (what `/tandem scorecard` runs, view excluded) for week, month and quarter: the
 * first call and p50 / p95 / max of BENCH_RUNS calls after it, the benchmark process's CPU per call (Tandem runs in
 * it) and the store round trips of one call; then the
 * same after a sample is written to one KPI and an alert opened (what a cache must notice); and the
 * organisation's picture (ECharts SVG + resvg PNG), each run a different scorecard, then the same one again. Needs the local stack. Prints a JSON report; exits non-zero
 * when the data p95 is over 300 ms or the picture's over 500 ms.
 */
import { Types } from 'mongoose';
import { DateTime } from 'luxon';
import { ragOf } from '../src/core/kpis/rag.js';
import { PERSPECTIVES } from '../src/core/scorecards/scorecards.types.js';
import { scorecardPng } from '../src/render/scorecard-chart.js';
import { isolatedNames, startTestTandem } from '../test/support/stack.js';
import { featureConnection } from '../src/store/databases.js';

const PEOPLE = 1_000;
const TEAMS = 50;
const WEEKS = Number(process.env.BENCH_WEEKS ?? 52);
const KPIS = Number(process.env.BENCH_KPIS ?? 100);
/** Samples per KPI per day (daily KPIs by default; 24 for hourly ones). */
const SAMPLES_PER_DAY = Number(process.env.BENCH_SAMPLES_PER_DAY ?? 1);
const ALERTS_PER_WEEK = Number(process.env.BENCH_ALERTS_PER_WEEK ?? 20);
const ROUNDS = 12;
const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const NOW = new Date('2026-11-25T10:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { p50: +at(0.5).toFixed(1), p95: +at(0.95).toFixed(1), max: +s.at(-1)!.toFixed(1) };
};

/** Store round trips (commands sent) while `work` runs, by command and collection. */
async function roundTrips<T>(client: { on(e: 'commandStarted', l: (e: { commandName: string; command: Record<string, unknown> }) => void): unknown; off(e: 'commandStarted', l: (e: { commandName: string; command: Record<string, unknown> }) => void): unknown }, work: () => Promise<T>): Promise<{ total: number; by: Record<string, number> }> {
  const by: Record<string, number> = {};
  const listener = (e: { commandName: string; command: Record<string, unknown> }) => {
    const k = `${e.commandName} ${String(e.command[e.commandName])}`;
    by[k] = (by[k] ?? 0) + 1;
  };
  client.on('commandStarted', listener);
  try {
    await work();
  } finally {
    client.off('commandStarted', listener);
  }
  return { total: Object.values(by).reduce((a, b) => a + b, 0), by };
}

async function main(): Promise<void> {
  const names = isolatedNames('bench_scorecards');
  const tandem = await startTestTandem({ TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false', LOG_LEVEL: 'error', MONGODB_URI: `${names.mongoUri}?monitorCommands=true` }, { clock: { now: () => new Date(NOW) }, workers: false });
  try {
    const t0 = Date.now();
    const { Person } = tandem.store.models;
    const ids = Array.from({ length: PEOPLE }, () => new Types.ObjectId());
    await Person.insertMany(
      ids.map((_id, i) => ({ _id, name: `Person ${i}`, email: `p${i}@bench.example`, timeZone: 'Europe/Berlin', workingDays: [1, 2, 3, 4, 5], roles: i === 0 ? ['leader'] : ['employee'], active: true })),
      { ordered: false },
    );
    const people = ids.map((id) => id.toString());
    const teamOf = (i: number) => i % TEAMS;
    const teams: string[] = [];
    for (let t = 0; t < TEAMS; t += 1) {
      const members = people.filter((_, i) => teamOf(i) === t);
      teams.push((await tandem.store.teams.create({ name: `Team ${t}`, managerId: members[0]!, memberIds: members })).id);
    }
    const conn = tandem.store.conn;
    const lastMonday = DateTime.fromJSDate(NOW, { zone: 'UTC' }).startOf('week');
    for (let w = 1; w <= WEEKS; w += 1) {
      const monday = lastMonday.minus({ weeks: w });
      const period = `${monday.weekYear}-W${String(monday.weekNumber).padStart(2, '0')}`;
      await conn.collection('checkins').insertMany(
        people.map((personId, i) => {
          const r = (i * 7 + w * 13) % 10;
          const status = r < 7 ? 'answered' : r < 8 ? 'skipped' : 'missed';
          return { _id: `${personId}:${period}` as unknown as Types.ObjectId, personId, teamId: teams[teamOf(i)], period, timeZone: 'Europe/Berlin', status, answers: status === 'answered' ? { progress: 'ok', mood: String(1 + ((i + w) % 5)) } : {}, createdAt: monday.toJSDate() };
        }),
        { ordered: false },
      );
      if (w % 4 === 0) log(`seeded ${w} weeks of check-ins`);
      await conn.collection('kudos').insertMany(
        Array.from({ length: 300 }, (_, k) => ({ giverId: people[(k * 31 + w) % PEOPLE], recipientIds: [people[(k * 17 + w * 3) % PEOPLE]], reason: 'for the help', values: [], private: false, platform: 'console', week: period, createdAt: monday.plus({ hours: 10 + (k % 80) }).toJSDate(), revokedAt: null })),
      );
    }
    await conn.collection('checkin_blockers').insertMany(
      Array.from({ length: 200 }, (_, b) => ({ _id: `blocker-${b}` as unknown as Types.ObjectId, checkinId: `c${b}`, personId: people[b * 5], teamId: teams[teamOf(b * 5)], managerId: null, period: '2026-W46', text: `Blocked on ${b}`, status: b % 4 === 0 ? 'resolved' : 'open', createdAt: new Date(NOW.getTime() - b * 3_600_000), updatedAt: NOW, resolvedAt: null })),
    );

    // KPIs: defined through the KPI feature, their history written in bulk as the KPI store keeps samples (judged).
    const kpiKeys = Array.from({ length: KPIS }, (_, i) => `kpi-${String(i).padStart(3, '0')}`);
    const firstSample = NOW.getTime() - WEEKS * 7 * DAY;
    for (const [i, key] of kpiKeys.entries()) {
      await tandem.core.kpis.create({ key, name: `KPI ${i}`, unit: '%', direction: 'higher_is_better', target: 100, thresholds: { amber: 95, red: 90 }, perspective: PERSPECTIVES[i % 4], ownerTeamId: teams[i % TEAMS], cadence: SAMPLES_PER_DAY >= 24 ? 'PT1H' : 'P1D' }, 'bench');
    }
    const step = DAY / SAMPLES_PER_DAY;
    const perKpi = Math.floor((NOW.getTime() - firstSample) / step);
    for (const [i, key] of kpiKeys.entries()) {
      const docs = Array.from({ length: perKpi }, (_, n) => {
        const at = new Date(firstSample + n * step + 11 * HOUR);
        const value = 86 + ((i * 7 + n * 3) % 25);
        return { _id: `${key}|${at.toISOString()}`, kpiKey: key, at, value, exception: false, dataError: false, judged: true, rag: ragOf({ direction: 'higher_is_better', thresholds: { amber: 95, red: 90 } }, value), version: 1, corrections: [], receivedAt: at };
      });
      for (let j = 0; j < docs.length; j += 5_000) await conn.collection('kpi_samples').insertMany(docs.slice(j, j + 5_000) as never[], { ordered: false });
      await conn.collection('kpis').updateOne({ _id: key as never }, { $set: { lastSampleAt: docs.at(-1)!.at } });
      if (i % 20 === 19) log(`seeded ${i + 1} KPIs' samples`);
    }

    // Alerts as the alerts store keeps them: KPI and event alerts of every team, acknowledged and resolved; the last week's partly open.
    const alerts: Record<string, unknown>[] = [];
    const openKeys: { _id: string; alertId: string }[] = [];
    for (let w = 1; w <= WEEKS; w += 1) {
      const monday = lastMonday.minus({ weeks: w }).toMillis();
      for (let k = 0; k < ALERTS_PER_WEEK; k += 1) {
        const _id = new Types.ObjectId();
        const createdAt = new Date(monday + k * 8 * HOUR + 17 * 60_000);
        const kpiKey = k % 2 === 0 ? kpiKeys[(k * 7 + w) % KPIS] : undefined;
        const key = kpiKey ? `kpi:${kpiKey}:threshold` : `events:bench:${w}-${k}`;
        const status = w === 1 && k % 5 === 0 ? 'open' : w === 1 && k % 5 === 1 ? 'acknowledged' : 'resolved';
        const acknowledgedAt = status === 'open' ? undefined : new Date(createdAt.getTime() + (2 + (k % 20)) * 60_000);
        const resolvedAt = status === 'resolved' ? new Date(createdAt.getTime() + (30 + k * 7) * 60_000) : undefined;
        const paged = people[(k * 13 + w) % PEOPLE];
        alerts.push({
          _id, key, status, severity: 'critical', teamId: teams[(k + w) % TEAMS], source: kpiKey ? 'kpi' : 'events', title: `Alert ${w}-${k}`, explanation: 'bench', ...(kpiKey ? { kpiKey, rule: 'threshold' } : {}),
          count: 1, lastValue: 80, worstValue: 80, lastAt: createdAt, flapping: false, normalStreak: 0,
          timeline: [{ at: createdAt, kind: 'opened', actor: 'tandem', text: 'opened' }, { at: new Date(createdAt.getTime() + 60_000), kind: 'notified', actor: 'tandem', text: 'paged', data: { people: [paged] } }],
          createdAt, updatedAt: resolvedAt ?? acknowledgedAt ?? createdAt, ...(acknowledgedAt ? { acknowledgedAt, acknowledgedBy: paged } : {}), ...(resolvedAt ? { resolvedAt } : {}),
          wave: 0, messageKeys: [], timelineKeys: [],
        });
        if (status !== 'resolved') openKeys.push({ _id: key, alertId: _id.toString() });
      }
    }
    const alertsDb = featureConnection(conn, 'alerts');
    await alertsDb.collection('alerts').insertMany(alerts as never[], { ordered: false });
    if (openKeys.length) await alertsDb.collection('open_alerts').insertMany(openKeys as never[], { ordered: false });

    // 12 monthly pulse rounds, closed, with their results (org and every team; a few teams under the anonymity floor).
    const group = (teamId: string | null, name: string, invited: number, r: number) => ({ scope: teamId ? 'team' : 'org', teamId, name, invited, respondents: Math.round(invited * 0.7), responseRate: 0.7, enps: (r % 60) - 20, enpsChange: null, questions: [], trend: [] });
    for (let r = 0; r < ROUNDS; r += 1) {
      const id = `bench-pulse.${r + 1}`;
      const closedAt = new Date(NOW.getTime() - (ROUNDS - r) * 30 * DAY);
      const invitedByTeam = Object.fromEntries(teams.map((t) => [t, PEOPLE / TEAMS]));
      await conn.collection('survey_rounds').insertOne({ _id: id as never, surveyId: 'bench-pulse', n: r + 1, name: `Pulse ${r + 1}`, questions: [{ id: 'enps', text: 'Recommend us?', kind: 'scale10' }], status: 'closed', waiting: null, openedAt: new Date(closedAt.getTime() - 7 * DAY), closesAt: closedAt, closedAt, invited: PEOPLE, invitedByTeam, teamNames: Object.fromEntries(teams.map((t, i) => [t, `Team ${i}`])) });
      const results = { roundId: id, surveyId: 'bench-pulse', n: r + 1, name: `Pulse ${r + 1}`, closedAt, minGroupSize: 5, org: group(null, 'Organisation', PEOPLE, r * 7), teams: teams.map((t, i) => (i % 10 === 9 ? { scope: 'team', teamId: t, name: `Team ${i}`, suppressed: true, reason: 'fewer than 5 answers' } : group(t, `Team ${i}`, PEOPLE / TEAMS, r * 7 + i))) };
      await conn.collection('survey_results').insertOne({ _id: id as never, results });
    }
    const seededMs = Date.now() - t0;
    log(`seeded in ${seededMs} ms`);

    const client = conn.getClient();
    const leader = (await tandem.store.people.get(people[0]!))!;
    const r0 = performance.now();
    const rolled = await tandem.core.scorecards.rollup();
    const report: Record<string, unknown> = { people: PEOPLE, teams: TEAMS, weeks: WEEKS, checkins: PEOPLE * WEEKS, kudos: 300 * WEEKS, kpis: KPIS, kpiSamples: KPIS * perKpi, alerts: alerts.length, pulseRounds: ROUNDS, runs: RUNS, seededMs, rollupJob: { weeks: rolled.length, ms: +(performance.now() - r0).toFixed(1) } };
    let worst = 0;
    const measure = async (label: string, run: () => Promise<unknown>) => {
      log(`measuring ${label}`);
      const c0 = performance.now();
      await run();
      const cold = +(performance.now() - c0).toFixed(1);
      const times: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < RUNS; i += 1) {
        const s = performance.now();
        await run();
        times.push(performance.now() - s);
      }
      const cpu = process.cpuUsage(cpu0);
      const st = stats(times);
      worst = Math.max(worst, st.p95);
      const trips = await roundTrips(client, run);
      report[label] = { cold, ...st, cpuMsPerCall: +((cpu.user + cpu.system) / 1000 / RUNS).toFixed(1), roundTrips: trips.total };
      return trips;
    };
    for (const period of ['week', 'month', 'quarter'] as const) {
      const trips = await measure(`${period}.api`, () => tandem.core.scorecards.forOrganisation(undefined, period));
      if (period === 'week') report['week.api.roundTripsBy'] = trips.by;
      await measure(`${period}.leader`, () => tandem.core.scorecards.forPerson(leader, { period }));
    }
    // What a cache must notice: a sample written to one KPI in the last week and an alert opened, then the scorecard again.
    log('measuring after writes');
    const lastWeek = lastMonday.minus({ weeks: 1 });
    const changed: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 10); i += 1) {
      await tandem.core.kpis.recordSamples(kpiKeys[i % KPIS]!, { samples: [{ at: lastWeek.plus({ hours: 13 + i }).toISO(), value: 50 + i }] }, 'bench');
      const s = performance.now();
      await tandem.core.scorecards.forOrganisation(undefined, 'week');
      changed.push(performance.now() - s);
    }
    report['week.api.afterSampleWrite'] = stats(changed);
    report.dataP95WorstMs = worst;
    log('measuring the picture');
    const card = await tandem.core.scorecards.forOrganisation(undefined, 'week');
    const i0 = performance.now();
    scorecardPng(card);
    const imageCold = +(performance.now() - i0).toFixed(1);
    // Each run draws a scorecard of its own (the title differs): a picture already drawn from the same figures is reused, so this is the drawing's cost.
    const draw = async (label: string, cardOf: (i: number) => typeof card) => {
      const times: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < RUNS; i += 1) {
        const c = cardOf(i);
        const s = performance.now();
        scorecardPng(c);
        times.push(performance.now() - s);
      }
      const cpu = process.cpuUsage(cpu0);
      report[label] = { ...stats(times), cpuMsPerCall: +((cpu.user + cpu.system) / 1000 / RUNS).toFixed(1) };
      return stats(times);
    };
    const image = { cold: imageCold, ...(await draw('image.drawn', (i) => ({ ...card, scope: { ...card.scope, name: `Organisation ${i}` } }))) };
    await draw('image.sameFigures', () => card);
    report.image = image;
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (worst > 300 || image.p95 > 500) process.exitCode = 1;
  } finally {
    await tandem.cleanup();
  }
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
