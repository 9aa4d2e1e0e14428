import type { Model } from 'mongoose';
import type { MessageAddress } from '../core/chat/chat.port.js';
import { DomainError } from '../core/errors.js';
import type { Platform, PlatformIdentity } from '../core/people/people.types.js';
import type { AuditEntry, AuditRepository, IdentityRepository, PageQuery, PostedMessageRepository } from '../core/ports.js';
import { isDuplicateKey } from './connection.js';
import type { AuditDoc, IdentityDoc, PostedMessageDoc } from './models.js';
import { paginate } from './pagination.js';

type IdentityRecord = IdentityDoc & { lastSeenAt?: Date | null };

function toIdentity(d: IdentityRecord): PlatformIdentity {
  switch (d.platform) {
    case 'slack':
      return { platform: 'slack', personId: d.personId, key: d.key, teamId: d.teamId ?? '', userId: d.userId ?? '' };
    case 'teams':
      return { platform: 'teams', personId: d.personId, key: d.key, tenantId: d.tenantId ?? '', aadObjectId: d.aadObjectId ?? '', userId: d.userId ?? '' };
    default:
      return { platform: 'console', personId: d.personId, key: d.key };
  }
}

export class MongoIdentityRepository implements IdentityRepository {
  constructor(private readonly model: Model<IdentityDoc>) {}

  async byKey(key: string): Promise<PlatformIdentity | null> {
    const d = await this.model.findOne({ key }).lean<IdentityRecord>();
    return d ? toIdentity(d) : null;
  }

  async ofPerson(personId: string) {
    const docs = await this.model.find({ personId }).lean<IdentityRecord[]>();
    return docs.map((d) => ({ ...toIdentity(d), lastSeenAt: d.lastSeenAt ?? null }));
  }

  async link(identity: PlatformIdentity): Promise<void> {
    try {
      // Upsert keyed by the platform id; a different owner makes the filter miss and the insert collide.
      await this.model.updateOne({ key: identity.key, personId: identity.personId }, { $set: identity }, { upsert: true });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Two first requests of one person race to link the same key: the loser finds it already theirs.
      const owner = await this.model.findOne({ key: identity.key }).lean<IdentityRecord>();
      if (owner?.personId === identity.personId) return;
      throw new DomainError('conflict', `The ${identity.platform} account ${identity.key} belongs to someone else`, { key: identity.key });
    }
  }

  async touch(key: string, at: Date): Promise<void> {
    await this.model.updateOne({ key }, { $set: { lastSeenAt: at } });
  }
}

export class MongoPostedMessageRepository implements PostedMessageRepository {
  constructor(private readonly model: Model<PostedMessageDoc>) {}

  async reserve(key: string, platform: Platform, at: Date): Promise<boolean> {
    try {
      await this.model.create({ key, platform, status: 'sending', createdAt: at });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async complete(key: string, platform: Platform, address: MessageAddress): Promise<void> {
    await this.model.updateOne({ key, platform }, { $set: { status: 'sent', channel: address.channel, messageId: address.messageId } });
  }

  async release(key: string, platform: Platform): Promise<void> {
    await this.model.deleteOne({ key, platform, status: 'sending' });
  }

  async addresses(key: string): Promise<MessageAddress[]> {
    const docs = await this.model.find({ key, status: 'sent' }).lean<PostedMessageDoc[]>();
    return docs.map((d) => ({ platform: d.platform, channel: d.channel ?? '', messageId: d.messageId ?? '' }));
  }

  async purge(before: Date): Promise<number> {
    return (await this.model.deleteMany({ createdAt: { $lt: before } })).deletedCount;
  }
}

export class MongoAuditRepository implements AuditRepository {
  constructor(private readonly model: Model<AuditDoc>) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.model.create(entry);
  }

  list(query: PageQuery & { target?: string | undefined }) {
    return paginate(
      query,
      (after, limit) => {
        const filter: Record<string, unknown> = {};
        if (after) filter._id = { $gt: after };
        if (query.target) filter.target = query.target;
        return this.model.find(filter).sort({ _id: 1 }).limit(limit).lean<(AuditDoc & { _id: { toString(): string } })[]>();
      },
      (d) => ({ id: d._id.toString(), actor: d.actor, action: d.action, target: d.target, before: d.before, after: d.after, at: d.at }),
    );
  }
}
