import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import type { GroupResult, QuestionResult, RoundResults, SuppressedGroup, TrendPoint } from '../core/surveys/surveys.types.js';
import { isShown } from '../core/surveys/surveys.types.js';
import { FONT, renderSvg, svgToPng } from './echarts.js';

echarts.use([BarChart, LineChart, GridComponent, TitleComponent]);

/** Per group one row: a bar chart per question with a distribution, then the eNPS and mean trends. */
export const MAX_GROUPS = 8;
const MAX_QUESTIONS = 6;
const CELL = { width: 220, height: 130 };
const PAD = { left: 16, top: 48, row: 22 };
const DETRACTOR = '#d93025';
const PASSIVE = '#f29900';
const PROMOTER = '#188038';
const BAR = '#1a73e8';
const LINES = ['#1a73e8', '#9334e6', '#e8710a', '#12b5cb', '#b31412', '#188038'];

type Panel =
  | { kind: 'bars'; title: string; labels: string[]; values: number[]; colors: string[] }
  | { kind: 'lines'; title: string; rounds: string[]; series: { name: string; data: (number | null)[] }[]; min?: number; max?: number };

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const enpsColor = (v: number) => (v <= 6 ? DETRACTOR : v <= 8 ? PASSIVE : PROMOTER);

/** Question `index` (0-based) as `Q1`…: the bar panels' titles and the mean lines' labels name it alike. */
const qName = (index: number) => `Q${index + 1}`;

function barsOf(q: QuestionResult, index: number, enpsId: string | null): Panel | null {
  const entries = Object.entries(q.distribution);
  if (!entries.length) return null;
  const colored = q.kind === 'scale10' && q.id === enpsId;
  return {
    kind: 'bars',
    title: `${qName(index)} ${cut(q.text, 27)}${q.mean === null ? '' : ` · ${q.mean.toFixed(2)}`}`,
    labels: entries.map(([k]) => k),
    values: entries.map(([, n]) => n),
    colors: entries.map(([k]) => (colored ? enpsColor(Number(k)) : BAR)),
  };
}

/** eNPS by round, and the means of the other questions by round (the eNPS question's own mean is on the eNPS scale). */
function trendsOf(g: GroupResult, enpsId: string | null): Panel[] {
  const trend: readonly TrendPoint[] = g.trend;
  const rounds = trend.map((p) => `R${p.n}`);
  const out: Panel[] = [];
  if (trend.filter((p) => p.enps !== null).length > 1) out.push({ kind: 'lines', title: 'eNPS by round', rounds, series: [{ name: 'eNPS', data: trend.map((p) => p.enps) }], min: -100, max: 100 });
  const means = g.questions
    .map((q, index) => ({ q, index }))
    .filter(({ q }) => q.id !== enpsId && trend.filter((p) => typeof p.means[q.id] === 'number').length > 1)
    .slice(0, LINES.length)
    .map(({ q, index }) => ({ name: qName(index), data: trend.map((p) => p.means[q.id] ?? null) }));
  if (means.length) out.push({ kind: 'lines', title: 'Means by round', rounds, series: means });
  return out;
}

/** One panel's series on its own grid `i`: coloured bars, or one line per figure. */
function seriesOf(p: Panel, i: number): Record<string, unknown>[] {
  if (p.kind === 'bars') return [{ type: 'bar', xAxisIndex: i, yAxisIndex: i, barCategoryGap: '20%', data: p.values.map((value, j) => ({ value, itemStyle: { color: p.colors[j] } })) }];
  return p.series.map((s, j) => {
    const color = LINES[j % LINES.length];
    return { type: 'line', name: s.name, xAxisIndex: i, yAxisIndex: i, data: s.data, connectNulls: true, lineStyle: { color, width: 2 }, itemStyle: { color }, endLabel: { show: true, formatter: '{a}', fontSize: 8, color, fontFamily: FONT } };
  });
}

