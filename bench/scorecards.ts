/**
 * Benchmark: the organisation's scorecard (data) for 1,000 people in 50 teams with 52 weeks of check-ins and
 * kudos, and 100 KPIs from an in-memory KpiSource (the KPI feature is another branch; its store is not measured).
 *
 *   npm run bench:scorecards
 *   BENCH_RUNS=50 npm run bench:scorecards
 *
 * Runs the roll-up job once (`scorecard.rollup`, every 5 minutes in production), then measures
 * `scorecards.forOrganisation` (what GET /api/v1/scorecards runs) and `forPerson` for a leader (what
 * `/tandem scorecard` runs, view excluded) for week, month and quarter: the first call (settled weeks never
 * rolled up are counted then) and p50 / p95 / max of BENCH_RUNS calls after it; and the organisation's picture
 * (ECharts SVG + resvg PNG). Needs the local stack. Prints a JSON report; exits non-zero when the data p95 is
 * over 300 ms or the picture's over 500 ms.
 */
import { Types } from 'mongoose';
import { DateTime } from 'luxon';
import type { KpiFigure, KpiSource } from '../src/core/scorecards/scorecards.types.js';
import { PERSPECTIVES } from '../src/core/scorecards/scorecards.types.js';
import { scorecardPng } from '../src/render/scorecard-chart.js';
import { startTestTandem } from '../test/support/stack.js';

const PEOPLE = 1_000;
const TEAMS = 50;
const WEEKS = Number(process.env.BENCH_WEEKS ?? 52);
const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const NOW = new Date('2026-11-25T10:00:00Z');

const kpis: KpiFigure[] = Array.from({ length: 100 }, (_, i) => ({
  key: `kpi-${i}`,
  name: `KPI ${i}`,
  perspective: PERSPECTIVES[i % 4]!,
  unit: '%',
  direction: 'up',
  target: 100,
  actual: 90 + (i % 20),
  status: (['green', 'amber', 'red'] as const)[i % 3]!,
  trendPoints: Array.from({ length: 12 }, (_, j) => 80 + j + (i % 7)),
  openAlerts: i % 9 === 0 ? 1 : 0,
  latestComment: null,
  ownerId: null,
  teamId: null,
}));
const kpiSource: KpiSource = { setUp: () => Promise.resolve(true), kpisFor: () => Promise.resolve(kpis) };

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { p50: +at(0.5).toFixed(1), p95: +at(0.95).toFixed(1), max: +s.at(-1)!.toFixed(1) };
};

async function main(): Promise<void> {
  const tandem = await startTestTandem({ TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false', LOG_LEVEL: 'error' }, { clock: { now: () => new Date(NOW) }, workers: false, scorecardSources: { kpiSource: kpiSource } });
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
      if (w % 4 === 0) log(`seeded ${w} weeks`);
      await conn.collection('kudos').insertMany(
        Array.from({ length: 300 }, (_, k) => ({ giverId: people[(k * 31 + w) % PEOPLE], recipientIds: [people[(k * 17 + w * 3) % PEOPLE]], reason: 'for the help', values: [], private: false, platform: 'console', week: period, createdAt: monday.plus({ hours: 10 + (k % 80) }).toJSDate(), revokedAt: null })),
      );
    }
    await conn.collection('checkin_blockers').insertMany(
      Array.from({ length: 200 }, (_, b) => ({ _id: `blocker-${b}` as unknown as Types.ObjectId, checkinId: `c${b}`, personId: people[b * 5], teamId: teams[teamOf(b * 5)], managerId: null, period: '2026-W46', text: `Blocked on ${b}`, status: b % 4 === 0 ? 'resolved' : 'open', createdAt: new Date(NOW.getTime() - b * 3_600_000), updatedAt: NOW, resolvedAt: null })),
    );
    const seededMs = Date.now() - t0;
    const leader = (await tandem.store.people.get(people[0]!))!;
    const r0 = performance.now();
    const rolled = await tandem.core.scorecards.rollup();
    const report: Record<string, unknown> = { people: PEOPLE, teams: TEAMS, weeks: WEEKS, checkins: PEOPLE * WEEKS, kudos: 300 * WEEKS, kpis: kpis.length, runs: RUNS, seededMs, rollupJob: { weeks: rolled.length, ms: +(performance.now() - r0).toFixed(1) } };
    let worst = 0;
    for (const period of ['week', 'month', 'quarter'] as const) {
      for (const [what, run] of [
        ['api', () => tandem.core.scorecards.forOrganisation(undefined, period)],
        ['leader', () => tandem.core.scorecards.forPerson(leader, { period })],
      ] as const) {
        log(`measuring ${period}.${what}`);
        const c0 = performance.now();
        await run();
        const cold = +(performance.now() - c0).toFixed(1);
        const times: number[] = [];
        for (let i = 0; i < RUNS; i += 1) {
          const s = performance.now();
          await run();
          times.push(performance.now() - s);
        }
        const st = stats(times);
        worst = Math.max(worst, st.p95);
        report[`${period}.${what}`] = { cold, ...st };
      }
    }
    report.dataP95WorstMs = worst;
    log('measuring the picture');
    const card = await tandem.core.scorecards.forOrganisation(undefined, 'week');
    const i0 = performance.now();
    scorecardPng(card);
    const imageCold = +(performance.now() - i0).toFixed(1);
    const images: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const s = performance.now();
      scorecardPng(card);
      images.push(performance.now() - s);
    }
    const image = { cold: imageCold, ...stats(images) };
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
