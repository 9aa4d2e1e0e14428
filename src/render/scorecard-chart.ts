import { createHash } from 'node:crypto';
import { LineChart } from 'echarts/charts';
import { GraphicComponent, GridComponent, MarkLineComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import type { KpiRow, Rag, Scorecard } from '../core/scorecards/scorecards.types.js';
import { FONT, renderSvg, svgToPng } from './echarts.js';

echarts.use([LineChart, GridComponent, MarkLineComponent, TitleComponent, GraphicComponent]);

/** Small multiples per row, and the most KPIs drawn (red first, then amber, green, unknown). */
const COLUMNS = 4;
export const MAX_KPI_CHARTS = 12;
const CELL = { width: 240, height: 120 };
const PAD = { left: 16, top: 56 };
const COLOR: Record<Rag | 'none', string> = { red: '#d93025', amber: '#f29900', green: '#188038', none: '#5f6368' };
const RANK: Record<Rag | 'none', number> = { red: 0, amber: 1, green: 2, none: 3 };

interface Panel {
  title: string;
  points: number[];
  target: number | null;
  color: string;
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function panels(s: Scorecard): Panel[] {
  const kpis = [...s.kpis.rows]
    .filter((k) => k.trendPoints.length > 0)
    .sort((a, b) => RANK[a.status ?? 'none'] - RANK[b.status ?? 'none'] || a.name.localeCompare(b.name))
    .slice(0, MAX_KPI_CHARTS)
    .map((k: KpiRow) => ({ title: cut(k.name, 28), points: k.trendPoints, target: k.target, color: COLOR[k.status ?? 'none'] }));
  const r = s.rhythm;
  if (!r) return kpis;
  const participation = r.participation.weekly.map((w) => (w.rate === null ? NaN : Math.round(w.rate * 100)));
  const extra: Panel[] = [];
  if (participation.some((p) => !Number.isNaN(p))) extra.push({ title: 'Check-in participation %', points: participation, target: null, color: '#1a73e8' });
  const enps = r.pulse.stats?.enpsTrend ?? [];
  if (enps.length) extra.push({ title: 'eNPS', points: enps, target: 0, color: '#9334e6' });
  return [...kpis, ...extra];
}

/** The ECharts option of a scorecard's picture: one small line chart per KPI (target dashed) and the rhythm's trends. */
export function chartOption(s: Scorecard): { option: echarts.EChartsCoreOption; width: number; height: number } | null {
  const ps = panels(s);
  if (!ps.length) return null;
  const rows = Math.ceil(ps.length / COLUMNS);
  const width = PAD.left * 2 + COLUMNS * CELL.width;
  const height = PAD.top + rows * CELL.height + 8;
  const at = (i: number) => ({ left: PAD.left + (i % COLUMNS) * CELL.width, top: PAD.top + Math.floor(i / COLUMNS) * CELL.height });
  const option: echarts.EChartsCoreOption = {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT },
    title: [
      { text: `Scorecard · ${s.scope.name} · ${s.period.label}`, left: PAD.left, top: 10, textStyle: { fontSize: 16, fontFamily: FONT } },
      ...ps.map((p, i) => ({ text: p.title, left: at(i).left + 4, top: at(i).top, textStyle: { fontSize: 11, fontWeight: 'normal', color: p.color, fontFamily: FONT } })),
    ],
    grid: ps.map((_, i) => ({ left: at(i).left + 34, top: at(i).top + 22, width: CELL.width - 50, height: CELL.height - 48 })),
    xAxis: ps.map((p, i) => ({ type: 'category', gridIndex: i, data: p.points.map((_, j) => String(j + 1)), axisLabel: { show: false }, axisTick: { show: false } })),
    yAxis: ps.map((p, i) => {
      const values = [...p.points.filter((v) => !Number.isNaN(v)), ...(p.target === null ? [] : [p.target])];
      return { type: 'value', gridIndex: i, scale: true, min: Math.min(...values), max: Math.max(...values), splitNumber: 2, axisLabel: { fontSize: 9, fontFamily: FONT }, splitLine: { lineStyle: { color: '#eeeeee' } } };
    }),
    series: ps.map((p, i) => ({
      type: 'line',
      xAxisIndex: i,
      yAxisIndex: i,
      data: p.points.map((v) => (Number.isNaN(v) ? null : v)),
      showSymbol: p.points.length < 3,
      connectNulls: true,
      lineStyle: { color: p.color, width: 2 },
      itemStyle: { color: p.color },
      ...(p.target === null ? {} : { markLine: { silent: true, symbol: 'none', label: { show: false }, lineStyle: { type: 'dashed', color: '#80868b' }, data: [{ yAxis: p.target }] } }),
    })),
  };
  return { option, width, height };
}

/** The scorecard's picture as SVG, or null when there is nothing to draw. */
export function scorecardSvg(s: Scorecard): string | null {
  const spec = chartOption(s);
  return spec ? renderSvg(spec.option, spec.width, spec.height) : null;
}

/** Pictures drawn lately, by what they show: the same scorecard asked again (or sent to every leader in a digest) is not drawn again. */
const drawn = new Map<string, Buffer>();
const DRAWN_KEPT = 16;

/** The picture as PNG (rasterising is most of its cost: a picture already drawn from the same figures is reused). */
export function scorecardPng(s: Scorecard): Buffer | null {
  const spec = chartOption(s);
  if (!spec) return null;
  const key = createHash('sha256').update(JSON.stringify(spec)).digest('base64url');
  const known = drawn.get(key);
  if (known) return known;
  const png = svgToPng(renderSvg(spec.option, spec.width, spec.height));
  if (drawn.size >= DRAWN_KEPT) drawn.delete(drawn.keys().next().value as string);
  drawn.set(key, png);
  return png;
}
