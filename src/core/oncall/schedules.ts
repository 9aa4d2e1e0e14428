import { randomUUID } from 'node:crypto';
import type { Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Person, Team } from '../people/people.types.js';
import type { AuditRepository, PeopleRepository, TeamRepository } from '../ports.js';
import type { OncallRepository, Override, Schedule, Shift , layerInputSchema, scheduleInputSchema } from './oncall.types.js';
import { overrideInputSchema } from './oncall.types.js';
import { gapWarningView } from './oncall.views.js';
import { coverageGaps, nowAndNext, resolveShifts } from './rotation.js';
import type { z } from 'zod';

export interface OncallDeps {
  repo: OncallRepository;
  people: PeopleRepository;
  teams: TeamRepository;
  audit: AuditRepository;
  messenger: Messenger;
  clock: Clock;
  logger: Logger;
}

/** Longest range `shifts` answers, so a request stays cheap. */
export const MAX_RANGE_DAYS = 93;
/** How far ahead the coverage check looks for gaps. */
export const GAP_LOOKAHEAD_DAYS = 7;
/** Overrides that ended this long ago are dropped from their schedule when a new one is added. */
const OVERRIDE_RETENTION_DAYS = 90;
const DAY = 86_400_000;

export type ScheduleBody = z.output<typeof scheduleInputSchema>;
export type SchedulePatch = Partial<Omit<ScheduleBody, 'teamId'>>;

/**
 * On-call schedules: rotations in layers, overrides, who is on call when,
 * and the look-ahead that tells a team's manager about a gap in coverage.
 */
export class ScheduleService {
  constructor(private readonly d: OncallDeps) {}

  async get(id: string): Promise<Schedule> {
    const schedule = await this.d.repo.getSchedule(id);
    if (!schedule) throw new DomainError('not_found', `No schedule with id ${id}`, { id });
    return schedule;
  }

  list(): Promise<Schedule[]> {
    return this.d.repo.listSchedules();
  }

  ofTeam(teamId: string): Promise<Schedule | null> {
    return this.d.repo.scheduleOfTeam(teamId);
  }

  async create(input: ScheduleBody): Promise<Schedule> {
    const team = await this.d.teams.get(input.teamId);
    if (!team) throw new DomainError('validation', `No team with id ${input.teamId}`, { issues: [{ in: 'body', path: 'teamId', message: 'no such team' }] });
    const layers = await this.checkLayers(input.layers, input.timeZone);
    return this.d.repo.createSchedule({ teamId: team.id, name: input.name, timeZone: input.timeZone, layers });
  }

  async update(id: string, patch: SchedulePatch): Promise<Schedule> {
    const before = await this.get(id);
    const timeZone = patch.timeZone ?? before.timeZone;
    const layers = patch.layers ? await this.checkLayers(patch.layers, timeZone) : undefined;
    return this.d.repo.updateSchedule(id, { ...(patch.name ? { name: patch.name } : {}), ...(patch.timeZone ? { timeZone } : {}), ...(layers ? { layers } : {}) });
  }

  async remove(id: string): Promise<Schedule> {
    const before = await this.get(id);
    await this.d.repo.removeSchedule(id);
    return before;
  }

