import { Schema, Types, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { DomainError } from '../core/errors.js';
import type { EscalationPolicy, Layer, OncallRepository, Override, PolicyInput, Routing, Schedule, ScheduleDefinition } from '../core/oncall/oncall.types.js';
import { policyInputSchema } from '../core/oncall/oncall.types.js';
import type { StoreCache } from './cache.js';
import { isDuplicateKey } from './connection.js';

/*
 * Every on-call lookup is by _id (FerretDB 1.24 serves only _id from an
 * index): a schedule by its id, a team's schedule through a pointer whose _id
 * is the team id (its insert is what makes "one schedule per team" hold), a
 * policy by its id, and the routing rules as one document. Overrides live in
 * their schedule's document, so adding one is a single atomic update.
 */
const scheduleSchema = new Schema(
  {
    _id: { type: String, required: true },
    teamId: { type: String, required: true },
    name: { type: String, required: true },
    timeZone: { type: String, required: true },
    layers: { type: Schema.Types.Mixed, required: true },
    overrides: { type: [Schema.Types.Mixed], default: [] },
  },
  { timestamps: true, collection: 'oncall_schedules', minimize: false },
);

const teamScheduleSchema = new Schema({ _id: { type: String, required: true }, scheduleId: { type: String, required: true } }, { collection: 'oncall_team_schedules' });

const policySchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    steps: { type: Schema.Types.Mixed, required: true },
    repeat: { type: Number, required: true },
    urgency: { type: String, enum: ['high', 'low'], required: true },
  },
  { timestamps: true, collection: 'escalation_policies', minimize: false },
);

const routingSchema = new Schema(
  { _id: { type: String, required: true }, rules: { type: Schema.Types.Mixed, default: [] }, defaultPolicyId: { type: String, default: null } },
  { collection: 'escalation_routing', minimize: false },
);

type ScheduleDoc = InferSchemaType<typeof scheduleSchema>;
type PolicyDoc = InferSchemaType<typeof policySchema>;
type Stamped<T> = T & { createdAt: Date; updatedAt: Date };

export interface OncallModels {
  Schedule: Model<ScheduleDoc>;
  TeamSchedule: Model<InferSchemaType<typeof teamScheduleSchema>>;
  Policy: Model<PolicyDoc>;
  Routing: Model<InferSchemaType<typeof routingSchema>>;
}

export function registerOncallModels(conn: Connection): OncallModels {
  return {
    Schedule: conn.model('OncallSchedule', scheduleSchema),
    TeamSchedule: conn.model('OncallTeamSchedule', teamScheduleSchema),
    Policy: conn.model('EscalationPolicy', policySchema),
    Routing: conn.model('EscalationRouting', routingSchema),
  };
}

const ROUTING_ID = 'routing';

function toOverride(o: Record<string, unknown>): Override {
  return {
    id: String(o.id),
    personId: String(o.personId),
    start: new Date(o.start as Date),
    end: new Date(o.end as Date),
    createdBy: String(o.createdBy),
    createdAt: new Date(o.createdAt as Date),
  };
}

const rawOverrides = (d: ScheduleDoc): Record<string, unknown>[] => (d.overrides ?? []) as Record<string, unknown>[];

