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
 * The weekly budget as slots: a giver has `budget` numbered slots per ISO week
 * and each recipient of a kudos takes one. The unique index makes it
 * impossible to hold more slots than the budget, whatever the concurrency:
 * FerretDB 1.24 loses updates when findOneAndUpdate+$inc races, so a counter
 * document cannot carry the guarantee there; a unique insert can.
 */
const budgetSlotSchema = new Schema(
  {
    giverId: { type: String, required: true },
    week: { type: String, required: true },
    slot: { type: Number, required: true },
    /** The give attempt holding the slot, then the kudos it paid for. */
    holder: { type: String, required: true, index: true },
  },
  { collection: 'kudos_budget_slots' },
);
budgetSlotSchema.index({ giverId: 1, week: 1, slot: 1 }, { unique: true });

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
type SlotDoc = InferSchemaType<typeof budgetSlotSchema>;
type SettingsDoc = InferSchemaType<typeof settingsSchema>;

export interface RecognitionModels {
  Kudos: Model<InferSchemaType<typeof kudosSchema>>;
  KudosBudgetSlot: Model<SlotDoc>;
  RecognitionSettings: Model<SettingsDoc>;
}

export function registerRecognitionModels(conn: Connection): RecognitionModels {
  return {
    Kudos: conn.model('Kudos', kudosSchema),
    KudosBudgetSlot: conn.model('KudosBudgetSlot', budgetSlotSchema),
    RecognitionSettings: conn.model('RecognitionSettings', settingsSchema),
  };
}

const SETTINGS_ID = 'settings';
const validId = (id: string) => /^[a-f0-9]{24}$/.test(id);

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
    for (let round = 0; round < 5; round++) {
      const taken = new Set((await this.m.KudosBudgetSlot.find({ giverId, week }, { slot: 1 }).lean<SlotDoc[]>()).map((d) => d.slot));
      const free = Array.from({ length: budget }, (_, i) => i).filter((i) => !taken.has(i));
      if (free.length < n) return { ok: false as const, used: Math.min(taken.size, budget) };
      let won = 0;
      for (const slot of free) {
        try {
          await this.m.KudosBudgetSlot.create({ giverId, week, slot, holder });
          won += 1;
          if (won === n) return { ok: true as const, used: await this.budgetUsed(giverId, week) };
        } catch (err) {
          if (!isDuplicateKey(err)) {
            await this.releaseBudget(holder);
            throw err;
          }
        }
      }
      // Others took the free slots first: give back the partial take and look again.
      await this.releaseBudget(holder);
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 20)));
    }
    return { ok: false as const, used: await this.budgetUsed(giverId, week) };
  }

  async bindBudget(holder: string, kudosId: string): Promise<void> {
    await this.m.KudosBudgetSlot.updateMany({ holder }, { $set: { holder: kudosId } });
  }

  async releaseBudget(holder: string): Promise<void> {
    await this.m.KudosBudgetSlot.deleteMany({ holder });
  }

  async budgetUsed(giverId: string, week: string): Promise<number> {
    return this.m.KudosBudgetSlot.countDocuments({ giverId, week });
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
