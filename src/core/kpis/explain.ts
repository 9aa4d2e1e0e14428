import type { Baseline, StatRule } from '../rhythm/statistics.js';
import type { Kpi, KpiVersion, Rag } from './kpis.types.js';

const BARS = '▁▂▃▄▅▆▇█';

/** A one-line trend of values, oldest first: `▁▃▅█▇` . */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return values.map((x) => BARS[hi === lo ? 3 : Math.round(((x - lo) / (hi - lo)) * (BARS.length - 1))]).join('');
}

/** A number as people read it: at most 3 decimals, no trailing zeros. */
export const fmt = (x: number): string => String(Number(x.toFixed(3)));
export const withUnit = (x: number, unit: string): string => (unit ? `${fmt(x)} ${unit}` : fmt(x));

export const RULE_TEXT: Record<StatRule | 'threshold' | 'stale', string> = {
  threshold: 'threshold crossed',
  sigma3: 'more than 3σ from the baseline mean (exceptional)',
  run_2of3: '2 of the last 3 samples beyond 2σ on the same side (a shift)',
  run_4of5: '4 of the last 5 samples beyond 1σ on the same side (a shift)',
  run_8: '8 samples in a row on the same side of the mean (a shift)',
  input_error: 'a value outside its bounds or beyond 10σ: probably an input error, not a real change',
  stale: 'no new value within 1.5 × its update frequency',
};

export interface ExplainInput {
  kpi: Kpi;
  version: KpiVersion;
  rule: keyof typeof RULE_TEXT;
  value: number;
  at: Date;
  rag: Rag;
  baseline: Baseline | null;
  /** The last values up to and including this one, oldest first. */
  trend: readonly number[];
}

/** The plain-language explanation a manager reads: value, target, baseline mean ± σ, the rule, and the trend. */
export function explain(e: ExplainInput): string {
  const u = e.kpi.unit;
  const side = e.version.direction === 'higher_is_better' ? 'higher is better' : 'lower is better';
  const lines = [
    `${e.kpi.name} was ${withUnit(e.value, u)} at ${e.at.toISOString().slice(0, 16).replace('T', ' ')} UTC (${e.rag}).`,
    `Target ${withUnit(e.version.target, u)} (${side}); amber beyond ${withUnit(e.version.thresholds.amber, u)}, red beyond ${withUnit(e.version.thresholds.red, u)} (version ${e.version.version}).`,
    e.baseline && e.baseline.n >= 2
      ? `Baseline: mean ${withUnit(e.baseline.mean, u)} ± ${fmt(e.baseline.sigma)} (σ) over the last ${e.baseline.n} samples${e.baseline.sigma > 0 ? `; this value is ${fmt((e.value - e.baseline.mean) / e.baseline.sigma)}σ away` : ''}.`
      : 'Baseline: not enough history yet for statistics.',
    `Rule: ${RULE_TEXT[e.rule]}.`,
    `Trend: ${sparkline(e.trend)} (${e.trend.map(fmt).join(', ')})`,
  ];
  return lines.join('\n');
}
