import { Schema, type Connection, type Model, type mongo } from 'mongoose';
import { DomainError } from '../core/errors.js';
import type { Judgement, Kpi, KpiRepository, KpiTail, PendingSample, Rag, Sample, SampleInput, SampleWrite, TailSample } from '../core/kpis/kpis.types.js';
import { utcDay } from '../core/scorecards/source-rollups.js';
import { StoreCache } from './cache.js';
import { isDuplicateKey } from './connection.js';
import { WriteBatch } from './write-batch.js';

/** A KPI is keyed by its key: every read on the hot path is an `_id` lookup. */
const kpiSchema = new Schema(
  {
    _id: { type: String, required: true },
    definition: { type: Schema.Types.Mixed, required: true },
    lastSampleAt: { type: Date, default: null },
    staleSince: { type: Date, default: null },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'kpis', minimize: false },
);

/**
 * A sample's `_id` is `<kpi key>|<ISO instant>`: a resend is the same
 * document, and the samples of a KPI are an `_id` range in time order
 * (ISO 8601 UTC strings of one length sort like the instants).
 */
const sampleSchema = new Schema(
  {
    _id: { type: String, required: true },
    kpiKey: { type: String, required: true },
    at: { type: Date, required: true },
    value: { type: Number, required: true },
    exception: { type: Boolean, default: false },
    dataError: { type: Boolean, default: false },
    judged: { type: Boolean, default: false },
    rag: { type: String, default: null },
    version: { type: Number, default: null },
    corrections: { type: [Schema.Types.Mixed], default: [] },
    receivedAt: { type: Date, required: true },
  },
  { collection: 'kpi_samples', minimize: false },
);

/**
 * A KPI's tail, `_id` the KPI key: samples waiting to be judged (`<ISO instant>#<revision>#<value>`;
 * entries queued before values were kept lack `#<value>`), the latest judged ones, the rules whose
 * alert may be open (absent: not known), data error marks (ISO instants), its detection lease:
 * who holds it and until when (null: free), and the instant of the newest sample written
 * (`lastSampleAt`, written with the queue or the judged tail: the KPI's own document, larger and
 * cached, is not rewritten per request; KPIs noted before keep theirs there, the later one counts).
 */
const tailSchema = new Schema(
  {
    _id: { type: String, required: true },
    pending: { type: [String], default: [] },
    recent: { type: Schema.Types.Mixed, default: '' },
    complete: { type: Boolean, default: true },
    openRules: { type: [String], default: undefined },
    dataErrors: { type: [String], default: [] },
    built: { type: Boolean, default: false },
    leaseHolder: { type: String, default: null },
    leaseUntil: { type: Date, default: null },
    lastSampleAt: { type: Date },
  },
  { collection: 'kpi_tails', minimize: false },
);

interface KpiDoc {
  _id: string;
  definition: Omit<Kpi, 'lastSampleAt' | 'staleSince' | 'updatedAt'>;
  lastSampleAt: Date | null;
  staleSince: Date | null;
  updatedAt: Date;
}
interface SampleDoc extends Omit<Sample, 'rag'> {
  _id: string;
  rag: string | null;
}
interface TailDoc {
  _id: string;
  pending: string[];
  /**
   * The entries `<instant in ms, base 36>#<value>` (`#x` when an exception) joined by commas, one string (tails
   * written before: an array of such entries, of `<ISO instant>#…`, or of TailSample objects).
   */
  recent: string | (string | TailSample)[];
  complete: boolean;
  openRules?: string[] | null;
  dataErrors: string[];
  built: boolean;
  leaseHolder?: string | null;
  leaseUntil?: Date | null;
  lastSampleAt?: Date | null;
}

