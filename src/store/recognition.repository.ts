import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { PLATFORMS, type Platform, type TeamChannels } from '../core/people/people.types.js';
import type { Page, PageQuery } from '../core/ports.js';
import type { CompanyValue, Kudos, KudosFilter, NewKudos, RecognitionRepository, RecognitionSettings, SettingsPatch } from '../core/recognition/recognition.types.js';
import { DEFAULT_SETTINGS } from '../core/recognition/recognition.types.js';
import { isDuplicateKey } from './connection.js';
import { paginate } from './pagination.js';

const kudosSchema = new Schema(
  {
    giverId: { type: String, required: true, index: true },
    recipientIds: { type: [String], required: true, index: true },
    reason: { type: String, required: true },
    values: { type: [String], default: [], index: true },
    private: { type: Boolean, default: false },
    platform: { type: String, enum: PLATFORMS, required: true },
    week: { type: String, required: true },
    createdAt: { type: Date, required: true, index: true },
    revokedAt: { type: Date, default: null },
    revokedBy: { type: String, default: null },
    revokeReason: { type: String, default: null },
  },
  { collection: 'kudos' },
);

/**
 * A giver's weekly budget: one counter document per giver and ISO week, keyed
 * `giverId|week`, with what is used and who holds it (a give attempt, then the
 * kudos it paid for, each with how many it took). Taking is one guarded update
 * (`used <= budget - n` -> `$inc`), which MongoDB applies atomically, and so
 * does the local FerretDB as scripts/stack.sh builds it.
 */
const budgetSchema = new Schema(
  {
    _id: { type: String, required: true },
    giverId: { type: String, required: true },
    week: { type: String, required: true },
    used: { type: Number, required: true },
    holds: { type: Schema.Types.Mixed, default: {} },
  },
  { collection: 'kudos_budgets', minimize: false },
);

const settingsSchema = new Schema(
  {
    _id: { type: String, required: true },
    values: Schema.Types.Mixed,
    requireValue: Boolean,
    minReasonLength: Number,
    weeklyBudget: Number,
    channelPosts: Boolean,
    teamChannels: Schema.Types.Mixed,
    quietWeeks: Number,
    statsWeeks: Number,
  },
  { collection: 'recognition_settings', minimize: false },
);

type KudosDoc = InferSchemaType<typeof kudosSchema> & { _id: { toString(): string } };
type BudgetDoc = { _id: string; giverId: string; week: string; used: number; holds: Record<string, number> };
type SettingsDoc = InferSchemaType<typeof settingsSchema>;

export interface RecognitionModels {
  Kudos: Model<InferSchemaType<typeof kudosSchema>>;
  KudosBudget: Model<BudgetDoc>;
  RecognitionSettings: Model<SettingsDoc>;
}

export function registerRecognitionModels(conn: Connection): RecognitionModels {
  return {
    Kudos: conn.model('Kudos', kudosSchema),
    KudosBudget: conn.model<BudgetDoc>('KudosBudget', budgetSchema),
    RecognitionSettings: conn.model('RecognitionSettings', settingsSchema),
  };
}

const SETTINGS_ID = 'settings';
const validId = (id: string) => /^[a-f0-9]{24}$/.test(id);
const budgetId = (giverId: string, week: string) => `${giverId}|${week}`;

const toKudos = (d: KudosDoc): Kudos => ({
  id: d._id.toString(),
  giverId: d.giverId,
  recipientIds: [...d.recipientIds],
  reason: d.reason,
  values: [...d.values],
  private: d.private,
  platform: d.platform as Platform,
  week: d.week,
  createdAt: d.createdAt,
  revokedAt: d.revokedAt ?? null,
  revokedBy: d.revokedBy ?? null,
  revokeReason: d.revokeReason ?? null,
});

function toQuery(f: KudosFilter): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  if (f.giverId) q.giverId = f.giverId;
  if (f.recipientId) q.recipientIds = f.recipientId;
  if (f.value) q.values = f.value;
  if (f.involving) q.$or = [{ giverId: { $in: f.involving } }, { recipientIds: { $in: f.involving } }];
  if (f.from || f.to) q.createdAt = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) };
  if (!f.includeRevoked) q.revokedAt = null;
  return q;
}

export class MongoRecognitionRepository implements RecognitionRepository {
  constructor(private readonly m: RecognitionModels) {}

  async settings(): Promise<RecognitionSettings> {
    const d = await this.m.RecognitionSettings.findById(SETTINGS_ID).lean<SettingsDoc>();
    if (!d) return structuredClone(DEFAULT_SETTINGS);
    return {
      values: Array.isArray(d.values) ? (d.values as CompanyValue[]) : DEFAULT_SETTINGS.values,
      requireValue: d.requireValue ?? DEFAULT_SETTINGS.requireValue,
      minReasonLength: d.minReasonLength ?? DEFAULT_SETTINGS.minReasonLength,
      weeklyBudget: d.weeklyBudget ?? DEFAULT_SETTINGS.weeklyBudget,
      channelPosts: d.channelPosts ?? DEFAULT_SETTINGS.channelPosts,
      teamChannels: (d.teamChannels as Record<string, TeamChannels | null> | undefined) ?? {},
      quietWeeks: d.quietWeeks ?? DEFAULT_SETTINGS.quietWeeks,
      statsWeeks: d.statsWeeks ?? DEFAULT_SETTINGS.statsWeeks,
    };
  }

