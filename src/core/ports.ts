import type { MessageAddress } from './chat/chat.port.js';
import type { Messenger } from './chat/messenger.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { Person, PersonInput, Platform, PlatformIdentity, Team, TeamInput } from './people/people.types.js';

/** A page of results and the cursor of the next page (null at the end). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageQuery {
  limit: number;
  cursor?: string | undefined;
}

export interface PeopleRepository {
  get(id: string): Promise<Person | null>;
  getMany(ids: readonly string[]): Promise<Person[]>;
  findByEmail(email: string): Promise<Person | null>;
  /**
   * The person with this email, created from `input` when there is none (an
   * existing person is returned unchanged). Concurrent calls for one email
   * return the same person: the unit of identifying a new platform user.
   */
  findOrCreateByEmail(input: PersonInput): Promise<{ person: Person; created: boolean }>;
  list(query: PageQuery & { active?: boolean | undefined; managerId?: string | undefined }): Promise<Page<Person>>;
  /** Every active person, in batches, for jobs that walk the whole organisation. */
  allActive(): AsyncIterable<Person>;
  /** Throws DomainError('conflict') when the email is taken. */
  create(input: PersonInput): Promise<Person>;
  /** Throws DomainError('not_found' | 'conflict'). */
  update(id: string, patch: Partial<PersonInput>): Promise<Person>;
  remove(id: string): Promise<boolean>;
  /** Inserts by email or updates the existing person: the unit of an idempotent import. */
  upsertByEmail(input: PersonInput): Promise<{ person: Person; created: boolean }>;
}

export interface TeamRepository {
  get(id: string): Promise<Team | null>;
  findByName(name: string): Promise<Team | null>;
  /** The team whose Teams channel (`channels.teams.conversationId`) this is. */
  byTeamsChannel(conversationId: string): Promise<Team | null>;
  list(query: PageQuery): Promise<Page<Team>>;
  all(): Promise<Team[]>;
  teamsOf(personId: string): Promise<Team[]>;
  managedBy(personId: string): Promise<Team[]>;
  create(input: TeamInput): Promise<Team>;
  update(id: string, patch: Partial<TeamInput>): Promise<Team>;
  remove(id: string): Promise<boolean>;
  upsertByName(input: TeamInput): Promise<{ team: Team; created: boolean }>;
}

/** Takes a write that must be done but that the answer does not wait for: the caller runs it after replying. */
export type AfterReply = (write: () => Promise<void>) => void;

export interface IdentityRepository {
  byKey(key: string): Promise<PlatformIdentity | null>;
  /** The person's identities on `platforms` (every platform when omitted): one read per platform asked for. */
  ofPerson(personId: string, platforms?: readonly Platform[]): Promise<(PlatformIdentity & { lastSeenAt: Date | null })[]>;
  /**
   * Links the identity to the person (and records it as seen at `at` when
   * given); throws DomainError('conflict') if the key belongs to someone else.
   * With `afterReply`, the write that the answer does not need (which account
   * reaches the person on the platform) is not awaited: it goes with the
   * store's next batch of last-seen times, written once a burst's answers are
   * out, and what afterReply gets waits for that batch, for the caller to
   * await once the answer is sent.
   */
  link(identity: PlatformIdentity, at?: Date, afterReply?: AfterReply): Promise<void>;
  /** Records that the identity was seen at `at`; the store may write it shortly after it returns (after the reply). */
  touch(identity: PlatformIdentity, at: Date): Promise<void>;
}

/**
 * What reserving a message key found. `reserved`: send it. `sent`: it went out already. `busy`: another worker
 * holds a live lease on it. `recovered`: a worker reserved it before `since` and its lease ran out without a
 * record of the send (it crashed or was killed): the message may or may not have gone out, so look before sending.
 */
export type Reservation = { state: 'reserved' } | { state: 'sent' } | { state: 'busy'; leaseUntil: Date } | { state: 'recovered'; since: Date };