const sampleId = (key: string, at: Date) => `${key}|${at.toISOString()}`;
const rangeOf = (key: string) => ({ $gt: `${key}|`, $lt: `${key}|~` });
const pendingEntry = (p: Pick<PendingSample, 'at' | 'revision' | 'value'>) => `${p.at.toISOString()}#${p.revision}${p.value === undefined ? '' : `#${p.value}`}`;
function parsePending(entry: string, marks: ReadonlySet<string>): PendingSample {
  const [iso = '', revision = '0', value] = entry.split('#');
  return { at: new Date(iso), revision: Number(revision), ...(value === undefined ? {} : { value: Number(value) }), dataError: marks.has(iso) };
}
/** Judgements written per command (FerretDB holds one SQLite query open per matching update until the command ends). */
const JUDGED_PER_COMMAND = 50;
/**
 * A judged sample on the tail, compact: FerretDB decodes and rewrites the whole tail on every write (the lease and
 * the judged tail, twice a request), and a short string is far less to rewrite than a subdocument. Its instant in
 * milliseconds, base 36 (8 characters against an ISO string's 24).
 */
const recentEntry = (r: Pick<TailSample, 'at' | 'value' | 'exception'>) => `${r.at.getTime().toString(36)}#${r.value}${r.exception ? '#x' : ''}`;
/**
 * The judged samples as one string: FerretDB's cost of a write grows with the values of the document, each array
 * element one (a 96-element array cost it more than the rest of the request's two tail writes together), not with
 * a string's length (bench/kpi-tail-writes.mjs). A number's text has no comma.
 */
const packRecent = (recent: readonly Pick<TailSample, 'at' | 'value' | 'exception'>[]) => recent.map(recentEntry).join(',');
const unpackRecent = (recent: TailDoc['recent'] | undefined): (string | TailSample)[] => (typeof recent === 'string' ? (recent ? recent.split(',') : []) : (recent ?? []));
function parseRecent(entry: string | TailSample, marks: ReadonlySet<string>): TailSample {
  if (typeof entry !== 'string') return { ...entry, dataError: marks.has(entry.at.toISOString()) };
  const [instant = '', value = '', exception] = entry.split('#');
  // Entries written before hold an ISO string (an upper-case T: base 36 is written in lower case).
  const at = instant.includes('T') ? new Date(instant) : new Date(parseInt(instant, 36));
  // Most tails carry no mark: no ISO string made per entry then (a tail of ~100 is parsed on every request).
  return { at, value: Number(value), exception: exception === 'x', dataError: marks.size > 0 && marks.has(at.toISOString()) };
}

/** A tail document as detection reads it: the queue parsed and in order, the data error marks applied. */
function toTail(d: TailDoc): KpiTail {
  const marks = new Set(d.dataErrors ?? []);
  const pending = (d.pending ?? []).map((p) => parsePending(p, marks));
  return {
    pending: pending.sort((a, b) => a.at.getTime() - b.at.getTime() || a.revision - b.revision),
    // The marks decide (a mark taken back frees the sample again), not the flag written with the entry.
    recent: unpackRecent(d.recent).map((r) => parseRecent(r, marks)),
    complete: d.complete ?? true,
    openRules: d.openRules ?? null,
  };
}
const later = (a: Date | null | undefined, b: Date | null | undefined): Date | null => (a && b ? (a > b ? a : b) : (a ?? b ?? null));
const toKpi = (d: KpiDoc, tail?: Pick<TailDoc, 'lastSampleAt'> | null): Kpi => ({
  ...d.definition,
  lastSampleAt: later(d.lastSampleAt, tail?.lastSampleAt),
  staleSince: d.staleSince ?? null,
  updatedAt: d.updatedAt,
});
const toSample = (d: SampleDoc): Sample => ({
  kpiKey: d.kpiKey,
  at: d.at,
  value: d.value,
  exception: d.exception,
  dataError: d.dataError,
  judged: d.judged,
  rag: (d.rag as Rag | null) ?? null,
  version: d.version ?? null,
  corrections: d.corrections ?? [],
  receivedAt: d.receivedAt,
});
const definitionOf = (kpi: Kpi): KpiDoc['definition'] => {
  const { lastSampleAt: _l, staleSince: _s, updatedAt: _u, ...definition } = kpi;
  return definition;
};

