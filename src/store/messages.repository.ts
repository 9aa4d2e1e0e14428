import { Types, type Model } from 'mongoose';
import type { MessageAddress } from '../core/chat/chat.port.js';
import { DomainError } from '../core/errors.js';
import { PLATFORMS, type Platform, type PlatformIdentity } from '../core/people/people.types.js';
import type { AfterReply, AuditEntry, AuditRepository, IdentityRepository, PageQuery, PostedMessageRepository, Reservation } from '../core/ports.js';
import type { StoreCache } from './cache.js';
import { isDuplicateKey } from './connection.js';
import type { AuditDoc, IdentityDoc, PersonAccountDoc, PostedMessageDoc } from './models.js';
import { paginate } from './pagination.js';
import { WriteBatch } from './write-batch.js';

/** What an identity document holds of the identity (an account's copy holds this much: see personAccountSchema). */
export type IdentityFields = Pick<IdentityDoc, 'platform' | 'personId' | 'key' | 'teamId' | 'userId' | 'tenantId' | 'aadObjectId'>;

export function toIdentity(d: IdentityFields): PlatformIdentity {
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

/** Runs an upsert by _id again when a concurrent upsert of the same _id inserted first (the retry updates theirs). */
async function upsertRacing<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return write();
  }
}

/**
 * How long last-seen times and new accounts wait after the last one recorded, so that a burst of commands writes
 * them in one batch once its answers are out, and at most how long after the first one.
 */
const TOUCH_DELAY_MS = 250;
const MAX_TOUCH_DELAY_MS = 2_000;

/**
 * Every read and write here is by _id (see models.ts): no scans on FerretDB,
 * no read-modify-write races. An identity never moves to another person once
 * linked, so found identities are cached. Last-seen times (`touch`) and, when
 * the caller can run a write after its reply, the accounts of new links are
 * written after the replies, batched (see `schedule` and `flush`); `ofPerson`
 * sees them before they are written.
 */
export class MongoIdentityRepository implements IdentityRepository {
  /**
   * Accounts to write, by account id: the key last seen there, when (null: linked, no time given), and whether it
   * is a new person's first (`link`'s; inserted, which FerretDB does in a fraction of an upsert's time).
   */
  private readonly seen = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  /** When the oldest entry of `seen` was recorded (Date.now()), undefined when it is empty. */
  private firstPending: number | undefined;
  /** Settled by the next flush, for the callers that wait for their account to be written. */
  private next: { written: Promise<void>; resolve: () => void; reject: (err: Error) => void } | undefined;

  constructor(
    private readonly model: Model<IdentityDoc>,
    private readonly accounts: Model<PersonAccountDoc>,
    private readonly cache: StoreCache,
  ) {
    this.identityWrites = new WriteBatch(model);
    this.accountWrites = new WriteBatch(accounts);
  }

  /** The links of a burst of first-time users go in a few bulk writes: see WriteBatch. */
  private readonly identityWrites: WriteBatch;
  private readonly accountWrites: WriteBatch;

  async byKey(key: string): Promise<PlatformIdentity | null> {
    const cached = this.cache.get<PlatformIdentity>('identity', key);
    if (cached) return cached;
    const d = await this.model.findById(key).lean<IdentityDoc>();
    return d ? this.cache.set('identity', key, toIdentity(d)) : null;
  }

  async ofPerson(personId: string, platforms: readonly Platform[] = PLATFORMS) {
    const found = await Promise.all(
      platforms.map(async (platform) => {
        const id = accountId(personId, platform);
        const account = await this.cache.load('account', id, () => this.accounts.findById(id).lean<PersonAccountDoc>().exec());
        const pending = this.seen.get(accountId(personId, platform));
        const key = pending?.identity.key ?? account?.key;
        // The account's copy of the identity its key names spares a read (a fan-out DMs thousands of people once a
        // week, long after their identities left the cache); an account without one reads it by key.
        const copy = account?.identity as IdentityFields | undefined;
        const identity = key ? (copy?.key === key ? toIdentity(copy) : await this.byKey(key)) : null;
        return identity ? { ...identity, lastSeenAt: pending?.at ?? account?.lastSeenAt ?? null } : null;
      }),
    );
    return found.filter((i) => i !== null);
  }

