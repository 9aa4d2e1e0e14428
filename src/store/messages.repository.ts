import type { Model } from 'mongoose';
import type { MessageAddress } from '../core/chat/chat.port.js';
import { DomainError } from '../core/errors.js';
import { PLATFORMS, type Platform, type PlatformIdentity } from '../core/people/people.types.js';
import type { AuditEntry, AuditRepository, IdentityRepository, PageQuery, PostedMessageRepository, Reservation } from '../core/ports.js';
import { isDuplicateKey } from './connection.js';
import type { AuditDoc, IdentityDoc, PersonAccountDoc, PostedMessageDoc } from './models.js';
import { paginate } from './pagination.js';

function toIdentity(d: IdentityDoc): PlatformIdentity {
  switch (d.platform) {
    case 'slack':
      return { platform: 'slack', personId: d.personId, key: d.key, teamId: d.teamId ?? '', userId: d.userId ?? '' };
    case 'teams':
      return { platform: 'teams', personId: d.personId, key: d.key, tenantId: d.tenantId ?? '', aadObjectId: d.aadObjectId ?? '', userId: d.userId ?? '' };
    default:
      return { platform: 'console', personId: d.personId, key: d.key };
  }
}

const accountId = (personId: string, platform: Platform) => `${personId}|${platform}`;

/** Every read and write here is by _id (see models.ts): no scans on FerretDB, no read-modify-write races. */
export class MongoIdentityRepository implements IdentityRepository {
  constructor(
    private readonly model: Model<IdentityDoc>,
    private readonly accounts: Model<PersonAccountDoc>,
  ) {}

  async byKey(key: string): Promise<PlatformIdentity | null> {
    const d = await this.model.findById(key).lean<IdentityDoc>();
    return d ? toIdentity(d) : null;
  }

  async ofPerson(personId: string) {
    const found = await Promise.all(
      PLATFORMS.map(async (platform) => {
        const account = await this.accounts.findById(accountId(personId, platform)).lean<PersonAccountDoc>();
        const identity = account ? await this.model.findById(account.key).lean<IdentityDoc>() : null;
        return identity && account ? { ...toIdentity(identity), lastSeenAt: account.lastSeenAt ?? null } : null;
      }),
    );
    return found.filter((i) => i !== null);
  }

  async link(identity: PlatformIdentity): Promise<void> {
    try {
      await this.model.create({ _id: identity.key, ...identity });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Already linked: fine when it is this person's (two first requests raced), a conflict otherwise.
      const owner = await this.model.findById(identity.key).lean<IdentityDoc>();
      if (owner?.personId !== identity.personId) {
        throw new DomainError('conflict', `The ${identity.platform} account ${identity.key} belongs to someone else`, { key: identity.key });
      }
    }
    // The account a person used last on a platform is the one Tandem reaches them on there.
    await this.accounts.updateOne({ _id: accountId(identity.personId, identity.platform) }, { $set: { key: identity.key } }, { upsert: true });
  }

  async touch(key: string, at: Date): Promise<void> {
    const identity = await this.model.findById(key).lean<IdentityDoc>();
    if (!identity) return;
    await this.accounts.updateOne({ _id: accountId(identity.personId, identity.platform) }, { $set: { key, lastSeenAt: at } }, { upsert: true });
  }
}

const postedId = (key: string, platform: Platform) => `${key}|${platform}`;

export class MongoPostedMessageRepository implements PostedMessageRepository {
  constructor(private readonly model: Model<PostedMessageDoc>) {}

  async reserve(key: string, platform: Platform, at: Date, leaseMs: number): Promise<Reservation> {
    const _id = postedId(key, platform);
    const leaseUntil = new Date(at.getTime() + leaseMs);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        await this.model.create({ _id, key, platform, status: 'sending', createdAt: at, leaseUntil });
        return { state: 'reserved' };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      // Someone reserved it. Take it over if their lease ran out (records from before leases have none): one
      // atomic update, so of several workers finding it expired exactly one gets it.
      const expired = await this.model
        .findOneAndUpdate(
          { _id, status: 'sending', $or: [{ leaseUntil: { $lte: at } }, { leaseUntil: { $exists: false } }] },
          { $set: { leaseUntil } },
          { returnDocument: 'before' },
        )
        .lean<PostedMessageDoc>();
      if (expired) return { state: 'recovered', since: expired.createdAt };
      const current = await this.model.findById(_id).lean<PostedMessageDoc>();
      if (current?.status === 'sent') return { state: 'sent' };
      if (current) return { state: 'busy', leaseUntil: current.leaseUntil ?? at };
      // Released between the insert and the reads: try again.
    }
    return { state: 'busy', leaseUntil: at };
  }

  async complete(key: string, platform: Platform, address: MessageAddress): Promise<void> {
    await this.model.updateOne({ _id: postedId(key, platform) }, { $set: { status: 'sent', channel: address.channel, messageId: address.messageId }, $unset: { leaseUntil: 1 } });
  }

  async release(key: string, platform: Platform): Promise<void> {
    await this.model.deleteOne({ _id: postedId(key, platform), status: 'sending' });
  }

  async addresses(key: string): Promise<MessageAddress[]> {
    const docs = await Promise.all(PLATFORMS.map((p) => this.model.findById(postedId(key, p)).lean<PostedMessageDoc>()));
    return docs
      .filter((d): d is PostedMessageDoc => d?.status === 'sent')
      .map((d) => ({ platform: d.platform, channel: d.channel ?? '', messageId: d.messageId ?? '' }));
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
