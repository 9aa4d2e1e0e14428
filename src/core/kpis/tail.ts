import type { KpiDeps } from './deps.js';
import { MAX_BASELINE, type Kpi, type KpiTail, type PendingSample, type Sample, type TailSample } from './kpis.types.js';

/** Samples read before the judged one: the baseline plus the run rules' window, with room for excluded ones. */
export const lookback = (kpi: { statistics: Pick<Kpi['statistics'], 'baselineSize'> }): number => kpi.statistics.baselineSize * 2 + 8;

/** Judged samples kept on a KPI's tail: twice its lookback, so a sample arriving a little late still finds its baseline there. */
export const tailSize = (kpi: { statistics: Pick<Kpi['statistics'], 'baselineSize'> }): number => lookback(kpi) * 2;

/** The largest tail any KPI keeps (its baseline at the most allowed): a tail built before its KPI is read holds this many, trimmed by its first judgement. */
export const MAX_TAIL_SIZE = tailSize({ statistics: { baselineSize: MAX_BASELINE } });

/** The tail with a judged sample in its place (a correction replaces its entry), the oldest dropped beyond `size`. */
export function withJudged(tail: Pick<KpiTail, 'recent' | 'complete'>, entry: TailSample, size: number): Pick<KpiTail, 'recent' | 'complete'> {
  const recent = tail.recent.filter((r) => r.at.getTime() !== entry.at.getTime());
  const after = recent.findIndex((r) => r.at.getTime() > entry.at.getTime());
  recent.splice(after === -1 ? recent.length : after, 0, entry);
  const dropped = recent.length > size;
  return { recent: dropped ? recent.slice(-size) : recent, complete: tail.complete && !dropped };
}

/** Queued samples, one per instant (its latest revision), oldest first. */
export function queued(tail: Pick<KpiTail, 'pending'>): PendingSample[] {
  const byAt = new Map<number, PendingSample>();
  for (const p of tail.pending) {
    const seen = byAt.get(p.at.getTime());
    if (!seen || seen.revision < p.revision) byAt.set(p.at.getTime(), p);
  }
  return [...byAt.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
}

const toTail = (s: Sample): TailSample => ({ at: s.at, value: s.value, exception: s.exception, dataError: s.dataError });

/**
 * The judged samples right before `at`, oldest first, from the tail; only a
 * sample older than what a trimmed tail holds needs a range read of its
 * history (a scan on FerretDB: late history, rare).
 */
export async function samplesBefore(d: Pick<KpiDeps, 'kpis'>, kpi: Kpi, tail: Pick<KpiTail, 'recent' | 'complete'>, at: Date): Promise<TailSample[]> {
  const n = lookback(kpi);
  const earlier = tail.recent.filter((r) => r.at.getTime() < at.getTime());
  if (earlier.length >= n || tail.complete) return earlier.slice(-n);
  return (await d.kpis.samplesBefore(kpi.key, at, n)).reverse().map(toTail);
}
