import { Types, type AnyBulkWriteOperation, type Model } from 'mongoose';
import { DomainError } from '../core/errors.js';
import type { Team, TeamInput } from '../core/people/people.types.js';
import { teamInputSchema } from '../core/people/people.types.js';
import type { PageQuery, TeamRepository } from '../core/ports.js';
import type { StoreCache } from './cache.js';
import { isDuplicateKey } from './connection.js';
import type { TeamDoc, TeamMembershipDoc, TeamNameDoc } from './models.js';
import { paginate } from './pagination.js';
import { validId, type WithId } from './people.repository.js';

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

type Side = 'memberOf' | 'manages';
const peopleOf = (t: { memberIds?: readonly string[] | undefined; managerId?: string | null | undefined }): [string, Side][] => [
  ...(t.memberIds ?? []).map((p): [string, Side] => [p, 'memberOf']),
  ...(t.managerId ? [[t.managerId, 'manages'] as [string, Side]] : []),
];
const minus = (a: [string, Side][], b: [string, Side][]) => a.filter(([p, s]) => !b.some(([q, t]) => p === q && s === t));

/**
 * Teams, with two kinds of lookup documents so a command's team reads are
 * `_id` reads on FerretDB: `team_names` (`_id` = name -> team id) and
 * `team_memberships` (`_id` = person id -> the teams they are in and manage).
 * A membership is added before the team is written and again after it, and
 * removed after it, so a lookup never misses a team the person is in (a crash
 * leaves at most an extra entry); readers check every team they load.
 */
export class MongoTeamRepository implements TeamRepository {
  constructor(
    private readonly model: Model<TeamDoc>,
    private readonly names: Model<TeamNameDoc>,
    private readonly memberships: Model<TeamMembershipDoc>,
    /** Teams read by id are cached (every alert reads its team); every write here drops the team (see StoreCache). */
    private readonly cache?: StoreCache,
  ) {}

  async get(id: string): Promise<Team | null> {
    if (!validId(id)) return null;
    return this.cache ? this.cache.load('team', id, () => this.read(id)) : this.read(id);
  }

  private async read(id: string): Promise<Team | null> {
    const d = await this.model.findById(id).lean<WithId<TeamDoc>>();
    return d ? toTeam(d) : null;
  }

  private changed(id: string): void {
    this.cache?.invalidate('team', id);
  }

  async findByName(name: string): Promise<Team | null> {
    const lookup = await this.names.findById(name).lean<TeamNameDoc>();
    const team = lookup ? await this.get(lookup.teamId) : null;
    return team?.name === name ? team : null;
  }

