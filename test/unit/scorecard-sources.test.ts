import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/core/alerts/alerts.types.js';
import { DEFAULTS, type Kpi, type Sample } from '../../src/core/kpis/kpis.types.js';
import { kpiFigure, sparkline } from '../../src/core/kpis/scorecard-source.js';
import { pagesOf } from '../../src/core/oncall/scorecard-figures.js';
import type { Period } from '../../src/core/scorecards/scorecards.types.js';
import { scopeFigures } from '../../src/core/surveys/scorecard-pulse.js';
import type { GroupResult, RoundResults, SurveyRound } from '../../src/core/surveys/surveys.types.js';

const from = new Date('2026-11-16T00:00:00Z');
const period: Period = { kind: 'week', label: '2026-W47', from, to: new Date(from.getTime() + 7 * 86_400_000), weeks: ['2026-W47'] };
const day = (d: number) => new Date(from.getTime() + d * 86_400_000 + 3_600_000);
const terms = (target: number) => ({ direction: 'higher_is_better' as const, target, stretch: null, thresholds: { amber: target - 5, red: target - 10 } });
const kpi: Kpi = {
  key: 'csat', name: 'CSAT', unit: '%', perspective: 'customer', ownerTeamId: 't1', ownerRole: 'manager', cadence: 'P1D', bounds: { min: null, max: null },
  ...terms(90), statistics: DEFAULTS.statistics, alerts: DEFAULTS.alerts,
  versions: [{ ...terms(90), version: 1, effectiveFrom: new Date(0), createdBy: 'x', createdAt: from }, { ...terms(80), version: 2, effectiveFrom: day(3), createdBy: 'x', createdAt: from }],
  lastSampleAt: null, staleSince: null, createdAt: from, updatedAt: from,
};
const sample = (d: number, value: number, extra: Partial<Sample> = {}): Sample => ({ kpiKey: 'csat', at: day(d), value, exception: false, dataError: false, judged: false, rag: null, version: null, corrections: [], receivedAt: day(d), ...extra });

describe('scorecard sources, as pure functions', () => {
  it('a KPI: the latest usable sample, judged by the version in force then; data errors and samples outside the period left out', () => {
    const f = kpiFigure(kpi, [sample(-1, 10), sample(1, 88), sample(4, 73), sample(5, 20, { dataError: true })], period, 2);
    expect(f).toMatchObject({ actual: 73, target: 80, status: 'amber', direction: 'up', trendPoints: [88, 73], openAlerts: 2, teamId: 't1' });
    expect(kpiFigure(kpi, [sample(2, 70, { judged: true, rag: 'red' })], period, 0).status).toBe('red');
    expect(kpiFigure(kpi, [], period, 0)).toMatchObject({ actual: null, status: null, target: 80 });
  });

  it('a sparkline keeps the last value of each of 12 slices', () => {
    const many = Array.from({ length: 7 * 24 }, (_, h) => ({ at: new Date(from.getTime() + h * 3_600_000), value: h }));
    const line = sparkline(many, period);
    expect(line).toHaveLength(12);
    expect(line.at(-1)).toBe(167);
  });

  it('the people an alert paged: the first notification lists them, each escalation step names one', () => {
    const at = new Date('2026-11-20T22:00:00Z');
    const alert = { timeline: [{ at, kind: 'opened', text: '' }, { at, kind: 'notified', text: '', data: { people: ['a', 'b'] } }, { at, kind: 'notified', text: '', data: { key: 'escalation:x:0:0:c', escalation: 'notified', repeat: 0, step: 0, personId: 'c' } }] } as unknown as Alert;
    expect(pagesOf(alert).map((p) => p.personId)).toEqual(['a', 'b', 'c']);
  });

  it('pulse: the organisation for the whole audience, one team its own, several teams weighted by respondents; suppressed groups add nothing', () => {
    const group = (teamId: string | null, enps: number, respondents: number, invited: number): GroupResult => ({ scope: teamId ? 'team' : 'org', teamId, name: teamId ?? 'Org', invited, respondents, responseRate: respondents / invited, enps, enpsChange: null, questions: [], trend: [] });
    const round = { invitedByTeam: { a: 10, b: 10, c: 4 } } as unknown as SurveyRound;
    const results = { org: group(null, 12, 20, 24), teams: [group('a', 20, 8, 10), group('b', 0, 8, 10), { scope: 'team', teamId: 'c', name: 'c', suppressed: true, reason: '' }] } as unknown as RoundResults;
    expect(scopeFigures(round, results, ['a', 'b', 'c', 'x'])).toEqual({ enps: 12, responseRate: 20 / 24, suppressed: false });
    expect(scopeFigures(round, results, ['a'])).toEqual({ enps: 20, responseRate: 0.8, suppressed: false });
    expect(scopeFigures(round, results, ['a', 'b'])).toEqual({ enps: 10, responseRate: 0.8, suppressed: false });
    expect(scopeFigures(round, results, ['c'])).toEqual({ enps: null, responseRate: null, suppressed: true });
  });
});
