import type { Model } from 'mongoose';
import { DomainError } from '../core/errors.js';
import { StoreCache } from './cache.js';
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

/**
 * API tokens. A token is looked up by the hash of its secret on every admin API request, so that lookup goes through
 * the store's cache (kind `token`, keyed by hash; only found tokens are kept). Revoking drops the token from the cache
 * here as soon as the update is done, before `revoke` returns, and the cache's invalidation tells the other
 * processes (main.ts; the entry's time to live bounds it without them). The `lastUsedAt` this process wrote is
 * applied over a cached token, so a request does not touch it again on every request until the entry expires.
 */
export class MongoApiTokenRepository implements ApiTokenStore {
  /** When this process last touched each token (by id): a handful of entries, one per token in use. */
  private readonly touched = new Map<string, Date>();

  constructor(
    private readonly model: Model<ApiTokenDoc>,
    private readonly cache = new StoreCache(),
  ) {}

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
    const token = await this.cache.load('token', hash, async () => {
      const d = await this.model.findOne({ hash }).lean<TokenRecord>();
      return d ? toToken(d) : null;
    });
    if (!token) return null;
    const touched = this.touched.get(token.id);
    return touched && (!token.lastUsedAt || touched > token.lastUsedAt) ? { ...token, lastUsedAt: touched } : token;
  }

  async findByName(name: string): Promise<ApiToken | null> {
    const d = await this.model.findOne({ name }).lean<TokenRecord>();
    return d ? toToken(d) : null;
  }

  /** Revokes the token; false when no live token has that name. */
  async revoke(name: string, at: Date): Promise<boolean> {
    const d = await this.model.findOneAndUpdate({ name, revokedAt: null }, { $set: { revokedAt: at } }, { returnDocument: 'after' }).lean<TokenRecord>();
    if (d) this.cache.invalidate('token', d.hash);
    return d !== null;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { lastUsedAt: at } });
    this.touched.set(id, at);
  }

  async list(): Promise<ApiToken[]> {
    return (await this.model.find().sort({ name: 1 }).lean<TokenRecord[]>()).map(toToken);
  }
}
