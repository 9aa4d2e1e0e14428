import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { AuditLog } from '../audit.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Person, Team } from '../people/people.types.js';
import type { PeopleRepository } from '../ports.js';
import type { OncallRepository, Override, Schedule } from './oncall.types.js';
import { overrideInputSchema } from './oncall.types.js';
import { DAY, MAX_RANGE_DAYS, type ScheduleReads } from './schedules.js';

/** Overrides that ended this long ago are dropped from their schedule when a new one is added. */
const OVERRIDE_RETENTION_DAYS = 90;

export interface OverridesDeps {
  oncall: Pick<OncallRepository, 'addOverride' | 'removeOverride' | 'scheduleOfTeam'>;
  reads: ScheduleReads;
  people: Pick<PeopleRepository, 'get'>;
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
}

/**
 * A person covers a range instead of the rotation: from the admin API (the
 * actor is the token's name) or from chat (`person:<id>`, only the team's
 * members, its manager, leaders and admins). Each write leaves one audit
 * entry (`schedule.override.create|delete`, target `schedule:<id>`).
 */
export class Overrides {
  constructor(private readonly d: OverridesDeps) {}

  async add(actor: string, scheduleId: string, input: z.input<typeof overrideInputSchema>): Promise<Override> {
    const parsed = overrideInputSchema.safeParse(input);
    if (!parsed.success) throw new DomainError('validation', `The override is not valid: ${parsed.error.issues[0]?.message ?? 'unknown problem'}`);
    const { personId, start, end } = parsed.data;
    if (end.getTime() - start.getTime() > MAX_RANGE_DAYS * DAY) throw new DomainError('validation', `An override lasts at most ${MAX_RANGE_DAYS} days`);
    await this.d.reads.get(scheduleId);
    const person = await this.d.people.get(personId);
    if (!person?.active) throw new DomainError('validation', `No active person with id ${personId} to cover`, { issues: [{ in: 'body', path: 'personId', message: 'no active person' }] });
    const now = this.d.clock.now();
    const override: Override = { id: randomUUID(), personId, start, end, createdBy: actor, createdAt: now };
    await this.d.oncall.addOverride(scheduleId, override, new Date(now.getTime() - OVERRIDE_RETENTION_DAYS * DAY));
    await this.d.audit.record({ actor, action: 'schedule.override.create', target: `schedule:${scheduleId}`, before: null, after: override });
    return override;
  }

  /** An override asked for in chat: the requester must belong to (or manage) the team, or be a leader or admin. */
  async coverFromChat(actor: Person, team: Team, input: { personId: string; start: Date; end: Date }): Promise<Override> {
    const allowed = team.memberIds.includes(actor.id) || team.managerId === actor.id || actor.roles.includes('admin') || actor.roles.includes('leader');
    if (!allowed) throw new DomainError('forbidden', `Only ${team.name}'s members and manager can arrange cover for it.`);
    const schedule = await this.d.oncall.scheduleOfTeam(team.id);
    if (!schedule) throw new DomainError('not_found', `${team.name} has no on-call schedule yet.`);
    return this.add(`person:${actor.id}`, schedule.id, input);
  }

  async remove(actor: string, scheduleId: string, overrideId: string): Promise<Schedule> {
    const before = await this.d.reads.get(scheduleId);
    const removed = before.overrides.find((o) => o.id === overrideId);
    if (!removed) throw new DomainError('not_found', `No override ${overrideId} in schedule ${scheduleId}`, { id: overrideId });
    const after = await this.d.oncall.removeOverride(scheduleId, overrideId);
    await this.d.audit.record({ actor, action: 'schedule.override.delete', target: `schedule:${scheduleId}`, before: removed, after: null });
    return after;
  }
}
