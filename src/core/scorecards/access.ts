import { DomainError } from '../errors.js';
import type { Person, Team } from '../people/people.types.js';
import type { PeopleRepository, TeamRepository } from '../ports.js';

export interface ScorecardAccessDeps {
  teams: Pick<TeamRepository, 'all' | 'teamsOf'>;
  people: Pick<PeopleRepository, 'getMany'>;
}

/**
 * Who sees what: leaders and admins the organisation and every team;
 * managers the teams they manage and the teams below them (managed by people
 * who report to them, at any depth); everyone else their own teams' KPIs only.
 */
export interface Visibility {
  level: 'organisation' | 'manager' | 'member';
  teams: Team[];
}

const MAX_DEPTH = 32;

export class ScorecardAccess {
  constructor(private readonly d: ScorecardAccessDeps) {}

  async visibility(person: Person): Promise<Visibility> {
    if (person.roles.includes('leader') || person.roles.includes('admin')) return { level: 'organisation', teams: await this.d.teams.all() };
    const all = await this.d.teams.all();
    const below = await this.teamsBelow(person.id, all);
    if (below.length) return { level: 'manager', teams: below };
    return { level: 'member', teams: await this.d.teams.teamsOf(person.id) };
  }

  /** Teams whose manager is `managerId` or reports to them through the chain of managers. */
  async teamsBelow(managerId: string, all: Team[]): Promise<Team[]> {
    const managerIds = [...new Set(all.map((t) => t.managerId).filter((m): m is string => m !== null))];
    const chainOf = new Map<string, string | null>();
    let frontier = managerIds;
    for (let depth = 0; depth < MAX_DEPTH && frontier.length; depth += 1) {
      const people = await this.d.people.getMany(frontier.filter((id) => !chainOf.has(id)));
      for (const p of people) chainOf.set(p.id, p.managerId);
      frontier = people.map((p) => p.managerId).filter((m): m is string => m !== null && !chainOf.has(m));
    }
    const reportsTo = (id: string | null): boolean => {
      for (let at = id, depth = 0; at !== null && depth < MAX_DEPTH; at = chainOf.get(at) ?? null, depth += 1) if (at === managerId) return true;
      return false;
    };
    return all.filter((t) => reportsTo(t.managerId));
  }

  /** The team named `name` (case-insensitive) or with that id, if the person may see it; a clear refusal otherwise. */
  async team(person: Person, nameOrId: string, vis?: Visibility): Promise<Team> {
    const v = vis ?? (await this.visibility(person));
    const wanted = nameOrId.trim().toLowerCase();
    const found = v.teams.find((t) => t.id === nameOrId || t.name.toLowerCase() === wanted);
    if (found) return found;
    throw new DomainError('forbidden', `You can't see the scorecard of "${nameOrId}": ${describe(v)}`, { team: nameOrId });
  }
}

function describe(v: Visibility): string {
  if (v.level === 'organisation') return 'there is no such team.';
  const names = v.teams
    .map((t) => t.name)
    .sort((a, b) => a.localeCompare(b))
    .join(', ');
  if (v.level === 'manager') return `you see the teams you manage and those below them (${names}).`;
  return names ? `you see your own team's (${names}).` : 'you are not in a team yet.';
}
