import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Processing claims: "this delivery (a Teams activity, an event) is being or
 * has been processed", one document per delivery keyed by `_id` (the only
 * lookup FerretDB serves from an index). A claim starts `processing` with a
 * short lease, so that concurrent redeliveries of the same delivery are
 * refused while a crashed attempt's claim can be taken over once its lease
 * expires; it is marked `done` only after the work is finished, and released
 * when the work fails so that a redelivery can try again. Relies only on
 * single-document atomicity and the unique `_id`.
 */
interface ClaimDoc {
  _id: string;
  state: 'processing' | 'done';
  leaseUntil: Date;
  at: Date;
}

const claimSchema = new Schema<ClaimDoc>(
  {
    _id: { type: String, required: true },
    state: { type: String, enum: ['processing', 'done'], required: true },
    leaseUntil: { type: Date, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'processing_claims', versionKey: false },
);

const isDuplicateKey = (err: unknown) => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;

export class MongoProcessingClaimRepository {
  private readonly model: Model<ClaimDoc>;

  constructor(conn: Connection) {
    this.model = (conn.models.ProcessingClaim as Model<ClaimDoc> | undefined) ?? conn.model<ClaimDoc>('ProcessingClaim', claimSchema);
  }

  /**
   * Takes the claim on `key` for `leaseMs`: true when this caller may process
   * the delivery; false when it is done already or another attempt holds a
   * live lease.
   */
  async claim(key: string, now: Date, leaseMs: number): Promise<boolean> {
    const leaseUntil = new Date(now.getTime() + leaseMs);
    try {
      await this.model.create({ _id: key, state: 'processing', leaseUntil, at: now });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const taken = await this.model.updateOne({ _id: key, state: 'processing', leaseUntil: { $lt: now } }, { $set: { leaseUntil, at: now } });
    return taken.modifiedCount === 1;
  }

  /** The delivery was processed: redeliveries are refused from now on. */
  async done(key: string, now: Date): Promise<void> {
    await this.model.updateOne({ _id: key }, { $set: { state: 'done', at: now } });
  }

  /** The work failed: a redelivery may try again. */
  async release(key: string): Promise<void> {
    await this.model.deleteOne({ _id: key, state: 'processing' });
  }

  /** Removes claims older than `before` (a retention job's work; redeliveries come within minutes). */
  async purge(before: Date): Promise<number> {
    return (await this.model.deleteMany({ at: { $lt: before } })).deletedCount;
  }
}