/** Every message Tandem posts, by a domain key, so a later change updates it in place. */
export interface PostedMessageRepository {
  /**
   * Reserves `key` on `platform` before sending, for `leaseMs`. A reservation whose lease ran out is taken over
   * (`recovered`) by exactly one caller, atomically. `held`: the key may have been held without a reservation from
   * `since` until `until` (see Messenger's KeyHold), as if reserved then: busy until `until`, then recovered.
   */
  reserve(key: string, platform: Platform, at: Date, leaseMs: number, held?: { since: Date; until: Date }): Promise<Reservation>;
  /** Records where the reserved message landed. */
  complete(key: string, platform: Platform, address: MessageAddress): Promise<void>;
  /** Frees a reservation whose send failed, so a retry can send. */
  release(key: string, platform: Platform): Promise<void>;
  /** Records where a message sent under a key held without a reservation landed (see Messenger's `hold`). */
  record(key: string, platform: Platform, address: MessageAddress, since: Date): Promise<void>;
  /** A key held without a reservation whose send failed: recorded as a lapsed reservation, so a retry checks the platform and sends. */
  abandon(key: string, platform: Platform, since: Date): Promise<void>;
  /** Where the message sent under `key` landed, on `platforms` (every platform when omitted): one read per platform asked for. */
  addresses(key: string, platforms?: readonly Platform[]): Promise<MessageAddress[]>;
  /** Retention: deletes records older than `before`; returns how many. */
  purge(before: Date): Promise<number>;
}

export type AuditStatus = 'pending' | 'done' | 'failed';

export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  before: unknown;
  /** While pending: the intended change; once done: the state after. */
  after: unknown;
  at: Date;
  /** See AuditLog: written pending before the change, then done or failed. */
  status: AuditStatus;
  error?: string | undefined;
}

export interface AuditRepository {
  /** Inserts a pending entry; returns its id. */
  begin(entry: AuditEntry): Promise<string>;
  /** Marks an entry done or failed, with the target and state after when known. */
  settle(id: string, status: 'done' | 'failed', outcome: { target?: string | undefined; after?: unknown; error?: string }): Promise<void>;
  /** Removes a pending entry whose change was refused before anything was written. */
  discard(id: string): Promise<void>;
  /** Entries still pending that were begun before `olderThan`, oldest first (at most 500). */
  pending(olderThan: Date): Promise<(AuditEntry & { id: string })[]>;
  list(query: PageQuery & { target?: string | undefined }): Promise<Page<AuditEntry & { id: string }>>;
}

/** A job to queue: its name, payload, domain id and due time (now if omitted). */
export interface QueuedJob {
  name: string;
  data: Record<string, unknown>;
  opts: { jobId: string; at?: Date };
}

/**
 * Runs core work later. Ids come from the domain, so the same job is never
 * queued twice. The feature queue a job runs on is named by the first word
 * of its name, job id or schedule id (`queueOf` in job-declarations.ts):
 * `checkin.remind` with id `checkin.remind:<id>:1` runs on the check-ins queue.
 */
export interface Scheduler {
  /** Runs the named job once at `at` (now if omitted); a second call with the same jobId is ignored. */
  enqueue(name: string, data: Record<string, unknown>, opts: { jobId: string; at?: Date }): Promise<void>;
  /** `enqueue` for many jobs in a few round trips (a fan-out): each job is ignored when its jobId is queued already. */
  enqueueMany(jobs: readonly QueuedJob[]): Promise<void>;
  /**
   * Queues the job again unless it is already queued, running or done: enqueues it when Redis has no job under
   * `jobId` (it was lost), retries it when it failed for good. The sweeps' way to put back work that is due.
   * True when it queued or retried the job.
   */
  requeue(name: string, data: Record<string, unknown>, opts: { jobId: string; at?: Date }): Promise<boolean>;
  /** Removes a pending job; no-op if it ran or never existed. */
  cancel(jobId: string): Promise<void>;
  /**
   * Removes a job in one round trip whatever its state, unless a worker is running it: a crash net whose work was
   * done in process (see CrashNets).
   */
  discard(jobId: string): Promise<void>;
  /** Creates or replaces a recurring schedule: a cron pattern read in an IANA time zone. */
  upsertRecurring(id: string, schedule: { pattern: string; timeZone: string }, name: string, data: Record<string, unknown>): Promise<void>;
  removeRecurring(id: string): Promise<void>;
}

/** What every feature is assembled from besides its own repositories; each use case picks the few it needs. */
export interface FeatureDeps {
  people: PeopleRepository;
  teams: TeamRepository;
  messenger: Messenger;
  scheduler: Scheduler;
  clock: Clock;
  logger: Logger;
}
