import { Schema, type Connection, type Model } from 'mongoose';
import type { ClaimOutcome, Claims } from '../core/rhythm/claims.js';
import { isDuplicateKey } from './connection.js';

interface ClaimDoc {
  _id: string;
  until: Date;
  boundTo: string | null;
}

/** Idempotency keys of every feature (platform delivery ids, content hashes, job steps), each live until `until`. */
const claimSchema = new Schema<ClaimDoc>(
  {
    _id: { type: String, required: true },
    until: { type: Date, required: true, index: true },
    boundTo: { type: String, default: null },
  },
  { collection: 'claims', versionKey: false },
);

/**
 * Claims on MongoDB (or FerretDB): the key is the `_id`, so the unique `_id`
 * index lets exactly one insert win, whatever the concurrency, and a lookup
 * is always served from the index.
 */
export class MongoClaims implements Claims {
  private readonly model: Model<ClaimDoc>;

  constructor(conn: Connection) {
    this.model = (conn.models.Claim as Model<ClaimDoc> | undefined) ?? conn.model<ClaimDoc>('Claim', claimSchema);
  }

  async claim(key: string, until: Date, now: Date): Promise<ClaimOutcome> {
    // An expired claim is cleared first; the insert then collides on _id only with a live one.
    await this.model.deleteOne({ _id: key, until: { $lte: now } });
    try {
      await this.model.create({ _id: key, until, boundTo: null });
      return { won: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const d = await this.model.findById(key).lean<ClaimDoc>();
      return { won: false, boundTo: d?.boundTo ?? null };
    }
  }

  async bind(key: string, ref: string): Promise<void> {
    await this.model.updateOne({ _id: key }, { $set: { boundTo: ref } });
  }

  async release(key: string): Promise<void> {
    await this.model.deleteOne({ _id: key, boundTo: null });
  }

  async purge(before: Date): Promise<number> {
    return (await this.model.deleteMany({ until: { $lt: before } })).deletedCount;
  }
}
