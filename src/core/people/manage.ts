import type { AuditLog } from '../audit.js';
import { DomainError } from '../errors.js';
import type { Page, PageQuery, PeopleRepository, TeamRepository } from '../ports.js';
import { Directory } from './directory.js';
import type { Person, PersonInput, Team, TeamInput } from './people.types.js';

/**
 * Creating, changing and deleting one kind of directory record (a person, a
 * team) on behalf of an admin: the directory's integrity rules first, then the
 * write, then one audit entry (`<noun>.create|update|delete`, target
 * `<noun>:<id>`, before and after).
 */
export interface Managed<T, Input, Query extends PageQuery = PageQuery> {
  list(query: Query): Promise<Page<T>>;
  /** Throws DomainError('not_found'). */
  get(id: string): Promise<T>;
  create(actor: string, input: Input): Promise<T>;
  /** `patch` holds only the fields to change. */
  update(actor: string, id: string, patch: Partial<Input>): Promise<T>;
  remove(actor: string, id: string): Promise<void>;
}

interface Records<T, Input, Query> {
  get(id: string): Promise<T | null>;
  list(query: Query): Promise<Page<T>>;
  create(input: Input): Promise<T>;
  update(id: string, patch: Partial<Input>): Promise<T>;
  remove(id: string): Promise<boolean>;
}

interface Rules<T, Input> {
  beforeCreate(input: Input): Promise<void>;
  beforeUpdate(before: T, patch: Partial<Input>): Promise<void>;
  beforeRemove(before: T): Promise<void>;
}

function managed<T extends { id: string }, Input, Query extends PageQuery>(noun: string, records: Records<T, Input, Query>, rules: Rules<T, Input>, audit: AuditLog): Managed<T, Input, Query> {
  const get = async (id: string) => {
    const found = await records.get(id);
    if (!found) throw new DomainError('not_found', `No ${noun} with id ${id}`, { id });
    return found;
  };
  return {
    list: (query) => records.list(query),
    get,
    async create(actor, input) {
      await rules.beforeCreate(input);
      const after = await records.create(input);
      await audit.record({ actor, action: `${noun}.create`, target: `${noun}:${after.id}`, before: null, after });
      return after;
    },
    async update(actor, id, patch) {
      const before = await get(id);
      await rules.beforeUpdate(before, patch);
      const after = await records.update(before.id, patch);
      await audit.record({ actor, action: `${noun}.update`, target: `${noun}:${after.id}`, before, after });
      return after;
    },
    async remove(actor, id) {
      const before = await get(id);
      await rules.beforeRemove(before);
      await records.remove(before.id);
      await audit.record({ actor, action: `${noun}.delete`, target: `${noun}:${before.id}`, before, after: null });
    },
  };
}

export type PeopleQuery = PageQuery & { active?: boolean | undefined; managerId?: string | undefined };

/** People for the admin API: managers must exist and never form a cycle; only unreferenced people can be deleted. */
export function managePeople(d: { people: PeopleRepository; teams: TeamRepository; audit: AuditLog }): Managed<Person, PersonInput, PeopleQuery> {
  const directory = new Directory(d.people, d.teams);
  return managed<Person, PersonInput, PeopleQuery>('person', d.people, {
    beforeCreate: (input) => directory.checkManager(input.managerId),
    beforeUpdate: async (before, patch) => {
      if ('managerId' in patch) await directory.checkManager(patch.managerId, before.id);
    },
    beforeRemove: (before) => directory.checkRemovable(before.id),
  }, d.audit);
}

/** Teams for the admin API: manager and members must exist. */
export function manageTeams(d: { people: PeopleRepository; teams: TeamRepository; audit: AuditLog }): Managed<Team, TeamInput> {
  const directory = new Directory(d.people, d.teams);
  return managed<Team, TeamInput, PageQuery>('team', d.teams, {
    beforeCreate: (input) => directory.checkTeamPeople(input),
    beforeUpdate: (_before, patch) => directory.checkTeamPeople({ managerId: patch.managerId, memberIds: patch.memberIds }),
    beforeRemove: async () => undefined,
  }, d.audit);
}
