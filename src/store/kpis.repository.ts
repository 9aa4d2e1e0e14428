import { Schema, type Connection, type Model } from 'mongoose';
import { DomainError } from '../core/errors.js';
import type { Kpi, KpiRepository, Rag, Sample, SampleInput, SampleWrite } from '../core/kpis/kpis.types.js';
import { isDuplicateKey } from './connection.js';

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

/** One worker judges a KPI's samples at a time, in time order. */
const leaseSchema = new Schema({ _id: { type: String, required: true }, holder: String, until: Date }, { collection: 'kpi_leases' });

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
interface LeaseDoc {
  _id: string;
  holder: string;
  until: Date;
}

const sampleId = (key: string, at: Date) => `${key}|${at.toISOString()}`;
const rangeOf = (key: string) => ({ $gt: `${key}|`, $lt: `${key}|~` });

const toKpi = (d: KpiDoc): Kpi => ({ ...d.definition, lastSampleAt: d.lastSampleAt ?? null, staleSince: d.staleSince ?? null, updatedAt: d.updatedAt });
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
  private readonly Lease: Model<LeaseDoc>;

  constructor(conn: Connection) {
    this.Kpi = conn.model<KpiDoc>('Kpi', kpiSchema);
    this.Sample = conn.model<SampleDoc>('KpiSample', sampleSchema);
    this.Lease = conn.model<LeaseDoc>('KpiLease', leaseSchema);
  }

  async get(key: string): Promise<Kpi | null> {
    const d = await this.Kpi.findById(key).lean<KpiDoc>();
    return d ? toKpi(d) : null;
  }

  async list(filter: { ownerTeamIds?: string[] }): Promise<Kpi[]> {
    const q = filter.ownerTeamIds ? { 'definition.ownerTeamId': { $in: filter.ownerTeamIds } } : {};
    return (await this.Kpi.find(q).sort({ _id: 1 }).lean<KpiDoc[]>()).map(toKpi);
  }

  async create(kpi: Kpi): Promise<Kpi> {
    try {
      await this.Kpi.create({ _id: kpi.key, definition: definitionOf(kpi), lastSampleAt: kpi.lastSampleAt, staleSince: null, updatedAt: kpi.updatedAt });
    } catch (err) {
      if (isDuplicateKey(err)) throw new DomainError('conflict', `A KPI with the key "${kpi.key}" already exists`, { key: kpi.key });
      throw err;
    }
    return kpi;
  }

  async replace(kpi: Kpi, expectedUpdatedAt: Date): Promise<Kpi | null> {
    const d = await this.Kpi.findOneAndUpdate(
      { _id: kpi.key, updatedAt: expectedUpdatedAt },
      { $set: { definition: definitionOf(kpi), updatedAt: kpi.updatedAt } },
      { returnDocument: 'after' },
    ).lean<KpiDoc>();
    return d ? toKpi(d) : null;
  }

  async noteSample(key: string, at: Date): Promise<void> {
    await this.Kpi.updateOne({ _id: key }, { $max: { lastSampleAt: at } });
  }

  async markStale(key: string, since: Date | null): Promise<void> {
    await this.Kpi.updateOne({ _id: key }, { $set: { staleSince: since } });
  }

  async writeSamples(key: string, samples: SampleInput[], by: string, at: Date): Promise<SampleWrite[]> {
    const existing = new Map(
      (await this.Sample.find({ _id: { $in: samples.map((s) => sampleId(key, s.at)) } }).lean<SampleDoc[]>()).map((d) => [d._id, d]),
    );
    const fresh = samples.filter((s) => !existing.has(sampleId(key, s.at)));
    const docs = fresh.map((s) => ({ _id: sampleId(key, s.at), kpiKey: key, at: s.at, value: s.value, receivedAt: at }));
    const failed = new Set<string>();
    if (docs.length) {
      await this.Sample.insertMany(docs, { ordered: false }).catch((err: unknown) => {
        const writeErrors = (err as { writeErrors?: { index?: number; err?: { index?: number } }[] }).writeErrors;
        if (!isDuplicateKey(err) && !writeErrors) throw err;
        for (const w of writeErrors ?? []) {
          const doc = docs[w.index ?? w.err?.index ?? -1];
          if (doc) failed.add(doc._id);
        }
        if (!writeErrors) for (const doc of docs) failed.add(doc._id);
      });
    }
    const out: SampleWrite[] = [];
    for (const s of samples) {
      const id = sampleId(key, s.at);
      const before = existing.get(id) ?? (failed.has(id) ? await this.Sample.findById(id).lean<SampleDoc>() : null);
      if (!before) {
        out.push({ outcome: 'inserted', sample: toSample({ ...docs.find((d) => d._id === id)!, exception: false, dataError: false, judged: false, rag: null, version: null, corrections: [] }) });
        continue;
      }
      if (before.value === s.value) {
        out.push({ outcome: 'unchanged', sample: toSample(before) });
        continue;
      }
      const after = await this.Sample.findOneAndUpdate(
        { _id: id, value: before.value },
        { $set: { value: s.value, judged: false, exception: false, rag: null }, $push: { corrections: { value: before.value, replacedAt: at, by } } },
        { returnDocument: 'after' },
      ).lean<SampleDoc>();
      if (!after) throw new DomainError('conflict', `The sample of ${key} at ${s.at.toISOString()} changed at the same time; send it again`);
      out.push({ outcome: 'corrected', sample: toSample(after), previous: before.value });
    }
    return out;
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

  async unjudged(key: string, limit: number): Promise<Sample[]> {
    return (await this.Sample.find({ _id: rangeOf(key), judged: false }).sort({ _id: 1 }).limit(limit).lean<SampleDoc[]>()).map(toSample);
  }

  async judged(key: string, at: Date, value: number, result: { rag: Rag | null; version: number; exception: boolean }): Promise<void> {
    // Guarded on the value: a correction that landed meanwhile stays unjudged and is judged next.
    await this.Sample.updateOne({ _id: sampleId(key, at), value }, { $set: { judged: true, ...result } });
  }

  async markDataError(key: string, at: Date, dataError: boolean): Promise<Sample | null> {
    const d = await this.Sample.findOneAndUpdate({ _id: sampleId(key, at) }, { $set: { dataError } }, { returnDocument: 'after' }).lean<SampleDoc>();
    return d ? toSample(d) : null;
  }

  async lease(key: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    const until = new Date(now.getTime() + ttlMs);
    const taken = await this.Lease.findOneAndUpdate({ _id: key, until: { $lt: now } }, { $set: { holder, until } }, { returnDocument: 'after' }).lean<LeaseDoc>();
    if (taken) return true;
    try {
      await this.Lease.create({ _id: key, holder, until });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async release(key: string, holder: string): Promise<void> {
    await this.Lease.deleteOne({ _id: key, holder });
  }
}