export class MongoKpiRepository implements KpiRepository {
  private readonly Kpi: Model<KpiDoc>;
  private readonly Sample: Model<SampleDoc>;
  private readonly Tail: Model<TailDoc>;
  /** The sample path's writes (samples, the tails' queues and `lastSampleAt`): concurrent requests share bulk writes (see WriteBatch). */
  private readonly sampleWrites: WriteBatch;
  private readonly tailWrites: WriteBatch;

  /**
   * @param changed told after every write the scorecard's KPI figures read: the UTC days
   *   (`YYYY-MM-DD`) of the samples written, none for a definition (see SourceRollups).
   * @param cache the store's cache, kind `kpi`: `definition` reads through it, and `replace` and `markStale` drop
   *   the entry (published to the other processes by main.ts).
   */
  constructor(
    conn: Connection,
    private readonly changed: (days?: readonly string[]) => Promise<void> = () => Promise.resolve(),
    private readonly cache = new StoreCache(),
  ) {
    this.Kpi = conn.model<KpiDoc>('Kpi', kpiSchema);
    this.Sample = conn.model<SampleDoc>('KpiSample', sampleSchema);
    this.Tail = conn.model<TailDoc>('KpiTail', tailSchema);
    // Samples are written whole, as the driver takes them (every field the schema has, `_id` keyed): no
    // mongoose document is built or validated per sample, the costliest part of a request of many.
    const samples = conn.collection<SampleDoc>('kpi_samples');
    this.sampleWrites = new WriteBatch({ bulkWrite: (ops, options) => samples.bulkWrite(ops as unknown as mongo.AnyBulkWriteOperation<SampleDoc>[], options) });
    this.tailWrites = new WriteBatch(this.Tail);
  }

  async get(key: string): Promise<Kpi | null> {
    const [d, tail] = await Promise.all([this.Kpi.findById(key).lean<KpiDoc>(), this.Tail.findById(key, { lastSampleAt: 1 }).lean<TailDoc>()]);
    return d ? toKpi(d, tail) : null;
  }

  /** The KPI's own document only: `lastSampleAt` as it was noted there (see the tail's). */
  definition(key: string): Promise<Kpi | null> {
    return this.cache.load('kpi', key, async () => {
      const d = await this.Kpi.findById(key).lean<KpiDoc>();
      return d ? toKpi(d) : null;
    });
  }

  async list(filter: { ownerTeamIds?: string[] }): Promise<Kpi[]> {
    const q = filter.ownerTeamIds ? { 'definition.ownerTeamId': { $in: filter.ownerTeamIds } } : {};
    const docs = await this.Kpi.find(q).sort({ _id: 1 }).lean<KpiDoc[]>();
    const tails = docs.length ? await this.Tail.find({ _id: { $in: docs.map((d) => d._id) } }, { lastSampleAt: 1 }).lean<TailDoc[]>() : [];
    const last = new Map(tails.map((t) => [t._id, t]));
    return docs.map((d) => toKpi(d, last.get(d._id)));
  }

  async create(kpi: Kpi): Promise<Kpi> {
    try {
      await this.Kpi.create({ _id: kpi.key, definition: definitionOf(kpi), lastSampleAt: kpi.lastSampleAt, staleSince: null, updatedAt: kpi.updatedAt });
    } catch (err) {
      if (isDuplicateKey(err)) throw new DomainError('conflict', `A KPI with the key "${kpi.key}" already exists`, { key: kpi.key });
      throw err;
    }
    // A new KPI has no history: its tail is complete from the start (an upsert: samples may already queue on it).
    await this.Tail.updateOne({ _id: kpi.key }, { $set: { built: true } }, { upsert: true });
    await this.changed();
    return kpi;
  }