/** The panels of a shown group; a suppressed group gives none (nothing of it is drawn, not even its name). */
function rowOf(g: GroupResult | SuppressedGroup, enpsId: string | null): { name: string; panels: Panel[] } | null {
  if (!isShown(g)) return null;
  const bars = g.questions.flatMap((q, index) => barsOf(q, index, enpsId) ?? []).slice(0, MAX_QUESTIONS);
  const panels = [...bars, ...trendsOf(g, enpsId)];
  return panels.length ? { name: `${g.name}${g.enps === null ? '' : ` · eNPS ${g.enps > 0 ? '+' : ''}${g.enps}`}`, panels } : null;
}

/** The ECharts option of a round's picture for the given groups, or null when no shown group has anything to draw. */
export function surveyChartOption(results: RoundResults, groups: readonly (GroupResult | SuppressedGroup)[]): { option: echarts.EChartsCoreOption; width: number; height: number } | null {
  const shown = groups.find(isShown);
  const enpsId = shown ? (shown.questions.find((q) => q.id === 'enps' && q.kind === 'scale10') ?? shown.questions.find((q) => q.kind === 'scale10'))?.id ?? null : null;
  const rows = groups.flatMap((g) => rowOf(g, enpsId) ?? []).slice(0, MAX_GROUPS);
  if (!rows.length) return null;
  const columns = Math.max(...rows.map((r) => r.panels.length));
  const rowHeight = PAD.row + CELL.height;
  const width = PAD.left * 2 + columns * CELL.width;
  const height = PAD.top + rows.length * rowHeight + 8;
  const cells = rows.flatMap((r, ri) => r.panels.map((p, ci) => ({ p, left: PAD.left + ci * CELL.width, top: PAD.top + ri * rowHeight + PAD.row })));
  const option: echarts.EChartsCoreOption = {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT },
    title: [
      { text: `${results.name} · round ${results.n}`, left: PAD.left, top: 10, textStyle: { fontSize: 16, fontFamily: FONT } },
      ...rows.map((r, ri) => ({ text: r.name, left: PAD.left, top: PAD.top + ri * rowHeight, textStyle: { fontSize: 13, fontFamily: FONT } })),
      ...cells.map((c) => ({ text: c.p.title, left: c.left + 4, top: c.top, textStyle: { fontSize: 10, fontWeight: 'normal', color: '#5f6368', fontFamily: FONT } })),
    ],
    grid: cells.map((c) => ({ left: c.left + 30, top: c.top + 20, width: CELL.width - 44, height: CELL.height - 46 })),
    xAxis: cells.map((c, i) => ({
      type: 'category',
      gridIndex: i,
      data: c.p.kind === 'bars' ? c.p.labels.map((l) => cut(l, 8)) : c.p.rounds,
      axisLabel: { fontSize: 8, interval: 0, fontFamily: FONT },
      axisTick: { show: false },
    })),
    yAxis: cells.map((c, i) => ({
      type: 'value',
      gridIndex: i,
      minInterval: 1,
      splitNumber: 2,
      ...(c.p.kind === 'lines' ? { scale: c.p.min === undefined, ...(c.p.min === undefined ? {} : { min: c.p.min, max: c.p.max }) } : {}),
      axisLabel: { fontSize: 8, fontFamily: FONT },
      splitLine: { lineStyle: { color: '#eeeeee' } },
    })),
    series: cells.flatMap((c, i) => seriesOf(c.p, i)),
  };
  return { option, width, height };
}

/** The round's picture as SVG, or null when there is nothing to draw. */
export function surveySvg(results: RoundResults, groups: readonly (GroupResult | SuppressedGroup)[]): string | null {
  const spec = surveyChartOption(results, groups);
  return spec ? renderSvg(spec.option, spec.width, spec.height) : null;
}

/** The round's picture as PNG, or null when there is nothing to draw. */
export function surveyPng(results: RoundResults, groups: readonly (GroupResult | SuppressedGroup)[]): Buffer | null {
  const svg = surveySvg(results, groups);
  return svg ? svgToPng(svg) : null;
}