function toSchedule(d: Stamped<ScheduleDoc>): Schedule {
  return {
    id: d._id,
    teamId: d.teamId,
    name: d.name,
    timeZone: d.timeZone,
    layers: d.layers as Layer[],
    overrides: rawOverrides(d).map(toOverride),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

function toPolicy(d: Stamped<PolicyDoc>): EscalationPolicy {
  const parsed = policyInputSchema.parse({ name: d.name, steps: d.steps, repeat: d.repeat, urgency: d.urgency } satisfies PolicyInput);
  return { id: d._id, ...parsed, createdAt: d.createdAt, updatedAt: d.updatedAt };
}

const notFound = (what: string, id: string) => new DomainError('not_found', `No ${what} with id ${id}`, { id });

/**
 * Schedules, policies and the routing are read on every alert (routing, the frozen snapshot, the step's on-call
 * person): with a cache, reads by id come from it and every write here drops what it changed (see StoreCache).
 */
export class MongoOncallRepository implements OncallRepository {
  constructor(
    private readonly m: OncallModels,
    private readonly cache?: StoreCache,
  ) {}

  private cached<T>(key: string, read: () => Promise<T | null>): Promise<T | null> {
    return this.cache ? this.cache.load('oncall', key, read) : read();
  }

  private changed(key: string): void {
    this.cache?.invalidate('oncall', key);
  }

  async getSchedule(id: string): Promise<Schedule | null> {
    return this.cached(`schedule:${id}`, async () => {
      const d = await this.m.Schedule.findById(id).lean<Stamped<ScheduleDoc>>();
      return d ? toSchedule(d) : null;
    });
  }

  async scheduleOfTeam(teamId: string): Promise<Schedule | null> {
    const pointer = await this.m.TeamSchedule.findById(teamId).lean();
    return pointer ? this.getSchedule(pointer.scheduleId) : null;
  }

  async createSchedule(input: Omit<ScheduleDefinition, 'id'>): Promise<Schedule> {
    const id = new Types.ObjectId().toHexString();
    try {
      await this.m.TeamSchedule.create({ _id: input.teamId, scheduleId: id });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // A pointer left by a crash between its insert and the schedule's is taken over.
      const pointer = await this.m.TeamSchedule.findById(input.teamId).lean();
      if (pointer && (await this.m.Schedule.exists({ _id: pointer.scheduleId }))) throw new DomainError('conflict', 'This team has a schedule already; change that one', { scheduleId: pointer.scheduleId });
      await this.m.TeamSchedule.updateOne({ _id: input.teamId }, { $set: { scheduleId: id } });
    }
    await this.m.Schedule.create({ _id: id, ...input, overrides: [] });
    const created = await this.getSchedule(id);
    if (!created) throw new Error(`schedule ${id} vanished after insert`);
    return created;
  }

  async updateSchedule(id: string, patch: Partial<Pick<Schedule, 'name' | 'timeZone' | 'layers'>>): Promise<Schedule> {
    const d = await this.m.Schedule.findByIdAndUpdate(id, { $set: patch }, { returnDocument: 'after' }).lean<Stamped<ScheduleDoc>>();
    this.changed(`schedule:${id}`);
    if (!d) throw notFound('schedule', id);
    return toSchedule(d);
  }

  async removeSchedule(id: string): Promise<boolean> {
    const d = await this.m.Schedule.findByIdAndDelete(id).lean();
    this.changed(`schedule:${id}`);
    if (!d) return false;
    await this.m.TeamSchedule.deleteOne({ _id: d.teamId, scheduleId: id });
    return true;
  }

  async listSchedules(): Promise<Schedule[]> {
    const docs = await this.m.Schedule.find().sort({ _id: 1 }).lean<Stamped<ScheduleDoc>[]>();
    return docs.map(toSchedule);
  }

  async addOverride(scheduleId: string, override: Override, pruneBefore: Date): Promise<Schedule> {
    const d = await this.m.Schedule.findByIdAndUpdate(scheduleId, { $push: { overrides: override } }, { returnDocument: 'after' }).lean<Stamped<ScheduleDoc>>();
    this.changed(`schedule:${scheduleId}`);
    if (!d) throw notFound('schedule', scheduleId);
    const ended = rawOverrides(d).filter((o) => new Date(o.end as Date) < pruneBefore);
    if (ended.length === 0) return toSchedule(d);
    return (await this.pullOverrides(scheduleId, ended)) ?? toSchedule(d);
  }

  async removeOverride(scheduleId: string, overrideId: string): Promise<Schedule> {
    // From the store, not the cache: the overrides taken out must be the stored ones.
    const current = await this.m.Schedule.findById(scheduleId).lean<Stamped<ScheduleDoc>>();
    if (!current) throw notFound('schedule', scheduleId);
    const gone = rawOverrides(current).filter((o) => String(o.id) === overrideId);
    const after = gone.length > 0 ? await this.pullOverrides(scheduleId, gone) : toSchedule(current);
    if (!after) throw notFound('schedule', scheduleId);
    return after;
  }

  /**
   * Takes these overrides, as stored, out of the schedule in one atomic update
   * by `_id` (`$pullAll` of exact elements: FerretDB 1.24 cannot `$pull` by a
   * condition on array elements), so an override added meanwhile stays. Null
   * when the schedule is gone.
   */
  private async pullOverrides(scheduleId: string, stored: Record<string, unknown>[]): Promise<Schedule | null> {
    const d = await this.m.Schedule.findByIdAndUpdate(scheduleId, { $pullAll: { overrides: stored } }, { returnDocument: 'after' }).lean<Stamped<ScheduleDoc>>();
    this.changed(`schedule:${scheduleId}`);
    return d ? toSchedule(d) : null;
  }

  async getPolicy(id: string): Promise<EscalationPolicy | null> {
    return this.cached(`policy:${id}`, async () => {
      const d = await this.m.Policy.findById(id).lean<Stamped<PolicyDoc>>();
      return d ? toPolicy(d) : null;
    });
  }

  async listPolicies(): Promise<EscalationPolicy[]> {
    const docs = await this.m.Policy.find().sort({ _id: 1 }).lean<Stamped<PolicyDoc>[]>();
    return docs.map(toPolicy);
  }

  async createPolicy(input: Omit<EscalationPolicy, 'id' | 'createdAt' | 'updatedAt'>): Promise<EscalationPolicy> {
    const id = new Types.ObjectId().toHexString();
    await this.m.Policy.create({ _id: id, ...input });
    const created = await this.getPolicy(id);
    if (!created) throw new Error(`policy ${id} vanished after insert`);
    return created;
  }

  async updatePolicy(id: string, input: Omit<EscalationPolicy, 'id' | 'createdAt' | 'updatedAt'>): Promise<EscalationPolicy> {
    const d = await this.m.Policy.findByIdAndUpdate(id, { $set: input }, { returnDocument: 'after' }).lean<Stamped<PolicyDoc>>();
    this.changed(`policy:${id}`);
    if (!d) throw notFound('escalation policy', id);
    return toPolicy(d);
  }

  async removePolicy(id: string): Promise<boolean> {
    const res = await this.m.Policy.deleteOne({ _id: id });
    this.changed(`policy:${id}`);
    return res.deletedCount === 1;
  }

  async routing(): Promise<Routing> {
    const routing = await this.cached('routing', async () => {
      const d = await this.m.Routing.findById(ROUTING_ID).lean();
      return { rules: (d?.rules ?? []) as Routing['rules'], defaultPolicyId: d?.defaultPolicyId ?? null };
    });
    return routing ?? { rules: [], defaultPolicyId: null };
  }

  async setRouting(routing: Routing): Promise<Routing> {
    await this.m.Routing.updateOne({ _id: ROUTING_ID }, { $set: routing }, { upsert: true });
    this.changed('routing');
    return this.routing();
  }
}
