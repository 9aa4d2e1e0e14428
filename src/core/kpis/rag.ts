import type { BadSide } from '../rhythm/statistics.js';
import type { Kpi, KpiTerms, KpiVersion, Rag } from './kpis.types.js';

/** The version in force at `at`: the newest that started at or before it (the first one for older history). */
export function versionAt(kpi: Pick<Kpi, 'versions'>, at: Date): KpiVersion {
  const sorted = [...kpi.versions].sort((a, b) => a.effectiveFrom.getTime() - b.effectiveFrom.getTime());
  let current = sorted[0];
  if (!current) throw new Error('a KPI always has a version');
  for (const v of sorted) if (v.effectiveFrom.getTime() <= at.getTime()) current = v;
  return current;
}

/** Red or amber once the value is beyond the threshold (strictly) on the bad side of the target. */
export function ragOf(terms: Pick<KpiTerms, 'direction' | 'thresholds'>, value: number): Rag {
  const worse = (v: number, threshold: number) => (terms.direction === 'higher_is_better' ? v < threshold : v > threshold);
  if (worse(value, terms.thresholds.red)) return 'red';
  if (worse(value, terms.thresholds.amber)) return 'amber';
  return 'green';
}

export const badSideOf = (terms: Pick<KpiTerms, 'direction'>): BadSide => (terms.direction === 'higher_is_better' ? 'below' : 'above');

/** Thresholds must sit on the bad side of the target, red beyond amber; the stretch on the good side. */
export function termsProblem(t: KpiTerms): string | null {
  const higher = t.direction === 'higher_is_better';
  const { amber, red } = t.thresholds;
  if (higher ? !(red <= amber && amber <= t.target) : !(red >= amber && amber >= t.target)) {
    return higher
      ? `with higher_is_better the thresholds must satisfy red ≤ amber ≤ target (got red ${red}, amber ${amber}, target ${t.target})`
      : `with lower_is_better the thresholds must satisfy target ≤ amber ≤ red (got target ${t.target}, amber ${amber}, red ${red})`;
  }
  if (t.stretch !== null && (higher ? t.stretch < t.target : t.stretch > t.target)) return `the stretch (${t.stretch}) must be at least as good as the target (${t.target})`;
  return null;
}

export const sameTerms = (a: KpiTerms, b: KpiTerms): boolean =>
  a.direction === b.direction && a.target === b.target && a.stretch === b.stretch && a.thresholds.amber === b.thresholds.amber && a.thresholds.red === b.thresholds.red;

export const RAG_EMOJI: Record<Rag, string> = { green: '🟢', amber: '🟠', red: '🔴' };
