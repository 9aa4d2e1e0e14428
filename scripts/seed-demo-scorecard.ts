/**
 * What the demo leader's scorecard shows (`/tandem scorecard` in the console): KPIs in the four perspectives with
 * daily samples over the last weeks, a few alerts (acknowledged, resolved, one still open), and three closed
 * eNPS pulse rounds. Idempotent: KPIs, the survey and its rounds are found by key or name; samples by their
 * instant; alerts are seeded once per team.
 */
import { DateTime } from 'luxon';
import type { Person, Team } from '../src/core/people/people.types.js';
import { DEFAULTS, type Kpi, type Perspective } from '../src/core/kpis/kpis.types.js';
import { computeResults } from '../src/core/surveys/results.js';
import type { AnonymousAnswer } from '../src/core/surveys/surveys.types.js';
import type { Store } from '../src/store/index.js';

interface DemoKpi {
  key: string;
  name: string;
  team: string;
  perspective: Perspective;
  unit: string;
  higherIsBetter: boolean;
  target: number;
  amber: number;
  red: number;
  /** Value `days` ago (0 = today). */
  value: (days: number) => number;
}

const wave = (base: number, slope: number, swing: number) => (days: number) => Math.round((base - slope * days + swing * Math.sin(days / 2)) * 10) / 10;

const KPIS: DemoKpi[] = [
  { key: 'demo-revenue', name: 'Weekly revenue (k€)', team: 'Growth', perspective: 'financial', unit: 'k€', higherIsBetter: true, target: 120, amber: 110, red: 100, value: wave(128, 0.3, 4) },
  { key: 'demo-cloud-cost', name: 'Cloud cost per user', team: 'Platform', perspective: 'financial', unit: '€', higherIsBetter: false, target: 1.2, amber: 1.35, red: 1.5, value: wave(1.3, -0.004, 0.05) },
  { key: 'demo-csat', name: 'Customer satisfaction', team: 'Growth', perspective: 'customer', unit: '%', higherIsBetter: true, target: 90, amber: 85, red: 80, value: wave(86, 0.1, 1.5) },
  { key: 'demo-crash-free', name: 'Crash-free sessions', team: 'Mobile', perspective: 'customer', unit: '%', higherIsBetter: true, target: 99.5, amber: 99, red: 98.5, value: wave(98.2, 0.03, 0.2) },
  { key: 'demo-lead-time', name: 'Deployment lead time', team: 'Platform', perspective: 'process', unit: 'h', higherIsBetter: false, target: 24, amber: 36, red: 48, value: wave(20, 0.4, 3) },
  { key: 'demo-release-cadence', name: 'Releases per week', team: 'Mobile', perspective: 'process', unit: '', higherIsBetter: true, target: 3, amber: 2, red: 1, value: wave(3, 0.02, 0.5) },
  { key: 'demo-training', name: 'Learning hours per person', team: 'Platform', perspective: 'learning', unit: 'h', higherIsBetter: true, target: 4, amber: 3, red: 2, value: wave(3.4, -0.02, 0.6) },
  { key: 'demo-mentoring', name: 'People with a mentor', team: 'Growth', perspective: 'learning', unit: '%', higherIsBetter: true, target: 60, amber: 50, red: 40, value: wave(66, 0.2, 2) },
];
const SAMPLE_DAYS = 35;
/** eNPS rounds: weeks ago the round closed, and the 0–10 answers of its respondents. */
const PULSES: { weeksAgo: number; scores: number[] }[] = [
  { weeksAgo: 10, scores: [9, 7, 6, 8, 10, 5, 7, 9, 3, 8] },
  { weeksAgo: 6, scores: [9, 8, 6, 9, 10, 7, 7, 9, 6, 8, 10] },
  { weeksAgo: 2, scores: [10, 8, 7, 9, 10, 9, 7, 9, 6, 8, 10, 9] },
];
const PULSE_NAME = 'Quarterly eNPS (demo)';
const FLOOR = 5;

async function seedKpis(store: Store, teams: Record<string, Team>, now: Date): Promise<void> {
  for (const k of KPIS) {
    const team = teams[k.team];
    if (!team) continue;
    if (!(await store.kpis.get(k.key))) {
      const terms = { direction: k.higherIsBetter ? ('higher_is_better' as const) : ('lower_is_better' as const), target: k.target, stretch: null, thresholds: { amber: k.amber, red: k.red } };
      const kpi: Kpi = {
        key: k.key,
        name: k.name,
        unit: k.unit,
        perspective: k.perspective,
        ownerTeamId: team.id,
        ownerRole: 'manager',
        cadence: 'P1D',
        bounds: { min: null, max: null },
        ...terms,
        statistics: DEFAULTS.statistics,
        alerts: DEFAULTS.alerts,
        versions: [{ ...terms, version: 1, effectiveFrom: new Date(0), createdBy: 'demo', createdAt: now }],
        lastSampleAt: null,
        staleSince: null,
        createdAt: now,
        updatedAt: now,
      };
      await store.kpis.create(kpi);
    }
    const today = DateTime.fromJSDate(now, { zone: 'UTC' }).startOf('day').set({ hour: 6 });
    const samples = Array.from({ length: SAMPLE_DAYS }, (_, i) => ({ at: today.minus({ days: SAMPLE_DAYS - 1 - i }).toJSDate(), value: k.value(SAMPLE_DAYS - 1 - i) }));
    await store.kpis.writeSamples(k.key, samples, 'demo', now);
    await store.kpis.noteSample(k.key, samples.at(-1)?.at ?? now);
    // History, not news: the seeded samples count as judged (no alerts opened for them), so the first new
    // sample (the demo clock's breach, scripts and chat) is judged against them as its baseline.
    const first = samples[0]?.at ?? now;
    const complete = (await store.kpis.samplesBefore(k.key, first, 1)).length === 0;
    const recent = samples.map((x) => ({ at: x.at, value: x.value, exception: false, dataError: false }));
    // Under the KPI's detection lease, as detection writes its tail (given back in the same write).
    if (!(await store.kpis.lease(k.key, 'demo', now, 60_000, samples.length))) throw new Error(`the detection lease of ${k.key} is held: seed with Tandem stopped`);
    await store.kpis.dequeue(k.key, 'demo', samples.map((x) => ({ at: x.at, revision: 0, value: x.value, dataError: false })), { recent, complete, openRules: null }, true);
  }
}

