import { createHash } from 'node:crypto';
import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import type {
  Blocker,
  BlockerStatus,
  Checkin,
  CheckinQuery,
  CheckinRepository,
  CheckinSettings,
  CheckinSettingsValues,
  CheckinStatus,
  NewCheckin,
  Question,
} from '../core/checkins/checkins.types.js';
import { checkinSettingsSchema } from '../core/checkins/checkins.types.js';
import { periodMinus } from '../core/checkins/schedule.js';
import { isDuplicateKey } from './connection.js';
import { paginate } from './pagination.js';
import { WriteBatch } from './write-batch.js';

/** `_id` = team id: read on every prompt and command of a team, so an `_id` read on FerretDB. */
const settingsSchema = new Schema(
  {
    _id: { type: String, required: true },
    teamId: { type: String, required: true },
    /** The validated settings object, stored whole; parsed again on read so new defaults apply. */
    values: { type: Schema.Types.Mixed, required: true },
    schedulers: { type: [String], default: [] },
  },
  { timestamps: true, collection: 'checkin_settings', minimize: false },
);

const checkinSchema = new Schema(
  {
    personId: { type: String, required: true },
    teamId: { type: String, required: true },
    period: { type: String, required: true },
    timeZone: { type: String, required: true },
    status: { type: String, enum: ['pending', 'answered', 'skipped', 'missed'], required: true },
    answers: { type: Schema.Types.Mixed, default: {} },
    needsHelp: { type: Boolean, default: false },
    questions: { type: Schema.Types.Mixed, required: true },
    previousPriorities: { type: String, default: null },
    promptedAt: { type: Date, required: true },
    deadlineAt: { type: Date, required: true },
    answeredAt: { type: Date, default: null },
    late: { type: Boolean, default: false },
    step: { type: Number, default: null },
    snoozes: { type: Number, default: 0 },
  },
  { timestamps: true, collection: 'checkins', minimize: false },
);
// Exactly one check-in per person and period: the guard behind "prompted once".
checkinSchema.index({ personId: 1, period: 1 }, { unique: true });
checkinSchema.index({ teamId: 1, period: 1 });
checkinSchema.index({ period: 1 });

const blockerSchema = new Schema(
  {
    checkinId: { type: String, required: true, unique: true },
    personId: { type: String, required: true, index: true },
    teamId: { type: String, required: true, index: true },
    managerId: { type: String, default: null },
    period: { type: String, required: true },
    text: { type: String, required: true },
    status: { type: String, enum: ['open', 'acknowledged', 'following_up', 'resolved'], required: true },
    resolvedAt: { type: Date, default: null },
  },
  { timestamps: true, collection: 'checkin_blockers' },
);

/**
 * Lookup documents by person (`_id` = person id): the blockers that were open
 * when last written (readers check each one's status), and the check-ins being
 * answered step by step in a DM. Each id is added before the state that needs
 * it is written and removed after, so a lookup may hold an extra id, never miss one.
 */
const personCheckinsSchema = new Schema(
  {
    _id: { type: String, required: true },
    openBlockerIds: { type: [String], default: [] },
    stepCheckinIds: { type: [String], default: [] },
  },
  { collection: 'checkin_person_lookups' },
);

/** `_id` = check-in id -> blocker id, for blockers written before a blocker's `_id` was its check-in's (backfilled). */
const blockerKeySchema = new Schema(
  {
    _id: { type: String, required: true },
    blockerId: { type: String, required: true },
  },
  { collection: 'checkin_blocker_keys' },
);

type SettingsDoc = InferSchemaType<typeof settingsSchema>;
type PersonCheckinsDoc = InferSchemaType<typeof personCheckinsSchema>;
type BlockerKeyDoc = InferSchemaType<typeof blockerKeySchema>;
type CheckinDoc = InferSchemaType<typeof checkinSchema>;
type BlockerDoc = InferSchemaType<typeof blockerSchema>;
type WithId<D> = D & { _id: { toString(): string }; createdAt: Date; updatedAt: Date };

const toSettings = (d: WithId<SettingsDoc>): CheckinSettings => ({
  ...checkinSettingsSchema.parse(d.values ?? {}),
  teamId: d.teamId,
  schedulers: [...(d.schedulers ?? [])],
  updatedAt: d.updatedAt,
});

