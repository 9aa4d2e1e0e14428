import type { Model } from 'mongoose';
import { DomainError } from '../core/errors.js';
import { isDuplicateKey } from './connection.js';
import type { ApiToken, ApiTokenStore } from '../http/admin/tokens.js';
import type { ApiTokenDoc } from './models.js';

type TokenRecord = ApiTokenDoc & { _id: { toString(): string }; createdAt: Date };

const toToken = (d: TokenRecord): ApiToken => ({
  id: d._id.toString(),
  name: d.name,
  scopes: [...d.scopes],
  revokedAt: d.revokedAt ?? null,
  lastUsedAt: d.lastUsedAt ?? null,
  createdAt: d.createdAt,
});

export class MongoApiTokenRepository implements ApiTokenStore {
  constructor(private readonly model: Model<ApiTokenDoc>) {}

  /** Throws DomainError('conflict') when the name is taken (revoked tokens keep their name). */
  async create(input: { name: string; hash: string; scopes: string[] }): Promise<ApiToken> {
    try {
      const d = await this.model.create(input);
      return toToken(d.toObject() as TokenRecord);
    } catch (err) {
      if (isDuplicateKey(err)) throw new DomainError('conflict', `A token named "${input.name}" already exists`, { name: input.name });
      throw err;
    }
  }

  async findByHash(hash: string): Promise<ApiToken | null> {
    const d = await this.model.findOne({ hash }).lean<TokenRecord>();
    return d ? toToken(d) : null;
  }

  async findByName(name: string): Promise<ApiToken | null> {
    const d = await this.model.findOne({ name }).lean<TokenRecord>();
    return d ? toToken(d) : null;
  }

  /** Revokes the token; false when no live token has that name. */
  async revoke(name: string, at: Date): Promise<boolean> {
    const res = await this.model.updateOne({ name, revokedAt: null }, { $set: { revokedAt: at } });
    return res.modifiedCount === 1;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { lastUsedAt: at } });
  }

  async list(): Promise<ApiToken[]> {
    return (await this.model.find().sort({ name: 1 }).lean<TokenRecord[]>()).map(toToken);
  }
}
