import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Scorecard } from '../../src/core/scorecards/scorecards.types.js';
import { PERSPECTIVES } from '../../src/core/scorecards/scorecards.types.js';
import { chartOption, MAX_KPI_CHARTS, scorecardPng, scorecardSvg } from '../../src/render/scorecard-chart.js';

const from = new Date('2026-11-16T00:00:00+01:00');
const card = (kpis: number, rhythm = true): Scorecard => ({
  scope: { kind: 'organisation', teamId: null, name: 'Organisation', teamIds: [] },
  period: { kind: 'week', label: '2026-W47', from, to: new Date(from.getTime() + 7 * 86_400_000), weeks: ['2026-W47'] },
  generatedAt: new Date('2026-11-25T10:00:00Z'),
  kpis: {
    setUp: true,
    rows: Array.from({ length: kpis }, (_, i) => ({
      key: `k${i}`, name: `KPI number ${i}`, perspective: PERSPECTIVES[i % 4]!, unit: '%', direction: 'up' as const, target: 90, actual: 80 + i, status: (['red', 'amber', 'green'] as const)[i % 3]!,
      trendPoints: [70 + i, 75 + i, 72 + i, 80 + i], openAlerts: 0, latestComment: null, ownerId: null, teamId: null, variance: i - 10, trend: 'up' as const,
    })),
  },
  rhythm: rhythm
    ? {
        participation: { rate: 0.8, previousRate: 0.7, weekly: [0.6, 0.7, null, 0.8].map((rate, i) => ({ week: `2026-W4${i}`, rate })), byTeam: {} },
        mood: { average: 3.5, answers: 10 },
        openBlockers: { total: 0, oldest: [] },
        kudos: { given: 3, recognisedShare: 0.5, people: 10 },
        pulse: { setUp: true, stats: { enps: 20, responseRate: 0.8, suppressed: false, enpsTrend: [5, 12, 20], roundEndedAt: null } },
        alerts: { setUp: true, stats: { count: 0, medianAckMs: null, medianResolveMs: null, afterHoursPages: 0 } },
      }
    : null,
  actions: [],
  drillDown: [],
});

describe('the scorecard picture (ECharts server-side SVG, resvg PNG)', () => {
  it('draws one panel per KPI (red first, at most 12) with a dashed target line, then participation and eNPS trends', () => {
    const spec = chartOption(card(20))!;
    const series = spec.option.series as { data: (number | null)[]; markLine?: { data: { yAxis: number }[] } }[];
    expect(series).toHaveLength(MAX_KPI_CHARTS + 2);
    expect(series[0]!.markLine?.data).toEqual([{ yAxis: 90 }]);
    expect(series.at(-2)!.data).toEqual([60, 70, null, 80]);
    expect(series.at(-1)!.data).toEqual([5, 12, 20]);
    const svg = scorecardSvg(card(20))!;
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('Scorecard · Organisation · 2026-W47');
  });

  it('renders a PNG without a browser, quickly once warm; nothing to draw gives no picture', () => {
    scorecardPng(card(4));
    const t0 = performance.now();
    const png = scorecardPng(card(20))!;
    const ms = performance.now() - t0;
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.length).toBeGreaterThan(5_000);
    if (process.env.SCORECARD_PNG_OUT) writeFileSync(process.env.SCORECARD_PNG_OUT, png);
    expect(ms).toBeLessThan(5_000);
    expect(scorecardPng({ ...card(0, false) })).toBeNull();
  });
});