const toCheckin = (d: WithId<CheckinDoc>): Checkin => ({
  id: d._id.toString(),
  personId: d.personId,
  teamId: d.teamId,
  period: d.period,
  timeZone: d.timeZone,
  status: d.status as CheckinStatus,
  answers: { ...((d.answers ?? {}) as Record<string, string>) },
  needsHelp: d.needsHelp,
  questions: d.questions as Question[],
  previousPriorities: d.previousPriorities ?? null,
  promptedAt: d.promptedAt,
  deadlineAt: d.deadlineAt,
  answeredAt: d.answeredAt ?? null,
  late: d.late,
  step: d.step ?? null,
  snoozes: d.snoozes,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

const toBlocker = (d: WithId<BlockerDoc>): Blocker => ({
  id: d._id.toString(),
  checkinId: d.checkinId,
  personId: d.personId,
  teamId: d.teamId,
  managerId: d.managerId ?? null,
  period: d.period,
  text: d.text,
  status: d.status as BlockerStatus,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
  resolvedAt: d.resolvedAt ?? null,
});

const validId = (id: string) => /^[a-f0-9]{24}$/.test(id);

/**
 * A check-in's _id is derived from (person, period): the unique key itself.
 * Reads by person and period are then _id lookups, which FerretDB serves from
 * its primary key (it scans the collection for every other filter, indexed or
 * not), and a second insert of the same check-in is a duplicate-key refusal.
 */
export const checkinId = (personId: string, period: string): string => createHash('sha256').update(`${personId}:${period}`).digest('hex').slice(0, 24);

/** How far back "last week's priorities" looks for the previous check-in. */
const PREVIOUS_WEEKS = 6;

export class MongoCheckinRepository implements CheckinRepository {
  private readonly Settings: Model<SettingsDoc>;
  private readonly Checkin: Model<CheckinDoc>;
  private readonly Blocker: Model<BlockerDoc>;
  private readonly Lookup: Model<PersonCheckinsDoc>;
  private readonly BlockerKey: Model<BlockerKeyDoc>;
  /** Check-ins are created through a group commit (see createOnce). */
  private readonly writes: WriteBatch;

  constructor(conn: Connection) {
    this.Settings = conn.model('CheckinSettings', settingsSchema);
    this.Checkin = conn.model('Checkin', checkinSchema);
    this.Blocker = conn.model('CheckinBlocker', blockerSchema);
    this.Lookup = conn.model('CheckinPersonLookup', personCheckinsSchema);
    this.BlockerKey = conn.model('CheckinBlockerKey', blockerKeySchema);
    this.writes = new WriteBatch(this.Checkin);
  }

  async getSettings(teamId: string): Promise<CheckinSettings | null> {
    const d = await this.Settings.findById(teamId).lean<WithId<SettingsDoc>>();
    return d ? toSettings(d) : null;
  }

  async saveSettings(teamId: string, values: CheckinSettingsValues, at: Date): Promise<CheckinSettings> {
    const d = await this.Settings.findOneAndUpdate(
      { _id: teamId },
      { $set: { values, updatedAt: at }, $setOnInsert: { teamId, createdAt: at } },
      { upsert: true, returnDocument: 'after', timestamps: false },
    ).lean<WithId<SettingsDoc>>();
    if (!d) throw new Error(`saving check-in settings of team ${teamId} returned nothing`);
    return toSettings(d);
  }

  async setSchedulers(teamId: string, schedulers: string[]): Promise<void> {
    await this.Settings.updateOne({ _id: teamId }, { $set: { schedulers }, $setOnInsert: { teamId, values: checkinSettingsSchema.parse({}) } }, { upsert: true });
  }

  async allSettings(): Promise<CheckinSettings[]> {
    return (await this.Settings.find().lean<WithId<SettingsDoc>[]>()).map(toSettings);
  }

  async createOnce(input: NewCheckin): Promise<{ checkin: Checkin; created: boolean }> {
    const at = new Date();
    const doc = {
      _id: checkinId(input.personId, input.period),
      ...input,
      status: 'pending' as const,
      answers: {},
      needsHelp: false,
      answeredAt: null,
      late: false,
      step: null,
      snoozes: 0,
      createdAt: at,
      updatedAt: at,
    };
    try {
      // Group-committed with the other workers' (a fan-out creates thousands at once).
      await this.writes.insert(doc);
      return { checkin: toCheckin(doc), created: true };
    } catch (err) {
      // A retry or a second worker got there first: the unique key refused the insert; read theirs.
      if (!isDuplicateKey(err)) throw err;
      const checkin = await this.byPersonPeriod(input.personId, input.period);
      if (!checkin) throw err;
      return { checkin, created: false };
    }
  }

  async get(id: string): Promise<Checkin | null> {
    if (!validId(id)) return null;
    const d = await this.Checkin.findById(id).lean<WithId<CheckinDoc>>();
    return d ? toCheckin(d) : null;
  }

  async byPersonPeriod(personId: string, period: string): Promise<Checkin | null> {
    return this.get(checkinId(personId, period));
  }

  async exist(keys: readonly { personId: string; period: string }[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const ids = keys.map((k) => checkinId(k.personId, k.period));
    // One `_id $in` read, which the local FerretDB serves from its _id index (tools/ferretdb/_patch/tandem_id_in.go).
    const found = await this.Checkin.find({ _id: { $in: [...new Set(ids)] } }, { _id: 1 }).lean<{ _id: { toString(): string } }[]>();
    const existing = new Set(found.map((d) => d._id.toString()));
    return ids.map((id) => existing.has(id));
  }

  /**
   * The most recent check-in of the previous weeks: last week's first (one _id read for someone prompted every
   * week), then the weeks before it in one `_id $in` read (five `_id` reads before: a fan-out to people with no
   * history paid them all).
   */
  async previous(personId: string, period: string): Promise<Checkin | null> {
    const last = await this.byPersonPeriod(personId, periodMinus(period, 1));
    if (last) return last;
    const weeks = Array.from({ length: PREVIOUS_WEEKS - 1 }, (_, i) => periodMinus(period, i + 2));
    const found = await this.Checkin.find({ _id: { $in: weeks.map((p) => checkinId(personId, p)) } }).lean<WithId<CheckinDoc>[]>();
    // Newest first: the period strings (ISO weeks) sort as their dates do.
    const latest = found.filter((d) => d.personId === personId).sort((a, b) => b.period.localeCompare(a.period))[0];
    return latest ? toCheckin(latest) : null;
  }

  async update(id: string, whenStatus: readonly CheckinStatus[], patch: Parameters<CheckinRepository['update']>[2], at: Date): Promise<Checkin | null> {
    if (!validId(id)) return null;
    const d = await this.Checkin.findOneAndUpdate(
      { _id: id, status: { $in: [...whenStatus] } },
      { $set: { ...patch, updatedAt: at } },
      { returnDocument: 'after', timestamps: false },
    ).lean<WithId<CheckinDoc>>();
    if (d && 'step' in patch) {
      if (d.step !== null && d.step !== undefined) await this.addTo(d.personId, 'stepCheckinIds', id);
      else await this.removeFrom(d.personId, 'stepCheckinIds', id, async () => (await this.get(id))?.step != null);
    }
    return d ? toCheckin(d) : null;
  }

  async answeringStepByStep(personId: string): Promise<Checkin | null> {
    const lookup = await this.Lookup.findById(personId).lean<PersonCheckinsDoc>();
    const found = await Promise.all((lookup?.stepCheckinIds ?? []).map((id) => this.get(id)));
    const stepping = found.filter((c): c is Checkin => c !== null && c.personId === personId && c.step !== null);
    return stepping.sort((a, b) => b.period.localeCompare(a.period))[0] ?? null;
  }

  async ofTeamPeriod(teamId: string, period: string): Promise<Checkin[]> {
    return (await this.Checkin.find({ teamId, period }).lean<WithId<CheckinDoc>[]>()).map(toCheckin);
  }

  async history(personId: string, limit: number): Promise<Checkin[]> {
    return (await this.Checkin.find({ personId }).sort({ period: -1 }).limit(limit).lean<WithId<CheckinDoc>[]>()).map(toCheckin);
  }

  list(query: CheckinQuery) {
    return paginate(
      query,
      (after, limit) => {
        const filter: Record<string, unknown> = {};
        if (after) filter._id = { $gt: after };
        if (query.teamId) filter.teamId = query.teamId;
        if (query.personId) filter.personId = query.personId;
        if (query.period) filter.period = query.period;
        return this.Checkin.find(filter).sort({ _id: 1 }).limit(limit).lean<WithId<CheckinDoc>[]>();
      },
      toCheckin,
    );
  }

  async countByStatus(filter: { teamId?: string; personId?: string; fromPeriod?: string; toPeriod?: string }): Promise<Record<CheckinStatus, number>> {
    const match: Record<string, unknown> = {};
    if (filter.teamId) match.teamId = filter.teamId;
    if (filter.personId) match.personId = filter.personId;
    if (filter.fromPeriod || filter.toPeriod) {
      match.period = { ...(filter.fromPeriod ? { $gte: filter.fromPeriod } : {}), ...(filter.toPeriod ? { $lt: filter.toPeriod } : {}) };
    }
    const rows = await this.Checkin.aggregate<{ _id: CheckinStatus; n: number }>([{ $match: match }, { $group: { _id: '$status', n: { $sum: 1 } } }]);
    const counts: Record<CheckinStatus, number> = { pending: 0, answered: 0, skipped: 0, missed: 0 };
    for (const r of rows) counts[r._id] = r.n;
    return counts;
  }

  async createBlocker(input: Omit<Blocker, 'id' | 'status' | 'createdAt' | 'updatedAt' | 'resolvedAt'>, at: Date): Promise<{ blocker: Blocker; created: boolean }> {
    // A blocker's _id is its check-in's (one blocker per check-in), so blockerOf is an _id read.
    await this.addTo(input.personId, 'openBlockerIds', input.checkinId);
    try {
      const d = await this.Blocker.create({ _id: input.checkinId, ...input, status: 'open', resolvedAt: null, createdAt: at, updatedAt: at });
      return { blocker: toBlocker(d.toObject() as WithId<BlockerDoc>), created: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.blockerOf(input.checkinId);
      if (!existing) throw err;
      return { blocker: existing, created: false };
    }
  }

  async getBlocker(id: string): Promise<Blocker | null> {
    if (!validId(id)) return null;
    const d = await this.Blocker.findById(id).lean<WithId<BlockerDoc>>();
    return d ? toBlocker(d) : null;
  }

  async setBlockerStatus(id: string, status: BlockerStatus, at: Date): Promise<Blocker | null> {
    if (!validId(id)) return null;
    const d = await this.Blocker.findByIdAndUpdate(
      id,
      { $set: { status, updatedAt: at, resolvedAt: status === 'resolved' ? at : null } },
      { returnDocument: 'after', timestamps: false },
    ).lean<WithId<BlockerDoc>>();
    if (!d) return null;
    const reopened = async () => (await this.getBlocker(id))?.status !== 'resolved';
    if (status === 'resolved') await this.removeFrom(d.personId, 'openBlockerIds', id, reopened);
    else await this.addTo(d.personId, 'openBlockerIds', id);
    return toBlocker(d);
  }

  async updateBlockerText(id: string, text: string, at: Date): Promise<Blocker | null> {
    if (!validId(id)) return null;
    const d = await this.Blocker.findByIdAndUpdate(id, { $set: { text, updatedAt: at } }, { returnDocument: 'after', timestamps: false }).lean<WithId<BlockerDoc>>();
    return d ? toBlocker(d) : null;
  }

  async blockerOf(checkinId: string): Promise<Blocker | null> {
    const own = await this.getBlocker(checkinId);
    if (own) return own;
    const legacy = validId(checkinId) ? await this.BlockerKey.findById(checkinId).lean<BlockerKeyDoc>() : null;
    return legacy ? this.getBlocker(legacy.blockerId) : null;
  }

  async openBlockers(personId: string): Promise<Blocker[]> {
    const lookup = await this.Lookup.findById(personId).lean<PersonCheckinsDoc>();
    const found = await Promise.all((lookup?.openBlockerIds ?? []).map((id) => this.getBlocker(id)));
    return found.filter((b): b is Blocker => b !== null && b.personId === personId && b.status !== 'resolved').sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  private async addTo(personId: string, list: 'openBlockerIds' | 'stepCheckinIds', id: string): Promise<void> {
    await this.Lookup.updateOne({ _id: personId }, { $addToSet: { [list]: id } }, { upsert: true });
  }

  /** Removes an id from a lookup, then puts it back if a concurrent write made it needed again (`stillNeeded`). */
  private async removeFrom(personId: string, list: 'openBlockerIds' | 'stepCheckinIds', id: string, stillNeeded: () => Promise<boolean>): Promise<void> {
    await this.Lookup.updateOne({ _id: personId }, { $pull: { [list]: id } });
    if (await stillNeeded()) await this.addTo(personId, list, id);
  }
}
