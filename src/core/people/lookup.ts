import type { IdentityRepository, PeopleRepository, TeamRepository } from '../ports.js';
import type { Person, Platform, PlatformIdentity, Team } from './people.types.js';

export interface LookupDeps {
  people: Pick<PeopleRepository, 'get' | 'getMany' | 'list'>;
  teams: Pick<TeamRepository, 'all' | 'teamsOf' | 'managedBy' | 'byTeamsChannel'>;
  identities: Pick<IdentityRepository, 'ofPerson'>;
}

/** The reads adapters need to render and route: people by id, their identity on a platform, the teams someone sees. */
export class DirectoryLookup {
  constructor(private readonly d: LookupDeps) {}

  person(id: string): Promise<Person | null> {
    return this.d.people.get(id);
  }

  people(ids: readonly string[]): Promise<Person[]> {
    return this.d.people.getMany(ids);
  }

  /** Active people, oldest first, up to `limit`. */
  async activePeople(limit: number): Promise<Person[]> {
    const people: Person[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.d.people.list({ limit: Math.min(500, limit), cursor, active: true });
      people.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && people.length < limit);
    return people;
  }

  /** Each person with their identity on `platform` (null without one), to render mentions. */
  async onPlatform<P extends Platform>(ids: readonly string[], platform: P): Promise<{ person: Person; identity: Extract<PlatformIdentity, { platform: P }> | null }[]> {
    const people = await this.d.people.getMany(ids);
    return Promise.all(
      people.map(async (person) => {
        const identity = (await this.d.identities.ofPerson(person.id, [platform])).find((i): i is Extract<PlatformIdentity, { platform: P }> & { lastSeenAt: Date | null } => i.platform === platform);
        return { person, identity: identity ?? null };
      }),
    );
  }

  /** Leaders and admins see every team; others the teams they belong to or manage. */
  async teamsVisibleTo(person: Person): Promise<Team[]> {
    if (person.roles.includes('leader') || person.roles.includes('admin')) return this.d.teams.all();
    return [...(await this.d.teams.teamsOf(person.id)), ...(await this.d.teams.managedBy(person.id))];
  }

  /** The Tandem team that posts to this Teams channel, if any. */
  teamOfTeamsChannel(channelId: string): Promise<Team | null> {
    return this.d.teams.byTeamsChannel(channelId);
  }
}
