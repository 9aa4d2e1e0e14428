import { DateTime } from 'luxon';
import type { Person, Role, Team } from '../people/people.types.js';
import type { EscalationAlert, EscalationDeps, ResolvedTarget } from './escalation.types.js';
import type { StepTarget } from './oncall.types.js';
import { onCallAt } from './rotation.js';

/** Working hours, local to each person, on their working days: when a low-urgency page may reach them. */
export const WORKING_HOURS = { from: 9, to: 18 } as const;

export function isWorkingTime(person: Pick<Person, 'timeZone' | 'workingDays'>, at: Date): boolean {
  const local = DateTime.fromJSDate(at, { zone: person.timeZone });
  return (person.workingDays as number[]).includes(local.weekday) && local.hour >= WORKING_HOURS.from && local.hour < WORKING_HOURS.to;
}

/** `at` itself within working hours, else the start of the person's next working day (09:00 local). */
export function nextWorkingTime(person: Pick<Person, 'timeZone' | 'workingDays'>, at: Date): Date {
  if (isWorkingTime(person, at)) return at;
  const local = DateTime.fromJSDate(at, { zone: person.timeZone });
  for (let d = 0; d <= 7; d++) {
    const start = local.plus({ days: d }).set({ hour: WORKING_HOURS.from, minute: 0, second: 0, millisecond: 0 });
    if (start > local && (person.workingDays as number[]).includes(start.weekday)) return start.toUTC().toJSDate();
  }
  return at;
}

/** People holding `role` among the team, its manager and the manager's own chain up to the top. */
async function holdersOf(role: Role, team: Team, people: EscalationDeps['people']): Promise<Person[]> {
  const found = new Map<string, Person>();
  for (const p of await people.getMany(team.memberIds)) if (p.roles.includes(role)) found.set(p.id, p);
  const seen = new Set<string>();
  let next = team.managerId;
  while (next && !seen.has(next) && seen.size < 20) {
    seen.add(next);
    const manager = await people.get(next);
    if (!manager) break;
    if (manager.roles.includes(role)) found.set(manager.id, manager);
    next = manager.managerId;
  }
  return [...found.values()];
}

/**
 * Who a step reaches now. The on-call person comes from the frozen rotation
 * with the schedule's current overrides; the manager is the one frozen with
 * the alert; inactive people are skipped.
 */
export async function resolveStepTarget(target: StepTarget, alert: EscalationAlert, deps: Pick<EscalationDeps, 'people' | 'teams' | 'schedules' | 'clock'>): Promise<ResolvedTarget[]> {
  const snapshot = alert.escalation;
  if (!snapshot) return [];
  const person = async (id: string | null | undefined): Promise<ResolvedTarget[]> => {
    const p = id ? await deps.people.get(id) : null;
    return p?.active ? [{ kind: 'person', person: p }] : [];
  };
  switch (target.kind) {
    case 'oncall': {
      const frozen = snapshot.schedules[target.scheduleId];
      if (!frozen) return [];
      const live = await deps.schedules.getSchedule(target.scheduleId);
      return person(onCallAt({ layers: frozen.layers, overrides: live?.overrides ?? [] }, deps.clock.now()));
    }
    case 'person':
      return person(target.personId);
    case 'manager':
      return person(snapshot.managerId);
    case 'role': {
      const team = await deps.teams.get(snapshot.teamId);
      if (!team) return [];
      return (await holdersOf(target.role, team, deps.people)).filter((p) => p.active).map((p) => ({ kind: 'person', person: p }));
    }
    case 'channel': {
      const team = await deps.teams.get(snapshot.teamId);
      return team ? [{ kind: 'channel', team }] : [];
    }
  }
}
