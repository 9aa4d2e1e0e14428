import type { AuditCheck, AuditLog } from '../audit.js';
import { DomainError } from '../errors.js';
import type { Page, PageQuery, PeopleRepository, TeamRepository } from '../ports.js';
import { Directory } from './directory.js';
import type { Person, PersonInput, Team, TeamInput } from './people.types.js';

/**
 * Creating, changing and deleting one kind of directory record (a person, a
 * team) on behalf of an admin: the directory's integrity rules first, then the
 * write as an audited change (`<noun>.create|update|delete`, target
 * `<noun>:<id>`, before and after; see AuditLog.change).
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
      const change = { actor, action: `${noun}.create`, target: `${noun}:new`, before: null, intended: input };
      return audit.change(change, () => records.create(input), (after) => ({ target: `${noun}:${after.id}`, after }));
    },
    async update(actor, id, patch) {
      const before = await get(id);
      await rules.beforeUpdate(before, patch);
      const change = { actor, action: `${noun}.update`, target: `${noun}:${before.id}`, before, intended: patch };
      return audit.change(change, () => records.update(before.id, patch), (after) => ({ after }));
    },
    async remove(actor, id) {
      const before = await get(id);
      await rules.beforeRemove(before);
      await audit.change({ actor, action: `${noun}.delete`, target: `${noun}:${before.id}`, before, intended: null }, () => records.remove(before.id), () => ({ after: null }));
    },
  };
}

/** How the reconciler finds a person or a team a pending entry is about (a create by its unique email or name). */
function checkOf<T extends { id: string }>(noun: string, get: (id: string) => Promise<T | null>, byUnique: (after: Record<string, unknown>) => Promise<T | null>): AuditCheck {
  return async (entry) => {
    const id = entry.target.slice(noun.length + 1);
    const found = id === 'new' ? await byUnique((entry.after ?? {}) as Record<string, unknown>) : await get(id);
    return { target: found ? `${noun}:${found.id}` : entry.target, state: found };
  };
}

export type PeopleQuery = PageQuery & { active?: boolean | undefined; managerId?: string | undefined };

/** People for the admin API: managers must exist and never form a cycle; only unreferenced people can be deleted. */
export function managePeople(d: { people: PeopleRepository; teams: TeamRepository; audit: AuditLog }): Managed<Person, PersonInput, PeopleQuery> {
  d.audit.addCheck('person', checkOf('person', (id) => d.people.get(id), (a) => (typeof a.email === 'string' ? d.people.findByEmail(a.email) : Promise.resolve(null))));
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
  d.audit.addCheck('team', checkOf('team', (id) => d.teams.get(id), (a) => (typeof a.name === 'string' ? d.teams.findByName(a.name) : Promise.resolve(null))));
  const directory = new Directory(d.people, d.teams);
  return managed<Team, TeamInput, PageQuery>('team', d.teams, {
    beforeCreate: (input) => directory.checkTeamPeople(input),
    beforeUpdate: (_before, patch) => directory.checkTeamPeople({ managerId: patch.managerId, memberIds: patch.memberIds }),
    beforeRemove: async () => undefined,
  }, d.audit);
}
