import { Schema, Types, type Connection, type Model } from 'mongoose';
import type { AlertSeverity } from '../core/alerts/alerts.types.js';
import type { Integration, IntegrationRepository } from '../core/alerts/intakes.js';
import { DomainError } from '../core/errors.js';
import type { StoreCache } from './cache.js';
import { isDuplicateKey } from './connection.js';

/** Integration keys, by the sha256 of the key as `_id` (every intake request is an `_id` lookup). */
const integrationSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true, unique: true },
    id: { type: String, required: true },
    teamId: { type: String, required: true },
    defaultSeverity: { type: String, required: true },
    createdAt: { type: Date, required: true },
    revokedAt: { type: Date, default: null },
  },
  { collection: 'alert_integrations' },
);

interface IntegrationDoc {
  _id: string;
  id: string;
  name: string;
  teamId: string;
  defaultSeverity: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const toIntegration = (d: IntegrationDoc): Integration => ({
  id: d.id,
  name: d.name,
  teamId: d.teamId,
  defaultSeverity: d.defaultSeverity as AlertSeverity,
  createdAt: d.createdAt,
  revokedAt: d.revokedAt ?? null,
});

export class MongoIntegrationRepository implements IntegrationRepository {
  private readonly model: Model<IntegrationDoc>;

  /** Keys are cached by hash (every alert presents one); a revocation drops its key, here and in other processes. */
  constructor(
    conn: Connection,
    private readonly cache?: StoreCache,
  ) {
    this.model = conn.model<IntegrationDoc>('AlertIntegration', integrationSchema);
  }

  async create(input: Omit<Integration, 'id' | 'revokedAt'> & { hash: string }): Promise<Integration> {
    const { hash, ...rest } = input;
    try {
      const d = await this.model.create({ _id: hash, id: new Types.ObjectId().toString(), ...rest, revokedAt: null });
      return toIntegration(d.toObject<IntegrationDoc>());
    } catch (err) {
      if (isDuplicateKey(err)) throw new DomainError('conflict', `An integration named "${input.name}" already exists`, { name: input.name });
      throw err;
    }
  }

  async byHash(hash: string): Promise<Integration | null> {
    return this.cache ? this.cache.load('integration', hash, () => this.read(hash)) : this.read(hash);
  }

  private async read(hash: string): Promise<Integration | null> {
    const d = await this.model.findById(hash).lean<IntegrationDoc>();
    return d ? toIntegration(d) : null;
  }

  async list(): Promise<Integration[]> {
    return (await this.model.find().sort({ name: 1 }).lean<IntegrationDoc[]>()).map(toIntegration);
  }

  async revoke(id: string, at: Date): Promise<Integration | null> {
    const d = await this.model.findOneAndUpdate({ id, revokedAt: null }, { $set: { revokedAt: at } }, { returnDocument: 'after' }).lean<IntegrationDoc>();
    if (d) this.cache?.invalidate('integration', d._id);
    return d ? toIntegration(d) : null;
  }
}
