import type { Model } from 'mongoose';
import { DomainError } from '../core/errors.js';
import type { Person, PersonInput, Team, TeamInput, Weekday, Role } from '../core/people/people.types.js';
import { personInputSchema, teamInputSchema } from '../core/people/people.types.js';
import type { PageQuery, PeopleRepository, TeamRepository } from '../core/ports.js';
import { isDuplicateKey } from './connection.js';
import type { PersonDoc, TeamDoc } from './models.js';
import { paginate } from './pagination.js';

type WithId<D> = D & { _id: { toString(): string }; createdAt: Date; updatedAt: Date };

export const toPerson = (d: WithId<PersonDoc>): Person => ({
  id: d._id.toString(),
  name: d.name,
  email: d.email,
  timeZone: d.timeZone,
  workingDays: [...d.workingDays] as Weekday[],
  managerId: d.managerId ?? null,
  roles: [...d.roles] as Role[],
  active: d.active,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

export const toTeam = (d: WithId<TeamDoc>): Team => ({
  id: d._id.toString(),
  name: d.name,
  managerId: d.managerId ?? null,
  memberIds: [...d.memberIds],
  channels: {
    ...(d.channels?.slack?.channelId ? { slack: { teamId: d.channels.slack.teamId ?? '', channelId: d.channels.slack.channelId } } : {}),
    ...(d.channels?.teams?.conversationId ? { teams: { conversationId: d.channels.teams.conversationId } } : {}),
    ...(d.channels?.console?.channelId ? { console: { channelId: d.channels.console.channelId } } : {}),
  },
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

const validId = (id: string) => /^[a-f0-9]{24}$/.test(id);

function conflict(err: unknown, message: string, details: Record<string, unknown>): never {
  if (isDuplicateKey(err)) throw new DomainError('conflict', message, details);
  throw err;
}

export class MongoPeopleRepository implements PeopleRepository {
  constructor(private readonly model: Model<PersonDoc>) {}

  async get(id: string): Promise<Person | null> {
    if (!validId(id)) return null;
    const d = await this.model.findById(id).lean<WithId<PersonDoc>>();
    return d ? toPerson(d) : null;
  }

  async getMany(ids: readonly string[]): Promise<Person[]> {
    const valid = ids.filter(validId);
    if (valid.length === 0) return [];
    const docs = await this.model.find({ _id: { $in: valid } }).lean<WithId<PersonDoc>[]>();
    return docs.map(toPerson);
  }

  async findByEmail(email: string): Promise<Person | null> {
    const d = await this.model.findOne({ email: email.toLowerCase() }).lean<WithId<PersonDoc>>();
    return d ? toPerson(d) : null;
  }

  list(query: PageQuery & { active?: boolean | undefined; managerId?: string | undefined }) {
    return paginate(
      query,
      (after, limit) => {
        const filter: Record<string, unknown> = {};
        if (after) filter._id = { $gt: after };
        if (query.active !== undefined) filter.active = query.active;
        if (query.managerId !== undefined) filter.managerId = query.managerId;
        return this.model.find(filter).sort({ _id: 1 }).limit(limit).lean<WithId<PersonDoc>[]>();
      },
      toPerson,
    );
  }

  async *allActive(): AsyncIterable<Person> {
    for await (const d of this.model.find({ active: true }).sort({ _id: 1 }).lean<WithId<PersonDoc>>().cursor({ batchSize: 500 })) {
      yield toPerson(d as WithId<PersonDoc>);
    }
  }

  async create(input: PersonInput): Promise<Person> {
    const data = personInputSchema.parse(input);
    try {
      const d = await this.model.create(data);
      return toPerson(d.toObject() as WithId<PersonDoc>);
    } catch (err) {
      conflict(err, `A person with email ${data.email} already exists`, { email: data.email });
    }
  }

  async update(id: string, patch: Partial<PersonInput>): Promise<Person> {
    const data = personInputSchema.partial().parse(patch);
    const set = Object.fromEntries(Object.entries(data).filter(([k]) => k in patch));
    try {
      const d = validId(id) ? await this.model.findByIdAndUpdate(id, { $set: set }, { returnDocument: 'after', runValidators: true }).lean<WithId<PersonDoc>>() : null;
      if (!d) throw new DomainError('not_found', `No person with id ${id}`, { id });
      return toPerson(d);
    } catch (err) {
      conflict(err, `A person with email ${String(set.email)} already exists`, { email: set.email });
    }
  }

  async remove(id: string): Promise<boolean> {
    if (!validId(id)) return false;
    return (await this.model.deleteOne({ _id: id })).deletedCount === 1;
  }

  async upsertByEmail(input: PersonInput): Promise<{ person: Person; created: boolean }> {
    const data = personInputSchema.parse(input);
    const res = await this.model.updateOne({ email: data.email }, { $set: data }, { upsert: true });
    const person = await this.findByEmail(data.email);
    if (!person) throw new Error(`upsert of ${data.email} left no person`);
    return { person, created: res.upsertedCount === 1 };
  }
}

export class MongoTeamRepository implements TeamRepository {
  constructor(private readonly model: Model<TeamDoc>) {}

  async get(id: string): Promise<Team | null> {
    if (!validId(id)) return null;
    const d = await this.model.findById(id).lean<WithId<TeamDoc>>();
    return d ? toTeam(d) : null;
  }

  async findByName(name: string): Promise<Team | null> {
    const d = await this.model.findOne({ name }).lean<WithId<TeamDoc>>();
    return d ? toTeam(d) : null;
  }

  async byTeamsChannel(conversationId: string): Promise<Team | null> {
    const d = await this.model.findOne({ 'channels.teams.conversationId': conversationId }).lean<WithId<TeamDoc>>();
    return d ? toTeam(d) : null;
  }

  list(query: PageQuery) {
    return paginate(
      query,
      (after, limit) => this.model.find(after ? { _id: { $gt: after } } : {}).sort({ _id: 1 }).limit(limit).lean<WithId<TeamDoc>[]>(),
      toTeam,
    );
  }

  async all(): Promise<Team[]> {
    return (await this.model.find().sort({ name: 1 }).lean<WithId<TeamDoc>[]>()).map(toTeam);
  }

  async teamsOf(personId: string): Promise<Team[]> {
    return (await this.model.find({ memberIds: personId }).lean<WithId<TeamDoc>[]>()).map(toTeam);
  }

  async managedBy(personId: string): Promise<Team[]> {
    return (await this.model.find({ managerId: personId }).lean<WithId<TeamDoc>[]>()).map(toTeam);
  }

  async create(input: TeamInput): Promise<Team> {
    const data = teamInputSchema.parse(input);
    try {
      const d = await this.model.create(data);
      return toTeam(d.toObject() as WithId<TeamDoc>);
    } catch (err) {
      conflict(err, `A team named ${data.name} already exists`, { name: data.name });
    }
  }

  async update(id: string, patch: Partial<TeamInput>): Promise<Team> {
    const data = teamInputSchema.partial().parse(patch);
    const set = Object.fromEntries(Object.entries(data).filter(([k]) => k in patch));
    try {
      const d = validId(id) ? await this.model.findByIdAndUpdate(id, { $set: set }, { returnDocument: 'after' }).lean<WithId<TeamDoc>>() : null;
      if (!d) throw new DomainError('not_found', `No team with id ${id}`, { id });
      return toTeam(d);
    } catch (err) {
      conflict(err, `A team named ${String(set.name)} already exists`, { name: set.name });
    }
  }

  async remove(id: string): Promise<boolean> {
    if (!validId(id)) return false;
    return (await this.model.deleteOne({ _id: id })).deletedCount === 1;
  }

  async upsertByName(input: TeamInput): Promise<{ team: Team; created: boolean }> {
    const data = teamInputSchema.parse(input);
    const res = await this.model.updateOne({ name: data.name }, { $set: data }, { upsert: true });
    const team = await this.findByName(data.name);
    if (!team) throw new Error(`upsert of team ${data.name} left no team`);
    return { team, created: res.upsertedCount === 1 };
  }
}