  async replace(kpi: Kpi, expectedUpdatedAt: Date): Promise<Kpi | null> {
    const d = await this.Kpi.findOneAndUpdate(
      { _id: kpi.key, updatedAt: expectedUpdatedAt },
      { $set: { definition: definitionOf(kpi), updatedAt: kpi.updatedAt } },
      { returnDocument: 'after' },
    ).lean<KpiDoc>();
    this.cache.invalidate('kpi', kpi.key);
    if (d) await this.changed();
    return d ? toKpi(d) : null;
  }

  async noteSample(key: string, at: Date): Promise<void> {
    await this.tailWrites.upsert(key, { $max: { lastSampleAt: at } });
  }

  async markStale(key: string, since: Date | null): Promise<void> {
    await this.Kpi.updateOne({ _id: key }, { $set: { staleSince: since } });
    this.cache.invalidate('kpi', key);
  }

  /**
   * Inserts first and reads only the samples that already exist, each by
   * `_id`; a correction is one `_id` update that returns the value it
   * replaced. A sample with a judgement given is inserted judged and not
   * queued. Then queues what is to be judged on the tail, after the writes:
   * a crash in between leaves a sample unjudged until it is sent again (a
   * resend of an unjudged sample queues it again).
   */
  async writeSamples(key: string, samples: SampleInput[], by: string, at: Date, judgements?: readonly Judgement[], afterInserts?: (writes: SampleWrite[]) => Promise<unknown>): Promise<SampleWrite[]> {
    const judgedAt = new Map(judgements?.map((j) => [j.at.getTime(), j]));
    const docs: SampleDoc[] = samples.map((s) => {
      const j = judgedAt.get(s.at.getTime());
      const judgement = j ? { judged: true, rag: j.rag, version: j.version, exception: j.exception } : { judged: false, rag: null, version: null, exception: false };
      return { _id: sampleId(key, s.at), kpiKey: key, at: s.at, value: s.value, dataError: false, ...judgement, corrections: [], receivedAt: at };
    });
    const taken = new Set<string>();
    const inserts = await Promise.allSettled(docs.map((doc) => this.sampleWrites.insert(doc)));
    for (const [i, r] of inserts.entries()) {
      if (r.status === 'fulfilled') continue;
      if (!isDuplicateKey(r.reason)) throw r.reason;
      taken.add(docs[i]!._id);
    }
    const out: SampleWrite[] = [];
    for (const [i, s] of samples.entries()) {
      const doc = docs[i]!;
      if (!taken.has(doc._id)) {
        out.push({ outcome: 'inserted', sample: toSample(doc) });
        continue;
      }
      out.push(await this.rewrite(doc._id, s, by, at));
    }
    // A sample judged before it was written is not queued, whatever it found stored (its caller records the judgement).
    const queued = out.filter((w) => !judgedAt.has(w.sample.at.getTime()) && (w.outcome !== 'unchanged' || !w.sample.judged));
    const newest = queued.reduce<Date | null>((n, w) => later(n, w.sample.at), null);
    // Independent writes, each after the samples' (FerretDB runs them one at a time, but none waits for another's answer).
    await Promise.all([
      newest ? this.tailWrites.upsert(key, { $addToSet: { pending: { $each: queued.map((w) => pendingEntry({ at: w.sample.at, revision: w.sample.corrections.length, value: w.sample.value })) } }, $max: { lastSampleAt: newest } }) : undefined,
      // Counted for every sample sent, changed or not: a resend after a crash between the write and the count counts it.
      samples.length ? this.changed(samples.map((s) => utcDay(s.at))) : undefined,
      afterInserts?.(out),
    ]);
    return out;
  }

