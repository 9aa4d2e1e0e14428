import type { z } from 'zod';
import type { AuditLog } from '../audit.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { PeopleRepository, TeamRepository } from '../ports.js';
import type { layerInputSchema, OncallRepository, Schedule, scheduleInputSchema, Shift } from './oncall.types.js';
import { nowAndNext, resolveShifts } from './rotation.js';

/** Longest range `shifts` and the leaders' figures answer, so a request stays cheap. */
export const MAX_RANGE_DAYS = 93;
export const DAY = 86_400_000;

/** A range of the admin API's reads: `to` after `from`, at most MAX_RANGE_DAYS long (a 422 naming the query field otherwise). */
export function checkRange(from: Date, to: Date): void {
  if (to <= from) throw new DomainError('validation', '`to` must be after `from`', { issues: [{ in: 'query', path: 'to', message: 'must be after from' }] });
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY) throw new DomainError('validation', `Ask for at most ${MAX_RANGE_DAYS} days at once`, { issues: [{ in: 'query', path: 'to', message: `at most ${MAX_RANGE_DAYS} days after from` }] });
}

export type ScheduleBody = z.output<typeof scheduleInputSchema>;
export type SchedulePatch = Partial<Omit<ScheduleBody, 'teamId'>>;

/** Reading a schedule: by id (not found is an error), or a team's (null when it has none). */
export class ScheduleReads {
  constructor(private readonly d: { oncall: Pick<OncallRepository, 'getSchedule' | 'scheduleOfTeam' | 'listSchedules'>; clock: Clock }) {}

  async get(id: string): Promise<Schedule> {
    const schedule = await this.d.oncall.getSchedule(id);
    if (!schedule) throw new DomainError('not_found', `No schedule with id ${id}`, { id });
    return schedule;
  }

  list(): Promise<Schedule[]> {
    return this.d.oncall.listSchedules();
  }

  ofTeam(teamId: string): Promise<Schedule | null> {
    return this.d.oncall.scheduleOfTeam(teamId);
  }

  /** Who is on call over [from, to): consecutive shifts, gaps included (personId null). */
  async shifts(id: string, from: Date, to: Date): Promise<Shift[]> {
    checkRange(from, to);
    return resolveShifts(await this.get(id), from, to);
  }

  /** Who is on call for a team now and who is next; nulls when the team has no schedule. */
  async nowAndNext(teamId: string): Promise<{ schedule: Schedule | null; now: Shift | null; next: Shift | null }> {
    const schedule = await this.d.oncall.scheduleOfTeam(teamId);
    if (!schedule) return { schedule, now: null, next: null };
    return { schedule, ...nowAndNext(schedule, this.d.clock.now()) };
  }
}

export interface ManageSchedulesDeps {
  oncall: Pick<OncallRepository, 'createSchedule' | 'updateSchedule' | 'removeSchedule'>;
  reads: ScheduleReads;
  people: Pick<PeopleRepository, 'getMany'>;
  teams: Pick<TeamRepository, 'get'>;
  audit: Pick<AuditLog, 'record'>;
}

/**
 * Creating, changing and deleting a team's schedule on behalf of an admin:
 * the team and every person in a rotation must exist; one audit entry per
 * write (`schedule.create|update|delete`, target `schedule:<id>`).
 */
export class ManageSchedules {
  constructor(private readonly d: ManageSchedulesDeps) {}

  async create(actor: string, input: ScheduleBody): Promise<Schedule> {
    const team = await this.d.teams.get(input.teamId);
    if (!team) throw new DomainError('validation', `No team with id ${input.teamId}`, { issues: [{ in: 'body', path: 'teamId', message: 'no such team' }] });
    const layers = await this.checkLayers(input.layers, input.timeZone);
    const after = await this.d.oncall.createSchedule({ teamId: team.id, name: input.name, timeZone: input.timeZone, layers });
    await this.d.audit.record({ actor, action: 'schedule.create', target: `schedule:${after.id}`, before: null, after });
    return after;
  }

  async update(actor: string, id: string, patch: SchedulePatch): Promise<Schedule> {
    const before = await this.d.reads.get(id);
    const timeZone = patch.timeZone ?? before.timeZone;
    const layers = patch.layers ? await this.checkLayers(patch.layers, timeZone) : undefined;
    const after = await this.d.oncall.updateSchedule(id, { ...(patch.name ? { name: patch.name } : {}), ...(patch.timeZone ? { timeZone } : {}), ...(layers ? { layers } : {}) });
    await this.d.audit.record({ actor, action: 'schedule.update', target: `schedule:${after.id}`, before, after });
    return after;
  }

  async remove(actor: string, id: string): Promise<void> {
    const before = await this.d.reads.get(id);
    await this.d.oncall.removeSchedule(id);
    await this.d.audit.record({ actor, action: 'schedule.delete', target: `schedule:${before.id}`, before, after: null });
  }

  private async checkLayers(layers: z.output<typeof layerInputSchema>[], timeZone: string): Promise<Schedule['layers']> {
    const ids = [...new Set(layers.flatMap((l) => l.people))];
    const found = new Set((await this.d.people.getMany(ids)).map((p) => p.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new DomainError('validation', `No person with id ${missing.join(', ')}`, { issues: missing.map((id) => ({ in: 'body', path: 'layers.people', message: `no person with id ${id}` })) });
    }
    return layers.map((l) => ({ ...l, timeZone: l.timeZone ?? timeZone }));
  }
}
