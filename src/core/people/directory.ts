import { DomainError } from '../errors.js';
import type { PeopleRepository, TeamRepository } from '../ports.js';

/**
 * Integrity rules of the people directory that the database cannot express:
 * managers and members must exist, and the management chain has no cycle.
 * Used by the admin API and the import before anything is written.
 */
export class Directory {
  constructor(
    private readonly people: PeopleRepository,
    private readonly teams: TeamRepository,
  ) {}

  /** Throws DomainError('validation') when the manager is unknown or would close a management cycle. */
  async checkManager(managerId: string | null | undefined, selfId?: string): Promise<void> {
    if (!managerId) return;
    if (managerId === selfId) throw new DomainError('validation', 'A person cannot be their own manager', { issues: [{ in: 'body', path: 'managerId', message: 'a person cannot be their own manager' }] });
    const seen = new Set<string>();
    let current: string | null = managerId;
    while (current && !seen.has(current)) {
      seen.add(current);
      const person = await this.people.get(current);
      if (!person) {
        if (current === managerId) throw new DomainError('validation', `No person with id ${managerId} to be the manager`, { issues: [{ in: 'body', path: 'managerId', message: `no person with id ${managerId}` }] });
        return;
      }
      if (selfId && person.managerId === selfId) {
        throw new DomainError('validation', `${person.name} already reports (directly or not) to this person; that would make a management cycle`, {
          issues: [{ in: 'body', path: 'managerId', message: 'would make a management cycle' }],
        });
      }
      current = person.managerId;
    }
  }

  /** Throws DomainError('validation') naming every id that is not a person. */
  async checkTeamPeople(input: { managerId?: string | null | undefined; memberIds?: readonly string[] | undefined }): Promise<void> {
    const ids = [...new Set([...(input.managerId ? [input.managerId] : []), ...(input.memberIds ?? [])])];
    if (ids.length === 0) return;
    const found = new Set((await this.people.getMany(ids)).map((p) => p.id));
    const issues: { in: string; path: string; message: string }[] = [];
    if (input.managerId && !found.has(input.managerId)) issues.push({ in: 'body', path: 'managerId', message: `no person with id ${input.managerId}` });
    (input.memberIds ?? []).forEach((id, i) => {
      if (!found.has(id)) issues.push({ in: 'body', path: `memberIds.${i}`, message: `no person with id ${id}` });
    });
    if (issues.length) throw new DomainError('validation', `Unknown people: ${issues.map((i) => i.message.replace('no person with id ', '')).join(', ')}`, { issues });
  }

  /** A person can be deleted only when nothing points at them; otherwise deactivate them. */
  async checkRemovable(personId: string): Promise<void> {
    const [reports, managed, memberOf] = await Promise.all([
      this.people.list({ limit: 1, managerId: personId }),
      this.teams.managedBy(personId),
      this.teams.teamsOf(personId),
    ]);
    const refs = [
      ...(reports.items.length ? ['manages people'] : []),
      ...managed.map((t) => `manages team ${t.name}`),
      ...memberOf.map((t) => `is a member of team ${t.name}`),
    ];
    if (refs.length) {
      throw new DomainError('conflict', `This person cannot be deleted while they ${refs.join(', ')}; reassign them first, or set active to false`, { references: refs });
    }
  }
}