  /** A sample sent again: unchanged, or corrected by one `_id` update that returns the value it replaced. */
  private async rewrite(id: string, s: SampleInput, by: string, at: Date): Promise<SampleWrite> {
    const before = await this.Sample.findById(id).lean<SampleDoc>();
    if (!before) throw new DomainError('conflict', `The sample at ${s.at.toISOString()} changed at the same time; send it again`);
    if (before.value === s.value) return { outcome: 'unchanged', sample: toSample(before) };
    const replaced = await this.Sample.findOneAndUpdate(
      { _id: id },
      { $set: { value: s.value, judged: false, exception: false, rag: null }, $push: { corrections: { value: before.value, replacedAt: at, by } } },
      { returnDocument: 'before' },
    ).lean<SampleDoc>();
    if (!replaced) throw new DomainError('conflict', `The sample at ${s.at.toISOString()} changed at the same time; send it again`);
    const n = replaced.corrections.length;
    // Another correction landed between the read and the update: the entry pushed names the value it really replaced.
    if (replaced.value !== before.value) await this.Sample.updateOne({ _id: id }, { $set: { [`corrections.${n}.value`]: replaced.value } });
    const corrections = [...replaced.corrections, { value: replaced.value, replacedAt: at, by }];
    return { outcome: 'corrected', sample: toSample({ ...replaced, value: s.value, judged: false, exception: false, rag: null, corrections }), previous: replaced.value };
  }

  async getSample(key: string, at: Date): Promise<Sample | null> {
    const d = await this.Sample.findById(sampleId(key, at)).lean<SampleDoc>();
    return d ? toSample(d) : null;
  }

  async samples(key: string, range: { from?: Date | undefined; to?: Date | undefined; limit: number }): Promise<Sample[]> {
    const id: Record<string, string> = { $gte: range.from ? sampleId(key, range.from) : `${key}|`, $lte: range.to ? sampleId(key, range.to) : `${key}|~` };
    return (await this.Sample.find({ _id: id }).sort({ _id: 1 }).limit(range.limit).lean<SampleDoc[]>()).map(toSample);
  }

  async samplesBefore(key: string, at: Date, limit: number): Promise<Sample[]> {
    return (await this.Sample.find({ _id: { $gt: `${key}|`, $lt: sampleId(key, at) } }).sort({ _id: -1 }).limit(limit).lean<SampleDoc[]>()).map(toSample);
  }

  async samplesBetween(from: Date, to: Date): Promise<Pick<Sample, 'kpiKey' | 'at' | 'value' | 'dataError' | 'rag'>[]> {
    const docs = await this.Sample.find({ at: { $gte: from, $lt: to } }, { kpiKey: 1, at: 1, value: 1, dataError: 1, rag: 1 }).sort({ _id: 1 }).lean<SampleDoc[]>();
    return docs.map((d) => ({ kpiKey: d.kpiKey, at: d.at, value: d.value, dataError: d.dataError ?? false, rag: (d.rag as Rag | null) ?? null }));
  }

  async markDataError(key: string, at: Date, dataError: boolean): Promise<Sample | null> {
    const d = await this.Sample.findOneAndUpdate({ _id: sampleId(key, at) }, { $set: { dataError } }, { returnDocument: 'after' }).lean<SampleDoc>();
    if (!d) return null;
    const mark = at.toISOString();
    await this.Tail.updateOne({ _id: key }, dataError ? { $addToSet: { dataErrors: mark } } : { $pull: { dataErrors: mark } }, { upsert: true });
    await this.changed([utcDay(at)]);
    return toSample(d);
  }

  async tail(key: string, size: number): Promise<KpiTail> {
    const d = await this.Tail.findById(key).lean<TailDoc>();
    return toTail(d?.built ? d : await this.buildTail(key, size));
  }

