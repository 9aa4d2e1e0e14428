import { Types, type Model } from 'mongoose';
import { DomainError } from '../core/errors.js';
import type { Person, PersonInput, Weekday, Role } from '../core/people/people.types.js';
import { personInputSchema } from '../core/people/people.types.js';
import type { PageQuery, PeopleRepository } from '../core/ports.js';
import type { StoreCache } from './cache.js';
import { isDuplicateKey } from './connection.js';
import type { PersonDoc, PersonEmailDoc } from './models.js';
import { paginate } from './pagination.js';
import { WriteBatch } from './write-batch.js';

export type WithId<D> = D & { _id: { toString(): string }; createdAt: Date; updatedAt: Date };

export const toPerson = (d: WithId<PersonDoc>): Person => ({
  id: d._id.toString(),
  name: d.name,
  email: d.email,
  timeZone: d.timeZone,
  workingDays: [...d.workingDays] as Weekday[],
  managerId: d.managerId ?? null,
  roles: [...d.roles] as Role[],
  active: d.active,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

/** Up to this many ids, getMany reads each by _id (through the cache); beyond it, `_id: {$in}` queries. */
const GET_MANY_BY_ID = 50;
/** The most ids the local FerretDB serves from its `_id` index in one `$in` (tools/ferretdb/_patch/tandem_id_in.go); a longer list reads every row. */
const ID_IN_MAX = 1_000;

export const validId = (id: string) => /^[a-f0-9]{24}$/.test(id);

/**
 * People, with their email lookup documents (`people_emails`, `_id` = the
 * lowercased email -> person id), so finding a person by email is two `_id`
 * reads on FerretDB instead of a scan of every person. A new email is claimed
 * by inserting its lookup document first, and the unique index on
 * `people.email` stays as the last guard. When a lookup document and the
 * people disagree (a crash between two writes, or a database from before the
 * lookups whose backfill has not run), `repairEmail` scans once to set it right.
 */
export class MongoPeopleRepository implements PeopleRepository {
  constructor(
    private readonly model: Model<PersonDoc>,
    private readonly emails: Model<PersonEmailDoc>,
    private readonly cache: StoreCache,
  ) {
    this.personWrites = new WriteBatch(model);
    this.emailWrites = new WriteBatch(emails);
  }

  /** A burst of new people (first commands of many at once) is written in a few bulk writes: see WriteBatch. */
  private readonly personWrites: WriteBatch;
  private readonly emailWrites: WriteBatch;

  async get(id: string): Promise<Person | null> {
    if (!validId(id)) return null;
    // A burst of misses (every page of a burst of alerts reads the one on call) shares one read.
    return this.cache.load('person', id, async () => {
      const d = await this.model.findById(id).lean<WithId<PersonDoc>>();
      return d ? toPerson(d) : null;
    });
  }

  async getMany(ids: readonly string[]): Promise<Person[]> {
    const valid = [...new Set(ids.filter(validId))];
    if (valid.length === 0) return [];
    // A few people (mentions, a summary): one _id read each, at once, most of them from the cache.
    if (valid.length <= GET_MANY_BY_ID) return (await Promise.all(valid.map((id) => this.get(id)))).filter((p) => p !== null);
    // Many (a large team): `_id: {$in}` reads of ID_IN_MAX at most, at once, each served from the `_id` index.
    const chunks = Array.from({ length: Math.ceil(valid.length / ID_IN_MAX) }, (_, i) => valid.slice(i * ID_IN_MAX, (i + 1) * ID_IN_MAX));
    const docs = await Promise.all(chunks.map((chunk) => this.model.find({ _id: { $in: chunk } }).lean<WithId<PersonDoc>[]>()));
    return docs.flat().map(toPerson);
  }

  async findByEmail(email: string): Promise<Person | null> {
    const normal = email.toLowerCase();
    const claim = await this.emails.findById(normal).lean<PersonEmailDoc>();
    if (!claim) return null;
    const person = await this.get(claim.personId);
    return person?.email === normal ? person : null;
  }

  list(query: PageQuery & { active?: boolean | undefined; managerId?: string | undefined }) {
    return paginate(
      query,
      (after, limit) => {
        const filter: Record<string, unknown> = {};
        if (after) filter._id = { $gt: after };
        if (query.active !== undefined) filter.active = query.active;
        if (query.managerId !== undefined) filter.managerId = query.managerId;
        return this.model.find(filter).sort({ _id: 1 }).limit(limit).lean<WithId<PersonDoc>[]>();
      },
      toPerson,
    );
  }

  async *allActive(): AsyncIterable<Person> {
    for await (const d of this.model.find({ active: true }).sort({ _id: 1 }).lean<WithId<PersonDoc>>().cursor({ batchSize: 500 })) {
      yield toPerson(d as WithId<PersonDoc>);
    }
  }

  async create(input: PersonInput): Promise<Person> {
    const data = personInputSchema.parse(input);
    const id = new Types.ObjectId().toString();
    const taken = () => new DomainError('conflict', `A person with email ${data.email} already exists`, { email: data.email });
    if (!(await this.claim(data.email, id))) throw taken();
    try {
      const d = await this.model.create({ _id: id, ...data });
      return this.cache.set('person', id, toPerson(d.toObject() as WithId<PersonDoc>));
    } catch (err) {
      await this.release(data.email, id);
      if (!isDuplicateKey(err)) throw err;
      await this.repairEmail(data.email);
      throw taken();
    }
  }

  /**
   * The person with this email, created from `input` when there is none; an
   * existing person is returned as is. Safe to run at once for one email: the
   * lookup document's insert picks the id, and every caller inserts or reads
   * that id. Both writes are inserts, not upserts: on FerretDB a bulk write
   * of 100 inserts takes a tenth of the time of 100 upserts (each upsert runs
   * alone, a read and then a write), and a burst of new people waits on them.
   */
  async findOrCreateByEmail(input: PersonInput): Promise<{ person: Person; created: boolean }> {
    const data = personInputSchema.parse(input);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const personId = await this.claimForNew(data.email);
      if (!personId) continue;
      const cached = this.cache.get<Person>('person', personId);
      if (cached?.email === data.email) return { person: cached, created: false };
      const now = new Date();
      const fields = { ...data, createdAt: now, updatedAt: now };
      let inserted = true;
      try {
        await this.personWrites.insert({ _id: personId, ...fields });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        inserted = false;
      }
      // Inserted: the document is what was just written. Otherwise the id was taken (two first requests at once:
      // read who was there first), or people.email refused it (a person the lookup does not know yet).
      const d = inserted ? { _id: personId, ...fields } : await this.model.findById(personId).lean<WithId<PersonDoc>>();
      if (d?.email === data.email) return { person: this.cache.set('person', personId, toPerson(d)), created: inserted };
      // The lookup points at nobody or at a person who has another email now: set it right and try again.
      await this.repairEmail(data.email);
    }
    throw new Error(`could not find or create the person with email ${data.email}`);
  }

  async update(id: string, patch: Partial<PersonInput>): Promise<Person> {
    const data = personInputSchema.partial().parse(patch);
    const set = Object.fromEntries(Object.entries(data).filter(([k]) => k in patch));
    const before = set.email === undefined ? null : await this.get(id);
    const email = typeof set.email === 'string' && before && before.email !== set.email ? set.email : null;
    const taken = () => new DomainError('conflict', `A person with email ${String(set.email)} already exists`, { email: set.email });
    if (email && !(await this.claim(email, id))) throw taken();
    try {
      const d = validId(id) ? await this.model.findByIdAndUpdate(id, { $set: set }, { returnDocument: 'after', runValidators: true }).lean<WithId<PersonDoc>>() : null;
      if (!d) throw new DomainError('not_found', `No person with id ${id}`, { id });
      this.cache.invalidate('person', id);
      if (email && before) await this.release(before.email, id);
      return toPerson(d);
    } catch (err) {
      if (email) await this.release(email, id);
      if (isDuplicateKey(err)) {
        if (email) await this.repairEmail(email);
        throw taken();
      }
      throw err;
    }
  }

  async remove(id: string): Promise<boolean> {
    if (!validId(id)) return false;
    const d = await this.model.findOneAndDelete({ _id: id }).lean<WithId<PersonDoc>>();
    this.cache.invalidate('person', id);
    if (!d) return false;
    await this.release(d.email, id);
    return true;
  }

  async upsertByEmail(input: PersonInput): Promise<{ person: Person; created: boolean }> {
    const data = personInputSchema.parse(input);
    const found = await this.findOrCreateByEmail(input);
    if (found.created) return found;
    return { person: await this.update(found.person.id, data), created: false };
  }

  /** Claims `email` for person `id`: true when the lookup is (now) theirs, false when another person has it. */
  private async claim(email: string, id: string): Promise<boolean> {
    try {
      await this.emails.create({ _id: email, personId: id });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const owner = await this.emails.findById(email).lean<PersonEmailDoc>();
    if (!owner || owner.personId === id) return true;
    const holder = await this.get(owner.personId);
    if (holder?.email === email) return false;
    // A stale lookup (its person is gone or has another email): take it over; the unique index on people.email still guards.
    await this.emails.updateOne({ _id: email }, { $set: { personId: id } });
    return true;
  }

  /** The person id the lookup of `email` holds, set to a new id when there was none; null when it vanished meanwhile. */
  private async claimForNew(email: string): Promise<string | null> {
    const personId = new Types.ObjectId().toString();
    try {
      await this.emailWrites.insert({ _id: email, personId });
      return personId;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    return (await this.emails.findById(email).lean<PersonEmailDoc>())?.personId ?? null;
  }

  /** Drops the lookup of `email` if it still points at person `id`. */
  private async release(email: string, id: string): Promise<void> {
    const owner = await this.emails.findById(email).lean<PersonEmailDoc>();
    if (owner?.personId === id) await this.emails.deleteOne({ _id: email });
  }

  /** The one scan, off the usual path: makes the lookup of `email` point at whoever has it in `people`. */
  private async repairEmail(email: string): Promise<void> {
    const d = await this.model.findOne({ email }).lean<WithId<PersonDoc>>();
    if (d) await this.emails.updateOne({ _id: email }, { $set: { personId: d._id.toString() } }, { upsert: true });
    else await this.emails.deleteOne({ _id: email });
  }
}