  async updateSettings(patch: SettingsPatch): Promise<RecognitionSettings> {
    const set: Record<string, unknown> = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    if (patch.teamChannels) {
      // Overrides merge per team; an empty object drops a team's override (back to the team's own channel).
      const merged: Record<string, TeamChannels | null> = { ...(await this.settings()).teamChannels };
      for (const [teamId, channels] of Object.entries(patch.teamChannels)) {
        if (channels && Object.keys(channels).length === 0) delete merged[teamId];
        else merged[teamId] = channels;
      }
      set.teamChannels = merged;
    }
    if (Object.keys(set).length) await this.m.RecognitionSettings.updateOne({ _id: SETTINGS_ID }, { $set: set }, { upsert: true });
    return this.settings();
  }

  async spendBudget(giverId: string, week: string, n: number, budget: number, holder: string) {
    const _id = budgetId(giverId, week);
    for (;;) {
      const taken = await this.m.KudosBudget.findOneAndUpdate(
        { _id, used: { $lte: budget - n } },
        { $inc: { used: n }, $set: { [`holds.${holder}`]: n } },
        { returnDocument: 'after' },
      ).lean<BudgetDoc>();
      if (taken) return { ok: true as const, used: taken.used };
      const current = await this.m.KudosBudget.findById(_id).lean<BudgetDoc>();
      if (n > budget || (current && current.used > budget - n)) return { ok: false as const, used: Math.min(current?.used ?? 0, budget) };
      // Room after all: the counter was created, or given back to, since the update. Try again.
      if (current) continue;
      try {
        // The giver's first kudos this week creates the counter with its own take.
        await this.m.KudosBudget.create({ _id, giverId, week, used: n, holds: { [holder]: n } });
        return { ok: true as const, used: n };
      } catch (err) {
        // Another give created it first: take from it like any later one.
        if (!isDuplicateKey(err)) throw err;
      }
    }
  }

  async bindBudget(holder: string, kudosId: string): Promise<void> {
    const counter = await this.counterOfKudos(kudosId);
    if (counter) await this.m.KudosBudget.updateOne({ _id: counter, [`holds.${holder}`]: { $exists: true } }, { $rename: { [`holds.${holder}`]: `holds.${kudosId}` } });
  }

  async releaseBudget(holder: string): Promise<void> {
    // A kudos names its counter; a give attempt that never became one (its insert failed) is looked up by the hold,
    // which scans the counters on FerretDB, but only on that error path.
    const byKudos = await this.counterOfKudos(holder);
    const counter = await this.m.KudosBudget.findOne(byKudos ? { _id: byKudos } : { [`holds.${holder}`]: { $exists: true } }).lean<BudgetDoc>();
    const n = counter?.holds[holder];
    if (!counter || n === undefined) return;
    // Guarded by the hold itself, so a hold is given back once however many release it.
    await this.m.KudosBudget.updateOne({ _id: counter._id, [`holds.${holder}`]: n }, { $inc: { used: -n }, $unset: { [`holds.${holder}`]: '' } });
  }

  async budgetUsed(giverId: string, week: string): Promise<number> {
    return (await this.m.KudosBudget.findById(budgetId(giverId, week)).lean<BudgetDoc>())?.used ?? 0;
  }

  /** The budget counter a kudos was paid from (`_id` lookups only). */
  private async counterOfKudos(kudosId: string): Promise<string | null> {
    if (!validId(kudosId)) return null;
    const kudos = await this.m.Kudos.findById(kudosId, { giverId: 1, week: 1 }).lean<Pick<KudosDoc, 'giverId' | 'week'>>();
    return kudos ? budgetId(kudos.giverId, kudos.week) : null;
  }

  async insert(kudos: NewKudos): Promise<Kudos> {
    const d = await this.m.Kudos.create(kudos);
    return toKudos(d.toObject() as KudosDoc);
  }

  async get(id: string): Promise<Kudos | null> {
    if (!validId(id)) return null;
    const d = await this.m.Kudos.findById(id).lean<KudosDoc>();
    return d ? toKudos(d) : null;
  }

  async revoke(id: string, by: string, reason: string, at: Date): Promise<Kudos | null> {
    if (!validId(id)) return null;
    const d = await this.m.Kudos.findOneAndUpdate(
      { _id: id, revokedAt: null },
      { $set: { revokedAt: at, revokedBy: by, revokeReason: reason } },
      { returnDocument: 'after' },
    ).lean<KudosDoc>();
    return d ? toKudos(d) : null;
  }

  list(filter: KudosFilter & PageQuery): Promise<Page<Kudos>> {
    return paginate(
      filter,
      (after, limit) => {
        const q = toQuery(filter);
        if (after) q._id = { $gt: after };
        return this.m.Kudos.find(q).sort({ _id: 1 }).limit(limit).lean<KudosDoc[]>();
      },
      toKudos,
    );
  }

  async *scan(filter: KudosFilter): AsyncIterable<Kudos> {
    for await (const d of this.m.Kudos.find(toQuery(filter)).sort({ _id: 1 }).lean<KudosDoc>().cursor({ batchSize: 500 })) {
      yield toKudos(d as KudosDoc);
    }
  }
}