  /** Once per KPI from before tails: its latest judged samples and its unjudged ones, by range reads (a scan on FerretDB). */
  private async buildTail(key: string, size: number): Promise<TailDoc> {
    const judged = (await this.Sample.find({ _id: rangeOf(key), judged: true }).sort({ _id: -1 }).limit(size + 1).lean<SampleDoc[]>()).reverse();
    const unjudged = await this.Sample.find({ _id: rangeOf(key), judged: false }).lean<SampleDoc[]>();
    const errors = await this.Sample.find({ _id: rangeOf(key), dataError: true }).lean<SampleDoc[]>();
    const d = await this.Tail.findOneAndUpdate(
      { _id: key },
      {
        $set: { recent: packRecent(judged.slice(-size)), complete: judged.length <= size, built: true },
        $addToSet: { pending: { $each: unjudged.map((s) => pendingEntry({ at: s.at, revision: s.corrections.length, value: s.value })) }, dataErrors: { $each: errors.map((s) => s.at.toISOString()) } },
      },
      { upsert: true, returnDocument: 'after' },
    ).lean<TailDoc>();
    return d!;
  }

  async judged(key: string, results: Judgement[]): Promise<void> {
    for (let i = 0; i < results.length; i += JUDGED_PER_COMMAND) {
      const ops = results.slice(i, i + JUDGED_PER_COMMAND).map(({ at, ...result }) => ({ updateOne: { filter: { _id: sampleId(key, at) }, update: { $set: { judged: true, ...result } } } }));
      await this.Sample.bulkWrite(ops, { ordered: false });
    }
  }

  async dequeue(key: string, holder: string, done: PendingSample[], tail: Pick<KpiTail, 'recent' | 'complete' | 'openRules'>, release: boolean, lastSampleAt?: Date): Promise<{ held: boolean; pending: number }> {
    const set = { recent: packRecent(tail.recent), complete: tail.complete, ...(tail.openRules ? { openRules: tail.openRules } : {}), ...(release ? { leaseHolder: null, leaseUntil: null } : {}) };
    const update = { $set: set, $pullAll: { pending: done.map(pendingEntry) }, ...(lastSampleAt ? { $max: { lastSampleAt } } : {}) };
    const d = await this.Tail.findOneAndUpdate({ _id: key, leaseHolder: holder }, update, { returnDocument: 'after' }).lean<Pick<TailDoc, 'pending'>>();
    return { held: d !== null, pending: d?.pending?.length ?? 0 };
  }

  /**
   * One guarded `_id` write takes the lease when samples wait and it is free or ran out, and returns the
   * tail as it is under it (no other read); a tail not there yet is created taken. Writes to one document
   * are atomic (MongoDB, and FerretDB as scripts/stack.sh builds it), so one holder wins however many race.
   */
  async lease(key: string, holder: string, now: Date, ttlMs: number, size: number, idle = false): Promise<KpiTail | null> {
    let d: TailDoc | null;
    try {
      d = await this.Tail.findOneAndUpdate(
        { _id: key, ...(idle ? {} : { pending: { $ne: [] } }), $or: [{ leaseUntil: null }, { leaseUntil: { $lte: now } }] },
        { $set: { leaseHolder: holder, leaseUntil: new Date(now.getTime() + ttlMs) } },
        { upsert: true, returnDocument: 'after' },
      ).lean<TailDoc>();
    } catch (err) {
      // Held, or nothing to judge: the upsert found no such tail, and it exists.
      if (isDuplicateKey(err)) return null;
      throw err;
    }
    if (!d) return null;
    return toTail(d.built ? d : await this.buildTail(key, size));
  }

  async heldUntil(key: string, now: Date): Promise<Date | null> {
    const d = await this.Tail.findById(key, { pending: 1, leaseUntil: 1 }).lean<Pick<TailDoc, 'pending' | 'leaseUntil'>>();
    return d?.pending?.length && d.leaseUntil && d.leaseUntil > now ? d.leaseUntil : null;
  }

  async release(key: string, holder: string): Promise<void> {
    await this.Tail.updateOne({ _id: key, leaseHolder: holder }, { $set: { leaseHolder: null, leaseUntil: null } });
  }
}