/** Per team, once: an alert acknowledged after minutes and resolved, one paged at night, and (Mobile) one still open. */
async function seedAlerts(store: Store, teams: Record<string, Team>, people: Record<string, Person>, now: Date): Promise<void> {
  for (const [i, team] of Object.values(teams).entries()) {
    if ((await store.alerts.list({ teamId: team.id, limit: 1 })).items.length) continue;
    const manager = team.managerId;
    for (const [n, a] of [
      { daysAgo: 4 + i, hour: 10, ackMin: 3 + i * 2, resolveMin: 45 + i * 20, title: 'Error rate above 2 %' },
      { daysAgo: 2 + i, hour: 23, ackMin: 12, resolveMin: 95, title: 'Queue backlog growing' },
      ...(team.name === 'Mobile' ? [{ daysAgo: 1, hour: 9, ackMin: null, resolveMin: null, title: 'Crash-free sessions below 98.5 %' }] : []),
    ].entries()) {
      const at = DateTime.fromJSDate(now, { zone: 'UTC' }).minus({ days: a.daysAgo }).set({ hour: a.hour, minute: 0, second: 0, millisecond: 0 }).toJSDate();
      const key = `events:demo:${team.name}:${n}`;
      const opened = await store.alerts.open({ key, severity: 'critical', teamId: team.id, source: 'events', title: a.title, explanation: `${a.title} (demo)`, lastValue: null, worstValue: null }, at, { at, kind: 'opened', actor: 'demo', text: a.title });
      if (!opened.opened) continue;
      const id = opened.alert.id;
      if (manager) await store.alerts.note(id, { at, kind: 'notified', actor: 'tandem', text: 'Sent to 1 person', data: { people: [manager] } });
      if (a.ackMin === null || a.resolveMin === null) continue;
      const ackAt = new Date(at.getTime() + a.ackMin * 60_000);
      await store.alerts.changeStatus(id, ['open'], 'acknowledged', { at: ackAt, kind: 'acknowledged', actor: manager ?? people.sofia?.id ?? 'demo', text: 'Acknowledged' });
      await store.alerts.changeStatus(id, ['acknowledged'], 'resolved', { at: new Date(at.getTime() + a.resolveMin * 60_000), kind: 'resolved', actor: 'demo', text: 'Resolved' });
    }
  }
}

/** Three closed eNPS rounds of the whole organisation, with results as the survey feature computes them. */
async function seedPulse(store: Store, teams: Record<string, Team>, now: Date): Promise<void> {
  const { surveys, rounds, results } = store.surveys;
  const existing = (await surveys.list()).find((s) => s.name === PULSE_NAME);
  const questions = [{ id: 'enps', text: 'How likely are you to recommend working here to a friend?', kind: 'scale10' as const }];
  const survey = existing ?? (await surveys.create({ name: PULSE_NAME, template: 'enps', questions, audience: { kind: 'org' }, schedule: { kind: 'once', time: '10:00' }, windowDays: 5, holidays: [], active: false }, now));
  const invitedByTeam = Object.fromEntries(Object.values(teams).map((t) => [t.id, t.memberIds.length]));
  const teamNames = Object.fromEntries(Object.values(teams).map((t) => [t.id, t.name]));
  const invited = 14;
  let previous = null;
  for (const [i, p] of PULSES.entries()) {
    const id = `${survey.id}.${i + 1}`;
    const closedAt = DateTime.fromJSDate(now, { zone: 'UTC' }).minus({ weeks: p.weeksAgo }).startOf('day').toJSDate();
    await rounds.createOnce({ id, surveyId: survey.id, n: i + 1, name: PULSE_NAME, questions, status: 'waiting' });
    const round = await rounds.update(id, ['waiting'], { status: 'closed', openedAt: closedAt, closesAt: closedAt, closedAt, invited, invitedByTeam, teamNames });
    const stored = await results.get(id);
    if (!round) {
      previous = stored;
      continue;
    }
    const answers: AnonymousAnswer[] = p.scores.map((enps) => ({ surveyId: survey.id, roundId: id, closedAt, teamIds: [], answers: { enps } }));
    const computed = computeResults(round, answers, FLOOR, previous, closedAt);
    await results.save(computed);
    previous = computed;
  }
}

/** KPIs with samples, alerts and pulse results for the demo organisation's scorecard. */
export async function seedScorecard(store: Store, teams: Record<string, Team>, people: Record<string, Person>, now: Date): Promise<void> {
  await seedKpis(store, teams, now);
  await seedAlerts(store, teams, people, now);
  await seedPulse(store, teams, now);
}
