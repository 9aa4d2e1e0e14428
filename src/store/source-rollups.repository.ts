import type { Collection, Connection } from 'mongoose';
import type { ChangeSource, SourceChanges, SourceRollupStore } from '../core/scorecards/source-rollups.js';

interface SourceRollupDoc {
  _id: string;
  value: unknown;
  stamp: string;
  computedAt: Date;
}
/** A source's counters: `_id` the source (`all`; `days` of the counts made before they were kept per month), or `<source>|<YYYY-MM>` (that month's `days`). */
interface ChangesDoc {
  _id: string;
  all?: number;
  days?: Record<string, number>;
}
const monthDoc = (source: ChangeSource, day: string) => `${source}|${day.slice(0, 7)}`;

/**
 * How long the counts of a source nobody waits on gather before they are written (ms): the alerts' (a page does not
 * wait on its counter, see MongoAlertRepository), which at 1,000 alerts a second were otherwise a quarter of the
 * commands FerretDB ran, each a rewrite of a counter document. A read of the counters still waits for them.
 */
const LINGER_MS: Partial<Record<ChangeSource, number>> = { alerts: 250, 'kpi-alerts': 250 };

/**
 * The scorecard sources' roll-ups and the counters of writes to their inputs,
 * both read and written by `_id` only (see SourceRollups).
 */
export class MongoSourceRollups implements SourceRollupStore {
  private readonly rollups: Collection<SourceRollupDoc>;
  private readonly counters: Collection<ChangesDoc>;
  /** Per source: the counter write in flight or last queued (settled, never rejects), and the one still taking increments (by document). */
  private readonly counting = new Map<ChangeSource, Promise<void>>();
  private readonly nextCount = new Map<ChangeSource, { inc: Map<string, Record<string, number>>; write: Promise<void> }>();

  constructor(conn: Connection) {
    this.rollups = conn.collection<SourceRollupDoc>('scorecard_source_rollups');
    this.counters = conn.collection<ChangesDoc>('scorecard_changes');
  }

  async get(id: string): Promise<{ value: unknown; stamp: string; computedAt: Date } | null> {
    return this.rollups.findOne({ _id: id });
  }

  async put(id: string, value: unknown, stamp: string, computedAt: Date): Promise<void> {
    await this.rollups.replaceOne({ _id: id }, { value, stamp, computedAt }, { upsert: true });
  }

  async changes(source: ChangeSource, months: readonly string[]): Promise<SourceChanges> {
    // Counts this process made and did not wait for (see MongoAlertRepository) are read once written.
    await this.counting.get(source);
    const [own, ...monthly] = await Promise.all([source, ...months.map((m) => `${source}|${m}`)].map((_id) => this.counters.findOne({ _id })));
    const days = { ...own?.days };
    for (const d of monthly) for (const [day, n] of Object.entries(d?.days ?? {})) days[day] = (days[day] ?? 0) + n;
    return { all: own?.all ?? 0, days };
  }

  /** Once the counts made so far are written (or failed): at shutdown, before the connection closes. */
  async settle(): Promise<void> {
    await Promise.all([...this.counting.values()]);
  }

  /**
   * Group commit of the counters: the increments of a source made while its write is in flight (or, for a source
   * in LINGER_MS, for that long first) go together in the next one (one `_id` update per document, `all` or a
   * month's days, in one command however many writers counted meanwhile); each caller returns once the write that
   * carries its increment is done. A day's counter lives in its month's document: FerretDB rewrites a document
   * whole on every `$inc`, 1.1-1.6 ms of its CPU with one day in it, 13-14 ms with 365 (bench/README.md).
   */
  async changed(source: ChangeSource, days: readonly string[] = []): Promise<void> {
    let next = this.nextCount.get(source);
    if (!next) {
      const inc = new Map<string, Record<string, number>>();
      const linger = LINGER_MS[source];
      const write = (this.counting.get(source) ?? Promise.resolve()).then(async () => {
        if (linger) await new Promise((resolve) => setTimeout(resolve, linger));
        this.nextCount.delete(source);
        const ops = [...inc].map(([_id, fields]) => ({ updateOne: { filter: { _id }, update: { $inc: fields }, upsert: true } }));
        await this.counters.bulkWrite(ops, { ordered: false });
      });
      next = { inc, write };
      this.nextCount.set(source, next);
      const settled = write.catch(() => undefined);
      this.counting.set(source, settled);
      void settled.then(() => {
        if (this.counting.get(source) === settled) this.counting.delete(source);
      });
    }
    for (const [_id, key] of days.length ? [...new Set(days)].map((d) => [monthDoc(source, d), `days.${d}`] as const) : [[source, 'all'] as const]) {
      const fields = next.inc.get(_id) ?? {};
      fields[key] = (fields[key] ?? 0) + 1;
      next.inc.set(_id, fields);
    }
    await next.write;
  }
}