  /**
   * Writes the account of every identity whose person has none on its
   * platform, and returns how many: what a crash lost between a new person's
   * answer and the batch that writes their account (see `link`), which would
   * leave them unreachable by DM until their next command. Run at boot, before
   * any job: one scan of the accounts' ids and one of the identities, no
   * per-person query; an account written meanwhile is left as it is.
   */
  async repairAccounts(): Promise<number> {
    const accounts = new Set((await this.accounts.find({}, { _id: 1 }).lean<{ _id: string }[]>()).map((a) => a._id));
    const missing = new Map<string, PlatformIdentity>();
    for await (const i of this.model.find({}, { key: 1, personId: 1, platform: 1, teamId: 1, userId: 1, tenantId: 1, aadObjectId: 1 }).lean<IdentityDoc>().cursor()) {
      const id = accountId(i.personId, i.platform);
      if (!accounts.has(id) && !missing.has(id)) missing.set(id, toIdentity(i));
    }
    await Promise.all([...missing].map(([id, identity]) => upsertRacing(() => this.accountWrites.upsert(id, { $setOnInsert: { key: identity.key, identity } }))));
    return missing.size;
  }

  async link(given: PlatformIdentity, at?: Date, afterReply?: AfterReply): Promise<void> {
    let identity = given;
    try {
      await this.identityWrites.insert({ _id: given.key, ...given });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Already linked: fine when it is this person's (two first requests raced), a conflict otherwise.
      const owner = await this.model.findById(given.key).lean<IdentityDoc>();
      if (owner?.personId !== given.personId) {
        throw new DomainError('conflict', `The ${given.platform} account ${given.key} belongs to someone else`, { key: given.key });
      }
      // What the account copies (and the cache keeps) is the identity as stored.
      identity = toIdentity(owner);
    }
    // An identity never moves to another person: what was just linked can be cached as is.
    this.cache.set('identity', identity.key, identity);
    // The account a person used last on a platform is the one Tandem reaches them on there.
    const id = accountId(identity.personId, identity.platform);
    if (!afterReply) {
      this.seen.delete(id);
      await upsertRacing(() => this.accountWrites.upsert(id, { $set: { key: identity.key, identity: toIdentity(identity), ...(at ? { lastSeenAt: at } : {}) } }));
      this.cache.invalidate('account', id);
      return;
    }
    // Written with the last-seen times of the moment (read as written meanwhile); the caller waits for it after
    // its reply, so that a graceful stop does too. A crash before it heals at the next boot (repairAccounts), or on
    // the person's next command, whose touch writes the same account.
    this.seen.set(id, { identity, at: at ?? null, linked: true });
    const written = this.schedule();
    afterReply(() => written);
  }

  /** Records that the identity was seen; written with every other touch of that moment (see `schedule`). */
  async touch(identity: PlatformIdentity, at: Date): Promise<void> {
    this.seen.set(accountId(identity.personId, identity.platform), { identity, at, linked: false });
    // A batch that fails stays queued (see flush) and goes with the next one; stop's flush reports the error.
    this.schedule().catch(() => undefined);
  }

