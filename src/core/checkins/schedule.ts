import { DateTime } from 'luxon';
import type { Scheduler } from '../ports.js';
import {
  cronOf,
  dayOfWeek,
  EARLY_TOLERANCE_MS,
  EVERY_DAY,
  isDayOff,
  isoWeek,
  localTime as at,
  parseWeek,
  reconcileZones,
  weeksBefore,
  type Member,
  type Rhythm,
} from '../rhythm/schedule.js';
import type { CheckinSettingsValues } from './checkins.types.js';

/**
 * The time math of weekly check-ins, built on the shared per-zone rhythm
 * (src/core/rhythm/schedule.ts).
 *
 * Rules (documented in README "Check-ins"):
 * - A period is the ISO week (`2026-W47`) of the prompt in the person's own zone.
 * - Each (team, time zone) has one recurring scheduler that fires DAILY at the
 *   prompt time in that zone; the firing decides per person whether today is
 *   their prompt day. That is what lets a prompt move to an earlier day.
 * - Days off: if the prompt day is not a working day for the person, a team
 *   holiday, or inside their time off, the prompt moves to the last earlier
 *   working day of the same ISO week (e.g. Thursday before a Friday holiday).
 *   If no day of the week up to the prompt day is a working day, that week is
 *   skipped for them.
 * - Joining mid-week: a person who becomes a member after this week's prompt
 *   is prompted at the next daily firing that falls on one of their working
 *   days before the deadline; otherwise their first prompt is the next week's.
 * - The deadline is the first `deadline.day` after the nominal prompt day, at
 *   `deadline.time` local (default Monday 12:00 after a Friday prompt).
 */

export type { Member } from '../rhythm/schedule.js';

/** Check-ins fire every day at the prompt time; each firing decides per person (see dueNow). */
const rhythmOf = (settings: Pick<CheckinSettingsValues, 'promptTime'>): Rhythm => ({ time: settings.promptTime, weekdays: EVERY_DAY });

/** The cron pattern of the daily firing at the prompt time; read in the zone given to the scheduler. */
export const cronPattern = (settings: Pick<CheckinSettingsValues, 'promptTime'>): string => cronOf(rhythmOf(settings));

/**
 * One daily schedule per time zone among `members` (pass none while check-ins
 * are off or the team is gone); `previous` are the ids the last call returned.
 */
export function reconcileTeamSchedules(scheduler: Pick<Scheduler, 'upsertRecurring' | 'removeRecurring'>, plan: { teamId: string; promptTime: string; members: readonly Member[]; previous: readonly string[]; job: string }): Promise<string[]> {
  return reconcileZones(scheduler, {
    id: `checkin:${plan.teamId}`,
    rhythm: rhythmOf({ promptTime: plan.promptTime }),
    members: plan.members,
    job: plan.job,
    data: { teamId: plan.teamId },
    previous: plan.previous,
  });
}

/** A check-in period is the ISO week of the prompt in the person's own zone. */
export const periodOf = isoWeek;
export const parsePeriod = parseWeek;
export const periodMinus = weeksBefore;
const dayOfPeriod = dayOfWeek;

/** The local date the person is prompted on in this period, or null when the whole window is off. */
export function promptDate(member: Member, period: string, settings: CheckinSettingsValues): DateTime | null {
  for (let day = settings.promptDay; day >= 1; day -= 1) {
    const date = dayOfPeriod(period, day, member.timeZone);
    if (!isDayOff(member, date, settings)) return date;
  }
  return null;
}

/** Answers close at the first `deadline.day` after the nominal prompt day, at `deadline.time` local. */
export function deadlineOf(period: string, timeZone: string, settings: CheckinSettingsValues): Date {
  const nominal = dayOfPeriod(period, settings.promptDay, timeZone);
  const daysAfter = ((settings.deadline.day - settings.promptDay + 7) % 7) || 7;
  return at(nominal.plus({ days: daysAfter }), settings.deadline.time).toJSDate();
}

/**
 * Whether a firing at `now` should prompt the member, and for which period.
 * True on their prompt date at or after the prompt time, and on later working
 * days of the same week before the deadline (the catch-up for people who
 * joined after the prompt).
 */
export function dueNow(member: Member, now: Date, settings: CheckinSettingsValues): { period: string; deadlineAt: Date } | null {
  const period = periodOf(now, member.timeZone);
  const date = promptDate(member, period, settings);
  if (!date) return null;
  const local = DateTime.fromJSDate(now, { zone: member.timeZone });
  if (local.startOf('day') < date) return null;
  if (isDayOff(member, local.startOf('day'), settings)) return null;
  if (now.getTime() < at(date, settings.promptTime).toMillis() - EARLY_TOLERANCE_MS) return null;
  const deadlineAt = deadlineOf(period, member.timeZone, settings);
  if (now >= deadlineAt) return null;
  return { period, deadlineAt };
}

/** When to remind someone who has not answered: a few hours later, and the next working morning; all before the deadline. */
export function reminderTimes(member: Member, promptedAt: Date, deadlineAt: Date, settings: CheckinSettingsValues): Date[] {
  const times: Date[] = [];
  if (settings.reminders.afterHours > 0) times.push(new Date(promptedAt.getTime() + settings.reminders.afterHours * 3_600_000));
  if (settings.reminders.nextMorning) {
    const start = DateTime.fromJSDate(promptedAt, { zone: member.timeZone }).startOf('day');
    for (let i = 1; i <= 14; i += 1) {
      const day = start.plus({ days: i });
      if (isDayOff(member, day, settings)) continue;
      times.push(at(day, settings.reminders.morningTime).toJSDate());
      break;
    }
  }
  return times.filter((t) => t > promptedAt && t < deadlineAt).sort((a, b) => a.getTime() - b.getTime());
}