  /** Only on Teams install and channel events, not per message: a query on the indexed field. */
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
    return (await this.lookedUp(personId, 'memberOf')).filter((t) => t.memberIds.includes(personId));
  }

  async managedBy(personId: string): Promise<Team[]> {
    return (await this.lookedUp(personId, 'manages')).filter((t) => t.managerId === personId);
  }

  async create(input: TeamInput): Promise<Team> {
    const data = teamInputSchema.parse(input);
    const id = new Types.ObjectId().toString();
    const taken = () => new DomainError('conflict', `A team named ${data.name} already exists`, { name: data.name });
    if (!(await this.claim(data.name, id))) throw taken();
    try {
      await this.addLookups(id, peopleOf(data));
      const d = await this.model.create({ _id: id, ...data });
      return toTeam(d.toObject() as WithId<TeamDoc>);
    } catch (err) {
      await this.release(data.name, id);
      if (!isDuplicateKey(err)) throw err;
      await this.repairName(data.name);
      throw taken();
    }
  }

  async update(id: string, patch: Partial<TeamInput>): Promise<Team> {
    const data = teamInputSchema.partial().parse(patch);
    const set = Object.fromEntries(Object.entries(data).filter(([k]) => k in patch)) as Partial<Team>;
    // Read from the store: the lookups written below follow from it.
    const before = validId(id) ? await this.read(id) : null;
    if (!before) throw new DomainError('not_found', `No team with id ${id}`, { id });
    const name = set.name !== undefined && set.name !== before.name ? set.name : null;
    const taken = () => new DomainError('conflict', `A team named ${String(set.name)} already exists`, { name: set.name });
    if (name && !(await this.claim(name, id))) throw taken();
    const next = { memberIds: set.memberIds ?? before.memberIds, managerId: 'managerId' in set ? set.managerId : before.managerId };
    const added = minus(peopleOf(next), peopleOf(before));
    let d: WithId<TeamDoc> | null;
    try {
      await this.addLookups(id, added);
      d = await this.model.findByIdAndUpdate(id, { $set: set }, { returnDocument: 'after' }).lean<WithId<TeamDoc>>();
      this.changed(id);
    } catch (err) {
      if (name) await this.release(name, id);
      if (!isDuplicateKey(err)) throw err;
      if (name) await this.repairName(name);
      throw taken();
    }
    if (!d) throw new DomainError('not_found', `No team with id ${id}`, { id });
    const after = toTeam(d);
    if (name) await this.release(before.name, id);
    await this.addLookups(id, added);
    await this.removeLookups(id, minus(peopleOf(before), peopleOf(after)));
    return after;
  }

  async remove(id: string): Promise<boolean> {
    if (!validId(id)) return false;
    const d = await this.model.findOneAndDelete({ _id: id }).lean<WithId<TeamDoc>>();
    this.changed(id);
    if (!d) return false;
    await this.release(d.name, id);
    await this.removeLookups(id, peopleOf(toTeam(d)));
    return true;
  }

  async upsertByName(input: TeamInput): Promise<{ team: Team; created: boolean }> {
    const data = teamInputSchema.parse(input);
    const existing = await this.findByName(data.name);
    if (existing) return { team: await this.update(existing.id, data), created: false };
    try {
      return { team: await this.create(data), created: true };
    } catch (err) {
      // Created by someone else in between: update theirs.
      const theirs = err instanceof DomainError && err.code === 'conflict' ? await this.findByName(data.name) : null;
      if (!theirs) throw err;
      return { team: await this.update(theirs.id, data), created: false };
    }
  }

  /** The teams a person's lookup document lists on one side, each read by _id at once. */
  private async lookedUp(personId: string, side: Side): Promise<Team[]> {
    const lookup = await this.memberships.findById(personId).lean<TeamMembershipDoc>();
    const teams = await Promise.all((lookup?.[side] ?? []).map((id) => this.get(id)));
    return teams.filter((t) => t !== null).sort((a, b) => a.name.localeCompare(b.name));
  }

  private async addLookups(teamId: string, people: [string, Side][]): Promise<void> {
    if (people.length === 0) return;
    const ops: AnyBulkWriteOperation<TeamMembershipDoc>[] = people.map(([p, side]) => ({ updateOne: { filter: { _id: p }, update: { $addToSet: { [side]: teamId } }, upsert: true } }));
    await this.memberships.bulkWrite(ops, { ordered: false });
  }

  /** Removes memberships, then puts back any that a concurrent edit of the team made true again. */
  private async removeLookups(teamId: string, people: [string, Side][]): Promise<void> {
    if (people.length === 0) return;
    const ops: AnyBulkWriteOperation<TeamMembershipDoc>[] = people.map(([p, side]) => ({ updateOne: { filter: { _id: p }, update: { $pull: { [side]: teamId } } } }));
    await this.memberships.bulkWrite(ops, { ordered: false });
    const now = await this.get(teamId);
    if (now) await this.addLookups(teamId, people.filter(([p, side]) => (side === 'memberOf' ? now.memberIds.includes(p) : now.managerId === p)));
  }

  /** Claims `name` for team `id`: false when another team has it. */
  private async claim(name: string, id: string): Promise<boolean> {
    try {
      await this.names.create({ _id: name, teamId: id });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const owner = await this.names.findById(name).lean<TeamNameDoc>();
    if (!owner || owner.teamId === id) return true;
    if ((await this.get(owner.teamId))?.name === name) return false;
    // A stale lookup: take it over; the unique index on teams.name still guards.
    await this.names.updateOne({ _id: name }, { $set: { teamId: id } });
    return true;
  }

  private async release(name: string, id: string): Promise<void> {
    const owner = await this.names.findById(name).lean<TeamNameDoc>();
    if (owner?.teamId === id) await this.names.deleteOne({ _id: name });
  }

  /** The one scan, off the usual path: points the lookup of `name` at whichever team has it. */
  private async repairName(name: string): Promise<void> {
    const d = await this.model.findOne({ name }).lean<WithId<TeamDoc>>();
    if (d) await this.names.updateOne({ _id: name }, { $set: { teamId: d._id.toString() } }, { upsert: true });
    else await this.names.deleteOne({ _id: name });
  }
}