  /**
   * Flushes `seen` TOUCH_DELAY_MS after the last entry recorded, and at most
   * MAX_TOUCH_DELAY_MS after the first: while a burst of new people is being
   * answered, the store's writes that their answers wait for (the email
   * claim, the person, the identity: FerretDB runs a database's writes one at
   * a time) do not queue behind the accounts of the people answered before
   * them. Resolves when the flush that writes them is done.
   */
  private schedule(): Promise<void> {
    const now = Date.now();
    this.firstPending ??= now;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush().catch(() => undefined), Math.min(TOUCH_DELAY_MS, this.firstPending + MAX_TOUCH_DELAY_MS - now)).unref();
    if (!this.next) {
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const written = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Handled here too: a touch does not wait for it, and a caller of link may await it only later.
      written.catch(() => undefined);
      this.next = { written, resolve, reject };
    }
    return this.next.written;
  }

  /**
   * Writes the accounts and last-seen times recorded so far, in a few bulk writes (WriteBatch); the store's stop
   * awaits it. A linked account is inserted, and updated instead when the person already had one on the platform.
   */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.firstPending = undefined;
    const waiting = this.next;
    this.next = undefined;
    const batch = [...this.seen];
    this.seen.clear();
    const write = async (id: string, s: Pending) => {
      const set = { key: s.identity.key, identity: toIdentity(s.identity), ...(s.at ? { lastSeenAt: s.at } : {}) };
      if (s.linked) {
        try {
          return await this.accountWrites.insert({ _id: id, ...set });
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      }
      await upsertRacing(() => this.accountWrites.upsert(id, { $set: set }));
    };
    // The cached account is dropped once written (a read under way then is not kept): ofPerson reads it again.
    const results = await Promise.allSettled(batch.map(([id, s]) => write(id, s).finally(() => this.cache.invalidate('account', id))));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ entry: batch[i] as [string, Pending], err: r.reason as Error }] : []));
    // What failed goes with the next flush, unless a newer time was recorded meanwhile.
    for (const { entry: [id, s] } of failed) if (!this.seen.has(id)) this.seen.set(id, s);
    const first = failed[0];
    if (!first) return waiting?.resolve();
    waiting?.reject(first.err);
    throw first.err;
  }
}

/** An account waiting for the next flush (see MongoIdentityRepository.seen). */
interface Pending {
  identity: PlatformIdentity;
  at: Date | null;
  linked: boolean;
}

const postedId = (key: string, platform: Platform) => `${key}|${platform}`;

/**
 * Reservations and records of sent messages, by `_id` (key|platform). Their writes group-commit (WriteBatch): a
 * fan-out's workers reserve and record at the same moments, and FerretDB runs a database's writes one at a time.
 */
export class MongoPostedMessageRepository implements PostedMessageRepository {
  private readonly writes: WriteBatch;

  constructor(private readonly model: Model<PostedMessageDoc>) {
    this.writes = new WriteBatch(model);
  }