  /** Who is on call over [from, to): consecutive shifts, gaps included (personId null). */
  async shifts(id: string, from: Date, to: Date): Promise<Shift[]> {
    if (to <= from) throw new DomainError('validation', '`to` must be after `from`', { issues: [{ in: 'query', path: 'to', message: 'must be after from' }] });
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY) throw new DomainError('validation', `Ask for at most ${MAX_RANGE_DAYS} days at once`, { issues: [{ in: 'query', path: 'to', message: `at most ${MAX_RANGE_DAYS} days after from` }] });
    return resolveShifts(await this.get(id), from, to);
  }

  /** Who is on call for a team now and who is next; nulls when the team has no schedule. */
  async nowAndNext(teamId: string): Promise<{ schedule: Schedule | null; now: Shift | null; next: Shift | null }> {
    const schedule = await this.d.repo.scheduleOfTeam(teamId);
    if (!schedule) return { schedule, now: null, next: null };
    return { schedule, ...nowAndNext(schedule, this.d.clock.now()) };
  }

  /** Adds an override; `by` is who asked (a token name, or `person:<id>`). */
  async addOverride(scheduleId: string, input: z.input<typeof overrideInputSchema>, by: string): Promise<{ schedule: Schedule; override: Override }> {
    const parsed = overrideInputSchema.safeParse(input);
    if (!parsed.success) throw new DomainError('validation', `The override is not valid: ${parsed.error.issues[0]?.message ?? 'unknown problem'}`);
    const { personId, start, end } = parsed.data;
    if (end.getTime() - start.getTime() > MAX_RANGE_DAYS * DAY) throw new DomainError('validation', `An override lasts at most ${MAX_RANGE_DAYS} days`);
    await this.get(scheduleId);
    const person = await this.d.people.get(personId);
    if (!person?.active) throw new DomainError('validation', `No active person with id ${personId} to cover`, { issues: [{ in: 'body', path: 'personId', message: 'no active person' }] });
    const now = this.d.clock.now();
    const override: Override = { id: randomUUID(), personId, start, end, createdBy: by, createdAt: now };
    const schedule = await this.d.repo.addOverride(scheduleId, override, new Date(now.getTime() - OVERRIDE_RETENTION_DAYS * DAY));
    return { schedule, override };
  }

  /** An override asked for in chat: the requester must belong to (or manage) the team; audited as the person. */
  async coverFromChat(actor: Person, team: Team, input: { personId: string; start: Date; end: Date }): Promise<Override> {
    const allowed = team.memberIds.includes(actor.id) || team.managerId === actor.id || actor.roles.includes('admin') || actor.roles.includes('leader');
    if (!allowed) throw new DomainError('forbidden', `Only ${team.name}'s members and manager can arrange cover for it.`);
    const schedule = await this.d.repo.scheduleOfTeam(team.id);
    if (!schedule) throw new DomainError('not_found', `${team.name} has no on-call schedule yet.`);
    const { override } = await this.addOverride(schedule.id, input, `person:${actor.id}`);
    await this.d.audit.record({ actor: `person:${actor.id}`, action: 'schedule.override.create', target: `schedule:${schedule.id}`, before: null, after: override, at: this.d.clock.now() });
    return override;
  }

  async removeOverride(scheduleId: string, overrideId: string): Promise<{ schedule: Schedule; removed: Override }> {
    const before = await this.get(scheduleId);
    const removed = before.overrides.find((o) => o.id === overrideId);
    if (!removed) throw new DomainError('not_found', `No override ${overrideId} in schedule ${scheduleId}`, { id: overrideId });
    return { schedule: await this.d.repo.removeOverride(scheduleId, overrideId), removed };
  }

  /**
   * The periodic coverage check: tells each team's manager about every gap
   * in the next days, once per gap (the message key names the gap's start).
   */
  async checkCoverage(): Promise<number> {
    const now = this.d.clock.now();
    const until = new Date(now.getTime() + GAP_LOOKAHEAD_DAYS * DAY);
    let told = 0;
    for (const schedule of await this.d.repo.listSchedules()) {
      const gaps = coverageGaps(schedule, now, until);
      if (gaps.length === 0) continue;
      const team = await this.d.teams.get(schedule.teamId);
      if (!team?.managerId) {
        this.d.logger.warn({ scheduleId: schedule.id, gaps: gaps.length }, 'on-call gap ahead, but the team has no manager to tell');
        continue;
      }
      const manager = await this.d.people.get(team.managerId);
      const zone = manager?.timeZone ?? schedule.timeZone;
      for (const gap of gaps) {
        const key = `oncall.gap:${schedule.id}:${gap.start.toISOString()}`;
        if (await this.d.messenger.dm(team.managerId, gapWarningView(team, schedule, gap, zone), key)) told += 1;
      }
    }
    return told;
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
