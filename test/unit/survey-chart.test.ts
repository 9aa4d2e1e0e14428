import { describe, expect, it } from 'vitest';
import { groupResult } from '../../src/core/surveys/results.js';
import type { AnonymousAnswer, RoundResults, SuppressedGroup, SurveyQuestion } from '../../src/core/surveys/surveys.types.js';
import { surveyChartOption, surveyPng, surveySvg } from '../../src/render/survey-chart.js';

const questions: SurveyQuestion[] = [
  { id: 'enps', text: 'Recommend us?', kind: 'scale10' },
  { id: 'clear', text: 'Priorities are clear', kind: 'agree5' },
  { id: 'why', text: 'Why?', kind: 'text' },
];
const answers = (values: [number, number][]): AnonymousAnswer[] =>
  values.map(([enps, clear]) => ({ surveyId: 's', roundId: 's.2', closedAt: new Date('2026-11-20T00:00:00Z'), teamIds: [], answers: { enps, clear, why: 'fine' } }));
const round1 = groupResult('org', null, 'Organisation', 6, answers([[10, 4], [9, 4], [7, 3], [6, 2], [3, 2], [8, 3]]), { n: 1, questions }, 5, null);
const org = groupResult('org', null, 'Organisation', 6, answers([[10, 5], [10, 4], [9, 4], [8, 3], [6, 3], [0, 1]]), { n: 2, questions }, 5, round1);
const hidden: SuppressedGroup = { scope: 'team', teamId: 't1', name: 'Secret team', suppressed: true, reason: 'Not shown' };
const results: RoundResults = { roundId: 's.2', surveyId: 's', n: 2, name: 'Pulse', closedAt: new Date('2026-11-20T00:00:00Z'), minGroupSize: 5, org, teams: [hidden] };

describe('the survey results picture (ECharts server-side SVG, resvg PNG)', () => {
  it('draws per question its distribution (eNPS bars coloured detractor / passive / promoter), then the eNPS and mean trends', () => {
    const spec = surveyChartOption(results, [org, hidden])!;
    const series = spec.option.series as { type: string; data: ({ value: number; itemStyle: { color: string } } | number | null)[] }[];
    // eNPS bars, agreement bars, eNPS trend, means trend (the text question has no distribution).
    expect(series.map((s) => s.type)).toEqual(['bar', 'bar', 'line', 'line']);
    const enpsBars = series[0]!.data as { value: number; itemStyle: { color: string } }[];
    expect(enpsBars.map((b) => b.value)).toEqual([1, 0, 0, 0, 0, 0, 1, 0, 1, 1, 2]);
    expect(new Set(enpsBars.slice(0, 7).map((b) => b.itemStyle.color)).size).toBe(1);
    expect(enpsBars[7]!.itemStyle.color).not.toBe(enpsBars[0]!.itemStyle.color);
    expect(enpsBars[10]!.itemStyle.color).not.toBe(enpsBars[7]!.itemStyle.color);
    // Round 1 eNPS: 2 promoters, 2 detractors of 6 = 0; round 2: 3 − 2 of 6 = +17.
    expect(series[2]!.data).toEqual([0, 17]);
    expect(series[3]!.data).toEqual([3, 3.33]);
  });

  it('never draws a suppressed group: not its name, and nothing at all when every group is suppressed', () => {
    const svg = surveySvg(results, [org, hidden])!;
    expect(svg).toContain('Organisation');
    expect(svg).not.toContain('Secret team');
    expect(surveyChartOption(results, [hidden])).toBeNull();
    expect(surveyPng({ ...results, org: { ...hidden, scope: 'org', teamId: null, name: 'Organisation' } }, [hidden])).toBeNull();
  });

  it('renders a PNG', () => {
    const png = surveyPng(results, [org, hidden])!;
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.length).toBeGreaterThan(5_000);
  });
});