  async reserve(key: string, platform: Platform, at: Date, leaseMs: number, held?: { since: Date; until: Date }): Promise<Reservation> {
    const _id = postedId(key, platform);
    // Held from `held.since` without a record: as if reserved then. Until `held.until` its holder may be sending
    // (busy); after it, whoever inserts takes over as from a lapsed reservation, with a lease of its own.
    const holderLive = held !== undefined && held.until > at;
    const leaseUntil = holderLive ? held.until : new Date(at.getTime() + leaseMs);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        await this.writes.insert({ _id, key, platform, status: 'sending', createdAt: held?.since ?? at, leaseUntil });
        if (!held) return { state: 'reserved' };
        return holderLive ? { state: 'busy', leaseUntil } : { state: 'recovered', since: held.since };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      // Someone reserved it. Take it over if their lease ran out (records from before leases have none): one
      // atomic update, so of several workers finding it expired exactly one gets it.
      const expired = await this.model
        .findOneAndUpdate(
          { _id, status: 'sending', $or: [{ leaseUntil: { $lte: at } }, { leaseUntil: { $exists: false } }] },
          { $set: { leaseUntil: new Date(at.getTime() + leaseMs) } },
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
    await this.writes.update({ _id: postedId(key, platform) }, { $set: { status: 'sent', channel: address.channel, messageId: address.messageId }, $unset: { leaseUntil: 1 } });
  }

  async release(key: string, platform: Platform): Promise<void> {
    await this.model.deleteOne({ _id: postedId(key, platform), status: 'sending' });
  }

  async record(key: string, platform: Platform, address: MessageAddress, since: Date): Promise<void> {
    try {
      await this.writes.insert({ _id: postedId(key, platform), key, platform, status: 'sent', channel: address.channel, messageId: address.messageId, createdAt: since });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // A retry found the key held and reserved it meanwhile (it waits for the holder's lease): what was sent wins.
      await this.complete(key, platform, address);
    }
  }

  async abandon(key: string, platform: Platform, since: Date): Promise<void> {
    try {
      await this.writes.insert({ _id: postedId(key, platform), key, platform, status: 'sending', createdAt: since, leaseUntil: since });
    } catch (err) {
      // Reserved meanwhile by a retry: it holds the key now.
      if (!isDuplicateKey(err)) throw err;
    }
  }

  async addresses(key: string, platforms: readonly Platform[] = PLATFORMS): Promise<MessageAddress[]> {
    const docs = await Promise.all(platforms.map((p) => this.model.findById(postedId(key, p)).lean<PostedMessageDoc>()));
    return docs
      .filter((d): d is PostedMessageDoc => d?.status === 'sent')
      .map((d) => ({ platform: d.platform, channel: d.channel ?? '', messageId: d.messageId ?? '' }));
  }

  async purge(before: Date): Promise<number> {
    return (await this.model.deleteMany({ createdAt: { $lt: before } })).deletedCount;
  }
}

type AuditRecord = AuditDoc & { _id: { toString(): string } };

const toEntry = (d: AuditRecord): AuditEntry & { id: string } => ({
  id: d._id.toString(),
  actor: d.actor,
  action: d.action,
  target: d.target,
  before: d.before,
  after: d.after,
  at: d.at,
  status: d.status ?? 'done',
  ...(d.error ? { error: d.error } : {}),
});

export class MongoAuditRepository implements AuditRepository {
  /** Every audited request writes its entry twice: a burst of them goes in a few bulk writes (see WriteBatch). */
  private readonly writes: WriteBatch;

  constructor(private readonly model: Model<AuditDoc>) {
    this.writes = new WriteBatch(model);
  }

  async begin(entry: AuditEntry): Promise<string> {
    const id = new Types.ObjectId();
    await this.writes.insert({ ...entry, _id: id });
    return id.toString();
  }

  async settle(id: string, status: 'done' | 'failed', outcome: { target?: string | undefined; after?: unknown; error?: string }): Promise<void> {
    const set: Record<string, unknown> = { status };
    if (outcome.target !== undefined) set.target = outcome.target;
    if ('after' in outcome) set.after = outcome.after;
    if (outcome.error !== undefined) set.error = outcome.error;
    // Guarded on the status, so an entry settled already (the reconciler was first) keeps that verdict; FerretDB
    // serves `_id` plus a guard from its `_id` index (scripts/stack.sh).
    await this.writes.update({ _id: new Types.ObjectId(id), status: 'pending' }, { $set: set });
  }

  async discard(id: string): Promise<void> {
    // As settle: by `_id`, and an entry settled meanwhile is put back.
    const gone = await this.model.findOneAndDelete({ _id: id }).lean<AuditRecord>();
    if (gone && gone.status !== 'pending') await this.model.create(gone);
  }

  async pending(olderThan: Date): Promise<(AuditEntry & { id: string })[]> {
    const docs = await this.model.find({ status: 'pending', at: { $lt: olderThan } }).sort({ _id: 1 }).limit(500).lean<AuditRecord[]>();
    return docs.map(toEntry);
  }

  list(query: PageQuery & { target?: string | undefined }) {
    return paginate(
      query,
      (after, limit) => {
        const filter: Record<string, unknown> = {};
        if (after) filter._id = { $gt: after };
        if (query.target) filter.target = query.target;
        return this.model.find(filter).sort({ _id: 1 }).limit(limit).lean<AuditRecord[]>();
      },
      toEntry,
    );
  }
}
