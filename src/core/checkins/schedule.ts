import { DateTime, type WeekdayNumbers } from 'luxon';
import type { Weekday } from '../people/people.types.js';
import type { CheckinSettingsValues } from './checkins.types.js';

/**
 * The time math of weekly check-ins, as pure functions over luxon.
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

export interface Member {
  id: string;
  timeZone: string;
  workingDays: readonly Weekday[];
}

/** A firing may run a little before the minute by the clock (scheduler jitter, demo clock). */
const EARLY_TOLERANCE_MS = 5 * 60_000;

export function parseLocalTime(hhmm: string): { hour: number; minute: number } {
  const [h = '0', m = '0'] = hhmm.split(':');
  return { hour: Number(h), minute: Number(m) };
}

/** The cron pattern of the daily firing at the prompt time; read in the zone given to the scheduler. */
export function cronPattern(settings: Pick<CheckinSettingsValues, 'promptTime'>): string {
  const { hour, minute } = parseLocalTime(settings.promptTime);
  return `${minute} ${hour} * * *`;
}

export const schedulerId = (teamId: string, timeZone: string): string => `checkin:${teamId}:${timeZone}`;

export function periodOf(instant: Date, timeZone: string): string {
  const d = DateTime.fromJSDate(instant, { zone: timeZone });
  return `${d.weekYear}-W${String(d.weekNumber).padStart(2, '0')}`;
}

export function parsePeriod(period: string): { weekYear: number; weekNumber: number } | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(period);
  if (!m) return null;
  const weekYear = Number(m[1]);
  const weekNumber = Number(m[2]);
  return DateTime.fromObject({ weekYear, weekNumber, weekday: 1 }).isValid && weekNumber >= 1 && weekNumber <= 53 ? { weekYear, weekNumber } : null;
}

/** Local midnight of a weekday of the period, in `timeZone`. */
export function dayOfPeriod(period: string, weekday: number, timeZone: string): DateTime {
  const p = parsePeriod(period);
  if (!p) throw new RangeError(`not an ISO week: ${period}`);
  return DateTime.fromObject({ weekYear: p.weekYear, weekNumber: p.weekNumber, weekday: weekday as WeekdayNumbers }, { zone: timeZone }).startOf('day');
}

/** True when the local date is not a working day for the person, a team holiday, or in their time off. */
export function isDayOff(member: Member, date: DateTime, settings: Pick<CheckinSettingsValues, 'holidays' | 'timeOff'>): boolean {
  if (!member.workingDays.includes(date.weekday as Weekday)) return true;
  const iso = date.toISODate() ?? '';
  if (settings.holidays.includes(iso)) return true;
  return settings.timeOff.some((t) => t.personId === member.id && t.from <= iso && iso <= t.to);
}

/** The local date the person is prompted on in this period, or null when the whole window is off. */
export function promptDate(member: Member, period: string, settings: CheckinSettingsValues): DateTime | null {
  for (let day = settings.promptDay; day >= 1; day -= 1) {
    const date = dayOfPeriod(period, day, member.timeZone);
    if (!isDayOff(member, date, settings)) return date;
  }
  return null;
}

const at = (date: DateTime, hhmm: string): DateTime => date.set({ ...parseLocalTime(hhmm), second: 0, millisecond: 0 });

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

/** Periods sort as strings; this steps back `weeks` ISO weeks. */
export function periodMinus(period: string, weeks: number): string {
  const start = dayOfPeriod(period, 1, 'UTC').minus({ weeks });
  return `${start.weekYear}-W${String(start.weekNumber).padStart(2, '0')}`;
}
