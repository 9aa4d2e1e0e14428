import type { AlertRepository } from '../alerts/alerts.types.js';
import type { PeopleRepository } from '../ports.js';
import { afterHoursPages, alertsPerTeam, teamWeekFigures, type TeamWeekFigures } from './figures.js';
import { checkRange } from './schedules.js';
import { pagedPeople, toRecord } from './scorecard-figures.js';

/** The on-call figures leaders read in the admin API (issue: time to acknowledge and resolve, load per person). */
export interface LeaderFigures {
  from: Date;
  to: Date;
  /** The zone the ISO weeks are read in. */
  timeZone: string;
  /** Per team and ISO week of the alerts opened: counts, time to acknowledge and to resolve (median, p90, ms). */
  weeks: TeamWeekFigures[];
  /** Alerts opened per team id. */
  alertsPerTeam: Record<string, number>;
  /** Pages per person and how many reached them outside their working hours, most after-hours first. */
  pages: { personId: string; pages: number; afterHours: number }[];
}

export interface LeaderFiguresDeps {
  alerts: Pick<AlertRepository, 'openedBetween'>;
  people: Pick<PeopleRepository, 'getMany'>;
}

/** The figures of the alerts opened in `[from, to)` (at most 93 days), from one read of them. */
export async function leaderFigures(d: LeaderFiguresDeps, from: Date, to: Date, timeZone: string): Promise<LeaderFigures> {
  checkRange(from, to);
  const records = (await d.alerts.openedBetween(from, to)).map(toRecord);
  return { from, to, timeZone, weeks: teamWeekFigures(records, timeZone), alertsPerTeam: alertsPerTeam(records), pages: afterHoursPages(records, await pagedPeople(records, d.people)) };
}
