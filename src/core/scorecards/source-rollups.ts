import type { Clock } from '../clock.js';
import type { Period } from './scorecards.types.js';

/**
 * What a source's inputs are: KPI samples and definitions, alerts (counted by the UTC day each was opened: an
 * alert's figures belong to the period it was opened in), the open alerts of KPIs (opened or resolved), pulse results.
 */
export type ChangeSource = 'kpis' | 'alerts' | 'kpi-alerts' | 'pulse';

/**
 * Counters of writes to a source's inputs: `all` for changes that may touch
 * any period (a KPI's definition, any alert, a round's results), `days` per
 * UTC day for changes to data of that day (KPI samples), kept per month (a
 * document counting every day ever written to was rewritten whole by each
 * write). Counters only grow, so a sum over the days of a period changes
 * whenever data of that period was written.
 */
export interface SourceChanges {
  all: number;
  days: Record<string, number>;
}

export interface SourceRollupStore {
  get(id: string): Promise<{ value: unknown; stamp: string; computedAt: Date } | null>;
  put(id: string, value: unknown, stamp: string, computedAt: Date): Promise<void>;
  /** `all`, and the days of `months` (`YYYY-MM`; days counted before months were kept are included whatever their month). */
  changes(source: ChangeSource, months: readonly string[]): Promise<SourceChanges>;
  /** Called by writers after their write: `days` are the UTC days (`YYYY-MM-DD`) of the data written; none: `all`. */
  changed(source: ChangeSource, days?: readonly string[]): Promise<void>;
}

/** A roll-up is trusted at most this long even when no change was counted (a writer that crashed between its write and its count). */
export const ROLLUP_MAX_AGE_MS = 6 * 3_600_000;

/** Roll-ups remembered in process (periods × zones × sources; each a few kB to tens of kB). */
const MAX_KNOWN = 200;

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The UTC days that overlap `[from, to)`. */
export function daysOf(period: Pick<Period, 'from' | 'to'>): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${utcDay(period.from)}T00:00:00Z`); t < period.to.getTime(); t += 86_400_000) out.push(utcDay(new Date(t)));
  return out;
}

/** The UTC months (`YYYY-MM`) that overlap `[from, to)`. */
export const monthsOf = (period: Pick<Period, 'from' | 'to'>): string[] => [...new Set(daysOf(period).map((d) => d.slice(0, 7)))];

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
 * as current). The roll-up job warms the periods people ask for. A process
 * also remembers the roll-ups it read, so while nothing changed a scorecard
 * reads only the counters (one `_id` lookup per source).
 */
export class SourceRollups {
  /** Computes without keeping anything: for sources used without a store (tests, benches). */
  static readonly none = { read: <T>(_id: string, _inputs: unknown, compute: () => Promise<T>): Promise<T> => compute() };

  /** Roll-ups this process read or computed, by id, with their stamp: reused while the stamp matches (no read of the document). */
  private readonly known = new Map<string, { value: unknown; stamp: string; computedAt: number }>();
  /** Counters being read, by source and months: concurrent readers of one scorecard share the round trips. */
  private readonly reading = new Map<string, Promise<SourceChanges>>();

  constructor(private readonly d: { store: SourceRollupStore; clock: Clock }) {}

  private changes(source: ChangeSource, period?: Pick<Period, 'from' | 'to'>): Promise<SourceChanges> {
    const months = period ? monthsOf(period) : [];
    const key = `${source}:${months.join(',')}`;
    let p = this.reading.get(key);
    if (!p) {
      p = this.d.store.changes(source, months).finally(() => this.reading.delete(key));
      this.reading.set(key, p);
    }
    return p;
  }

  async read<T>(id: string, inputs: readonly { source: ChangeSource; period?: Pick<Period, 'from' | 'to'> }[], compute: () => Promise<T>): Promise<T> {
    const changes = await Promise.all(inputs.map((i) => this.changes(i.source, i.period)));
    const stamp = inputs.map((i, n) => `${i.source}=${stampOf(changes[n]!, i.period)}`).join(',');
    const now = this.d.clock.now().getTime();
    const usable = (r: { stamp: string; computedAt: number } | null | undefined) => r !== null && r !== undefined && r.stamp === stamp && now - r.computedAt < ROLLUP_MAX_AGE_MS;
    const mine = this.known.get(id);
    if (usable(mine)) return mine!.value as T;
    const kept = await this.d.store.get(id);
    const stored = kept ? { value: kept.value, stamp: kept.stamp, computedAt: kept.computedAt.getTime() } : null;
    if (stored && usable(stored)) {
      this.remember(id, stored);
      return stored.value as T;
    }
    const value = await compute();
    await this.d.store.put(id, value, stamp, new Date(now));
    this.remember(id, { value, stamp, computedAt: now });
    return value;
  }

  private remember(id: string, entry: { value: unknown; stamp: string; computedAt: number }): void {
    this.known.delete(id);
    // Insertion order: the first key is the one used least recently.
    if (this.known.size >= MAX_KNOWN) this.known.delete(this.known.keys().next().value as string);
    this.known.set(id, entry);
  }
}
