import { Schema, type Collection, type Connection, type Model } from 'mongoose';
import type { ErasedCounts, LegalHold, LegalHoldRepository, PersonalDataStore, PersonalRecords, RetentionKind } from '../core/governance/governance.types.js';
import { PLATFORMS } from '../core/people/people.types.js';
import type { AuditEntry } from '../core/ports.js';
import type { StoreCache } from './cache.js';

/** `_id` = `org` or `person:<id>`: read by `_id` before every erasure and purge. */
const legalHoldSchema = new Schema(
  {
    _id: { type: String, required: true },
    personId: { type: String, default: null },
    reason: { type: String, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'legal_holds' },
);
type HoldDoc = { _id: string; personId: string | null; reason: string; by: string; at: Date };
const toHold = (d: HoldDoc): LegalHold => ({ id: d._id, personId: d.personId ?? null, reason: d.reason, by: d.by, at: d.at });

export class MongoLegalHoldRepository implements LegalHoldRepository {
  constructor(private readonly model: Model<HoldDoc>) {}

  async list(): Promise<LegalHold[]> {
    return (await this.model.find().sort({ _id: 1 }).lean<HoldDoc[]>()).map(toHold);
  }

  async get(id: string): Promise<LegalHold | null> {
    const d = await this.model.findById(id).lean<HoldDoc>();
    return d ? toHold(d) : null;
  }

  async put(hold: LegalHold): Promise<LegalHold> {
    const { id, ...rest } = hold;
    await this.model.replaceOne({ _id: id }, rest, { upsert: true });
    return hold;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.model.deleteOne({ _id: id })).deletedCount === 1;
  }
}

export type PurgedDoc = Record<string, unknown> & { _id: unknown };
type Doc = PurgedDoc;
const OBJECT_ID = /[a-f0-9]{24}/g;
const str = (v: unknown): string[] => (typeof v === 'string' ? [v] : []);
/** Every id anywhere in a document: who it names, and more (a held person's record is kept either way). */
export const idsIn = (d: Doc): string[] => JSON.stringify(d).match(OBJECT_ID) ?? [];

export interface PurgeOptions {
  /** Filter beside the time (e.g. only settled entries). */
  extra?: Record<string, unknown>;
  /**
   * The batch as the held check reads it (e.g. merged with the records kept beside each document); a document left
   * out is not deleted (e.g. one the time filter matched on an older element of an array).
   */
  read?: (docs: Doc[], before: Date) => Promise<Doc[]>;
  /** Runs before these documents are deleted (records kept beside them go first: a purge cut short leaves none behind). */
  deleting?: (ids: unknown[]) => Promise<void>;
}

/**
 * Deletes the documents of a collection older than `before` in batches by
 * `_id` (each batch one find and one delete by `_id`), keeping those about a
 * held person. Only `$lt` on the time field and `$gt`/`$in` on `_id`: served
 * alike by MongoDB and FerretDB.
 */
export function batchPurge(coll: Collection<Doc>, timeField: string, peopleOf: (d: Doc) => string[], o: PurgeOptions = {}): RetentionKind['purge'] {
  return async (before, { heldPeople, batch }) => {
    let purged = 0;
    let after: unknown = null;
    for (;;) {
      const filter: Record<string, unknown> = { ...o.extra, [timeField]: { $lt: before } };
      if (after !== null) filter._id = { $gt: after };
      const docs = await coll.find(filter).sort({ _id: 1 }).limit(batch).toArray();
      const last = docs.at(-1);
      if (!last) return purged;
      after = last._id;
      const ids = (o.read ? await o.read(docs, before) : docs).filter((d) => !peopleOf(d).some((p) => heldPeople.has(p))).map((d) => d._id as typeof last._id);
      if (ids.length) {
        await o.deleting?.(ids);
        purged += (await coll.deleteMany({ _id: { $in: ids } })).deletedCount;
      }
      if (docs.length < batch) return purged;
    }
  };
}

