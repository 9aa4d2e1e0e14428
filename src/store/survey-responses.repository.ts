import { Schema, type Connection, type Model } from 'mongoose';
import type { AnswerValue, KeyedResponse, SurveyResponseRepository } from '../core/surveys/surveys.types.js';
import { isDuplicateKey } from './connection.js';

/*
 * Survey answers in progress (collection `survey_responses`), the part of the
 * survey store that holds a person's answers before the close, under an HMAC
 * key only (README, "Anonymity: what is stored").
 */

/** A bucket of keyed responses: `r` maps HMAC keys to encoded entries (see SurveyResponseBuckets). */
const responseBucketSchema = new Schema({ _id: { type: String, required: true }, r: { type: Schema.Types.Mixed, default: {} } }, { versionKey: false, minimize: false, strict: 'throw', collection: 'survey_responses' });
interface BucketDoc {
  _id: string;
  r?: Record<string, string>;
}

/** True when every write of a failed unordered insert was refused as a duplicate key. */
function onlyDuplicates(err: unknown): boolean {
  const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
  if (!Array.isArray(writeErrors)) return isDuplicateKey(err);
  return writeErrors.every((w: { err?: unknown }) => isDuplicateKey(w) || isDuplicateKey(w.err));
}

/**
 * Buckets per round: the close reads this many documents by `_id`, whatever the round's size. A bucket holds
 * about 1/128 of the audience (~80 entries at 10,000 people); an entry of ten free-text answers at full length
 * (2,000 characters each) is ~20 KB, so the 16 MB document limit would take ~100,000 such people.
 */
export const RESPONSE_BUCKETS = 128;

