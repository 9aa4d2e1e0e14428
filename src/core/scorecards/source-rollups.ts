import type { Clock } from '../clock.js';
import type { Period } from './scorecards.types.js';

/** What a source's inputs are: KPI samples and definitions, alerts, pulse results. */
export type ChangeSource = 'kpis' | 'alerts' | 'pulse';

/**
 * Counters of writes to a source's inputs, one document per source: `all` for
 * changes that may touch any period (a KPI's definition, any alert, a round's
 * results), `days` per UTC day for changes to data of that day (KPI samples).
 * Counters only grow, so a sum over the days of a period changes whenever data
 * of that period was written.
 */
export interface SourceChanges {
  all: number;
  days: Record<string, number>;
}

export interface SourceRollupStore {
  get(id: string): Promise<{ value: unknown; stamp: string; computedAt: Date } | null>;
  put(id: string, value: unknown, stamp: string, computedAt: Date): Promise<void>;
  changes(source: ChangeSource): Promise<SourceChanges>;
  /** Called by writers after their write: `days` are the UTC days (`YYYY-MM-DD`) of the data written; none: `all`. */
  changed(source: ChangeSource, days?: readonly string[]): Promise<void>;
}

/** A roll-up is trusted at most this long even when no change was counted (a writer that crashed between its write and its count). */
export const ROLLUP_MAX_AGE_MS = 6 * 3_600_000;

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The UTC days that overlap `[from, to)`. */
export function daysOf(period: Pick<Period, 'from' | 'to'>): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${utcDay(period.from)}T00:00:00Z`); t < period.to.getTime(); t += 86_400_000) out.push(utcDay(new Date(t)));
  return out;
}

/** The stamp of a source's inputs: `all`, and for a period the counters of its days. */
export function stampOf(c: SourceChanges, period?: Pick<Period, 'from' | 'to'>): string {
  return period ? `${c.all}:${daysOf(period).reduce((n, d) => n + (c.days[d] ?? 0), 0)}` : String(c.all);
}

/**
 * Figures the scorecard's sources compute from collections FerretDB can only
 * scan (KPI samples, alerts, survey results), kept by `_id` with the stamp of
 * the inputs they were computed from: a scorecard reads the counters and the
 * roll-up (two `_id` lookups) and uses it while the stamp still matches; else
 * it computes, and keeps the result under the stamp read before computing (a
 * write during the computation changes the stamp, so its result is not kept
 * as current). The roll-up job warms the periods people ask for.
 */
export class SourceRollups {
  /** Computes without keeping anything: for sources used without a store (tests, benches). */
  static readonly none = { read: <T>(_id: string, _inputs: unknown, compute: () => Promise<T>): Promise<T> => compute() };

  constructor(private readonly d: { store: SourceRollupStore; clock: Clock }) {}

  async read<T>(id: string, inputs: readonly { source: ChangeSource; period?: Pick<Period, 'from' | 'to'> }[], compute: () => Promise<T>): Promise<T> {
    const [kept, ...changes] = await Promise.all([this.d.store.get(id), ...inputs.map((i) => this.d.store.changes(i.source))]);
    const stamp = inputs.map((i, n) => `${i.source}=${stampOf(changes[n]!, i.period)}`).join(',');
    const now = this.d.clock.now();
    if (kept && kept.stamp === stamp && now.getTime() - kept.computedAt.getTime() < ROLLUP_MAX_AGE_MS) return kept.value as T;
    const value = await compute();
    await this.d.store.put(id, value, stamp, now);
    return value;
  }
}