/** The retention kinds of the records the core features keep (alerts add theirs beside these, in createStore). */
export function coreRetentionKinds(conn: Connection): RetentionKind[] {
  const of = (name: string) => conn.collection<Doc>(name);
  const personOfTarget = (d: Doc) => str(d.target).flatMap((t) => t.match(OBJECT_ID) ?? []);
  return [
    { kind: 'messages', description: 'Records of posted messages (where each went, for in-place updates)', defaultDays: 180, purge: batchPurge(of('posted_messages'), 'createdAt', (d) => str(d._id).flatMap((k) => k.match(OBJECT_ID) ?? [])) },
    {
      kind: 'console-messages',
      description: 'Messages of the local console',
      defaultDays: 90,
      purge: batchPurge(of('console_messages'), 'createdAt', (d) => [...str(d.authorId), ...str(d.visibleTo), ...str(d.conversation).map((c) => c.replace(/^dm:/, ''))]),
    },
    { kind: 'checkins', description: 'Check-ins and their answers', defaultDays: 730, purge: batchPurge(of('checkins'), 'promptedAt', (d) => str(d.personId)) },
    { kind: 'blockers', description: 'Blockers raised in check-ins', defaultDays: 730, purge: batchPurge(of('checkin_blockers'), 'createdAt', (d) => [...str(d.personId), ...str(d.managerId)]) },
    {
      kind: 'kudos',
      description: 'Kudos given and received',
      defaultDays: 1095,
      purge: batchPurge(of('kudos'), 'createdAt', (d) => [...str(d.giverId), ...(Array.isArray(d.recipientIds) ? d.recipientIds.flatMap(str) : [])]),
    },
    { kind: 'processing-claims', description: 'Which platform deliveries (Teams activities) were processed, against redeliveries', defaultDays: 7, purge: batchPurge(of('processing_claims'), 'at', () => []) },
    { kind: 'audit', description: 'Audit log entries (settled ones)', defaultDays: 2555, purge: batchPurge(of('audit_log'), 'at', personOfTarget, { extra: { status: { $ne: 'pending' } } }) },
  ];
}

const withId = ({ _id, ...rest }: Doc) => ({ id: String(_id), ...rest });

/** Replaces names and emails inside an audit entry's before/after with the erased person's. */
function redact(value: unknown, replacement: { name: string; email: string }): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if ('name' in out) out.name = replacement.name;
  if ('email' in out) out.email = replacement.email;
  return out;
}

/** A person's records across the core collections, for their export and erasure. */
export class MongoPersonalData implements PersonalDataStore {
  constructor(
    private readonly conn: Connection,
    private readonly cache: StoreCache,
  ) {}

  private coll(name: string) {
    return this.conn.collection<Doc>(name);
  }

  private consoleFilter(id: string) {
    return { $or: [{ conversation: `dm:${id}` }, { authorId: id }, { visibleTo: id }] };
  }

  async collect(id: string): Promise<PersonalRecords> {
    const all = async (name: string, filter: Record<string, unknown>) => (await this.coll(name).find(filter).sort({ _id: 1 }).toArray()).map(withId);
    return {
      checkins: await all('checkins', { personId: id }),
      blockers: await all('checkin_blockers', { personId: id }),
      kudosGiven: await all('kudos', { giverId: id }),
      kudosReceived: await all('kudos', { recipientIds: id }),
      consoleMessages: await all('console_messages', this.consoleFilter(id)),
      auditEntries: (await all('audit_log', { target: `person:${id}` })) as unknown as (AuditEntry & { id: string })[],
    };
  }

  async erase(id: string, replacement: { name: string; email: string }): Promise<ErasedCounts> {
    const identities = await this.coll('identities').find({ personId: id }).toArray();
    // The accounts first: each holds a copy of its identity, which a DM would use after the identity went.
    const accounts = PLATFORMS.map((p) => `${id}|${p}`);
    await this.conn.collection<{ _id: string }>('person_accounts').deleteMany({ _id: { $in: accounts } });
    for (const account of accounts) this.cache.invalidate('account', account);
    const removedIdentities = (await this.coll('identities').deleteMany({ personId: id })).deletedCount;
    for (const identity of identities) this.cache.invalidate('identity', String(identity._id));

    // Check-ins keep their status and mood (participation and mood trends count them); free text goes.
    let checkins = 0;
    for (const c of await this.coll('checkins').find({ personId: id }).toArray()) {
      const moods = new Set((Array.isArray(c.questions) ? (c.questions as { id?: unknown; kind?: unknown }[]) : []).filter((q) => q.kind === 'mood').map((q) => String(q.id)));
      const answers = Object.fromEntries(Object.entries((c.answers ?? {}) as Record<string, unknown>).filter(([k]) => moods.has(k)));
      await this.coll('checkins').updateOne({ _id: c._id }, { $set: { answers, previousPriorities: null } });
      checkins += 1;
    }
    const blockers = (await this.coll('checkin_blockers').updateMany({ personId: id }, { $set: { text: '[erased]' } })).matchedCount;
    // Kudos keep giver, recipients and values (the counts); the text about or by the person goes.
    const kudos = (await this.coll('kudos').updateMany({ $or: [{ giverId: id }, { recipientIds: id }] }, { $set: { reason: '' } })).matchedCount;
    const consoleMessages = (await this.coll('console_messages').deleteMany(this.consoleFilter(id))).deletedCount;
    let auditEntries = 0;
    for (const e of await this.coll('audit_log').find({ target: `person:${id}` }).toArray()) {
      await this.coll('audit_log').updateOne({ _id: e._id }, { $set: { before: redact(e.before, replacement), after: redact(e.after, replacement) } });
      auditEntries += 1;
    }
    return { identities: removedIdentities, checkins, blockers, kudos, consoleMessages, auditEntries };
  }
}

export function registerGovernanceModels(conn: Connection) {
  return { LegalHold: conn.model<HoldDoc>('LegalHold', legalHoldSchema) };
}