/** One keyed response inside its bucket, as a JSON string (FerretDB decodes a string far faster than nested fields). */
interface Entry {
  t: string[];
  a: Record<string, AnswerValue>;
  s: number | null;
  f: boolean;
}
/** The bucket a key lives in: from its first byte (an HMAC: uniform, and telling nothing without the secret). */
export const bucketId = (roundId: string, key: string): string => `${roundId}:${Number.parseInt(key.slice(0, 2), 16) % RESPONSE_BUCKETS}`;
export const encodeEntry = (r: Pick<KeyedResponse, 'teamIds' | 'answers' | 'step' | 'finished'>): string => JSON.stringify({ t: r.teamIds, a: r.answers, s: r.step, f: r.finished } satisfies Entry);
const decodeEntry = (roundId: string, key: string, raw: string): KeyedResponse => {
  const e = JSON.parse(raw) as Entry;
  return { key, roundId, teamIds: e.t, answers: e.a, step: e.s, finished: e.f };
};
/** The entries sorted by key (an HMAC): their order in the bucket then says nothing about who or when. */
const inKeyOrder = (entries: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
/** Compare-and-set attempts of one change before giving up (only the person's own concurrent clicks compete). */
const CHANGE_ATTEMPTS = 5;
/** Bucket reads in flight at once at the close. */
const READS_AT_ONCE = 32;

/**
 * Keyed responses, RESPONSE_BUCKETS documents per round: `_id` = `<round>:<bucket>`,
 * `r` = { HMAC key: entry }. A scan of one document per response cost the close
 * about 1 s for 10,000 responses on FerretDB's SQLite backend; 128 reads by `_id`
 * of string-valued buckets cost a fraction of that (bench/README.md).
 *
 * What the layout reveals: a bucket's entries are written in the order of their
 * keys (HMACs) at the open, and a change rewrites an entry in place (MongoDB and
 * FerretDB keep an existing field's position), so neither the bucket nor the
 * position says anything about who, or in what order people answered.
 */
class SurveyResponseBuckets implements SurveyResponseRepository {
  constructor(private readonly M: Model<BucketDoc>) {}
  /**
   * Inserts the round's buckets, unordered. When one exists already (an open run twice), every bucket is
   * read and the keys it lacks (an audience grown in between) are added (see addMissing).
   */
  async createMany(roundId: string, responses: readonly { key: string; teamIds: string[] }[]): Promise<void> {
    const buckets = new Map<string, Record<string, string>>();
    for (const r of responses) {
      const id = bucketId(roundId, r.key);
      buckets.set(id, { ...buckets.get(id), [r.key]: encodeEntry({ teamIds: r.teamIds, answers: {}, step: null, finished: false }) });
    }
    const docs = [...buckets].map(([_id, r]) => ({ _id, r: inKeyOrder(r) }));
    const duplicated = await this.M.insertMany(docs, { ordered: false }).then(
      () => false,
      (err: unknown) => {
        if (!onlyDuplicates(err)) throw err;
        return true;
      },
    );
    if (duplicated) for (const doc of docs) await this.addMissing(doc._id, doc.r);
  }
  /**
   * Adds to a stored bucket the entries it lacks, rewriting it in key order (an entry appended at the end would
   * stand out as added late). Compare-and-set on the whole bucket: an answer written meanwhile is never lost.
   */
  private async addMissing(id: string, entries: Record<string, string>): Promise<void> {
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt += 1) {
      const stored = (await this.M.findById(id).lean<BucketDoc>())?.r ?? {};
      if (Object.keys(entries).every((key) => stored[key] !== undefined)) return;
      const written = await this.M.updateOne({ _id: id, r: stored }, { $set: { r: inKeyOrder({ ...entries, ...stored }) } });
      if (written.matchedCount === 1) return;
    }
    throw new Error(`survey response bucket ${id} changed ${CHANGE_ATTEMPTS} times while entries were added`);
  }
  async get(roundId: string, key: string): Promise<KeyedResponse | null> {
    const raw = (await this.M.findById(bucketId(roundId, key), { [`r.${key}`]: 1 }).lean<BucketDoc>())?.r?.[key];
    return raw === undefined ? null : decodeEntry(roundId, key, raw);
  }
  async change(response: KeyedResponse, change: (current: KeyedResponse) => Partial<Pick<KeyedResponse, 'answers' | 'step' | 'finished'>>): Promise<KeyedResponse | null> {
    const { roundId, key } = response;
    const id = bucketId(roundId, key);
    let current: KeyedResponse | null = response;
    for (let attempt = 0; current && attempt < CHANGE_ATTEMPTS; attempt += 1) {
      const next: KeyedResponse = { ...current, ...change(current) };
      // Confirming is never undone: an edit after it keeps the response counted.
      next.finished = current.finished || next.finished;
      const path = `r.${key}`;
      const written = await this.M.updateOne({ _id: id, [path]: encodeEntry(current) }, { $set: { [path]: encodeEntry(next) } });
      if (written.matchedCount === 1) return next;
      current = await this.get(roundId, key);
    }
    if (current) throw new Error(`survey response changed ${CHANGE_ATTEMPTS} times while being changed`);
    return null;
  }
  /** Every bucket of the round by `_id` (READS_AT_ONCE at a time): no scan. */
  async ofRound(roundId: string): Promise<KeyedResponse[]> {
    const out: KeyedResponse[] = [];
    for (let b = 0; b < RESPONSE_BUCKETS; b += READS_AT_ONCE) {
      const ids = Array.from({ length: Math.min(READS_AT_ONCE, RESPONSE_BUCKETS - b) }, (_, i) => `${roundId}:${b + i}`);
      for (const d of await Promise.all(ids.map((id) => this.M.findById(id).lean<BucketDoc>()))) {
        for (const [key, raw] of Object.entries(d?.r ?? {})) out.push(decodeEntry(roundId, key, raw));
      }
    }
    return out;
  }
  /** One command of RESPONSE_BUCKETS deletes by `_id`. */
  async deleteRound(roundId: string): Promise<void> {
    await this.M.bulkWrite(
      Array.from({ length: RESPONSE_BUCKETS }, (_, b) => ({ deleteOne: { filter: { _id: `${roundId}:${b}` } } })),
      { ordered: false },
    );
  }
}

/** The keyed responses of every round over one connection. */
export function createResponseBuckets(conn: Connection): SurveyResponseRepository {
  return new SurveyResponseBuckets(conn.model<BucketDoc>('SurveyResponseBucket', responseBucketSchema));
}
