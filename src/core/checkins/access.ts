import { DomainError } from '../errors.js';
import type { Person, Team } from '../people/people.types.js';
import type { PeopleRepository, TeamRepository } from '../ports.js';
import type { Checkin, CheckinRepository } from './checkins.types.js';
import type { Member } from './schedule.js';

/** Before the deadline everything can be (re)answered; after it only a first, late answer. */
export const isEditable = (c: Checkin, now: Date): boolean => now < c.deadlineAt || c.status === 'pending' || c.status === 'missed';

/** The actor's own check-in; someone else's looks like a missing one. */
export async function ownCheckin(checkins: Pick<CheckinRepository, 'get'>, actor: Person, checkinId: string): Promise<Checkin> {
  const c = await checkins.get(checkinId);
  if (!c || c.personId !== actor.id) throw new DomainError('not_found', 'That check-in is not yours or no longer exists.');
  return c;
}

export async function requireTeam(teams: Pick<TeamRepository, 'get'>, teamId: string): Promise<Team> {
  const team = await teams.get(teamId);
  if (!team) throw new DomainError('not_found', `No team with id ${teamId}`, { teamId });
  return team;
}

/** The active members of a team. */
export async function activeMembers(people: Pick<PeopleRepository, 'getMany'>, team: Pick<Team, 'memberIds'>): Promise<(Person & Member)[]> {
  return (await people.getMany(team.memberIds)).filter((p) => p.active);
}
