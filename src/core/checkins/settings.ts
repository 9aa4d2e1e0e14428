import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { PeopleRepository, Scheduler, TeamRepository } from '../ports.js';
import { activeMembers, requireTeam } from './access.js';
import { checkinSettingsSchema, defaultSettings, type CheckinRepository, type CheckinSettings, type CheckinSettingsInput } from './checkins.types.js';
import { CHECKIN_JOBS } from './keys.js';
import { reconcileTeamSchedules } from './schedule.js';

export interface SettingsDeps {
  checkins: Pick<CheckinRepository, 'getSettings' | 'saveSettings' | 'setSchedulers' | 'allSettings'>;
  teams: Pick<TeamRepository, 'get' | 'all'>;
  people: Pick<PeopleRepository, 'getMany'>;
  scheduler: Pick<Scheduler, 'upsertRecurring' | 'removeRecurring'>;
  clock: Clock;
  /** Told when a team's settings changed, to drop what was read before. */
  changed(teamId: string): Promise<void>;
}

/**
 * A team's check-in settings, and the schedules they imply: one daily firing
 * per (team, time zone among its members), kept in step with membership,
 * time zones and settings by reconciling.
 */
export class CheckinSettingsUseCases {
  constructor(private readonly d: SettingsDeps) {}

  async settings(teamId: string): Promise<CheckinSettings> {
    await requireTeam(this.d.teams, teamId);
    return (await this.d.checkins.getSettings(teamId)) ?? defaultSettings(teamId);
  }

  /** Replaces the team's settings (missing fields take defaults) and reschedules at once. */
  async updateSettings(teamId: string, input: CheckinSettingsInput): Promise<CheckinSettings> {
    await requireTeam(this.d.teams, teamId);
    const parsed = checkinSettingsSchema.safeParse(input);
    if (!parsed.success) {
      throw new DomainError('validation', 'The check-in settings are not valid', {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    await this.d.checkins.saveSettings(teamId, parsed.data, this.d.clock.now());
    await this.d.changed(teamId);
    await this.reconcileTeam(teamId);
    return this.settings(teamId);
  }

  /** One daily scheduler per (team, time zone among its members) at the prompt time; stale ones removed. */
  async reconcileTeam(teamId: string): Promise<string[]> {
    const [team, stored] = await Promise.all([this.d.teams.get(teamId), this.d.checkins.getSettings(teamId)]);
    const settings = stored ?? defaultSettings(teamId);
    const members = team && settings.enabled ? await activeMembers(this.d.people, team) : [];
    const ids = await reconcileTeamSchedules(this.d.scheduler, { teamId, promptTime: settings.promptTime, members, previous: settings.schedulers, job: CHECKIN_JOBS.fire });
    if (team) await this.d.checkins.setSchedulers(teamId, ids);
    return ids;
  }

  /** At boot and hourly: every team, so membership and time zone changes take effect without a restart. */
  async reconcileAll(): Promise<void> {
    const teams = await this.d.teams.all();
    for (const team of teams) await this.reconcileTeam(team.id);
    const known = new Set(teams.map((t) => t.id));
    for (const s of await this.d.checkins.allSettings()) {
      if (!known.has(s.teamId)) for (const id of s.schedulers) await this.d.scheduler.removeRecurring(id);
    }
  }
}
