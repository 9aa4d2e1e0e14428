import { DateTime } from 'luxon';
import { isDayOff, localTime, type DaysOff, type Member } from '../rhythm/schedule.js';

/**
 * The time math of a survey round, on the shared per-time-zone rhythm
 * (`src/core/rhythm/schedule.ts`: `isDayOff`, `localTime`, `DaysOff`). All
 * dates are local to the person; a survey's holidays are days off for everyone.
 */

/**
 * When to invite the person for a round nominally on `date` at `time` local:
 * that day, or the next working day when it is off for them; never before
 * `notBefore` (then the first working day at or after it, at `time`, or at
 * once if that day's time has already passed).
 */
export function inviteInstant(member: Member, date: string, time: string, notBefore: Date, days: DaysOff): Date {
  const floor = DateTime.fromJSDate(notBefore, { zone: member.timeZone });
  let day = DateTime.fromISO(date, { zone: member.timeZone }).startOf('day');
  if (day < floor.startOf('day')) day = floor.startOf('day');
  for (let i = 0; i < 30 && isDayOff(member, day, days); i += 1) day = day.plus({ days: 1 });
  const instant = localTime(day, time);
  return (instant < floor ? floor : instant).toJSDate();
}

/** The end of the person's window: `workingDays` working days after the invitation, at the same local time. */
export function windowEnd(member: Member, invitedAt: Date, workingDays: number, days: DaysOff): Date {
  let day = DateTime.fromJSDate(invitedAt, { zone: member.timeZone });
  let left = workingDays;
  for (let i = 0; i < 60 && left > 0; i += 1) {
    day = day.plus({ days: 1 });
    if (!isDayOff(member, day.startOf('day'), days)) left -= 1;
  }
  return day.toJSDate();
}

/** Reminders: the next working day at the invitation's local time, and four hours before the window ends. */
export function reminderInstants(member: Member, invitedAt: Date, closesAt: Date, days: DaysOff): Date[] {
  const times = [windowEnd(member, invitedAt, 1, days), new Date(closesAt.getTime() - 4 * 3_600_000)];
  const out: Date[] = [];
  for (const t of times.sort((a, b) => a.getTime() - b.getTime())) {
    if (t <= invitedAt || t >= closesAt) continue;
    if (out.some((o) => Math.abs(o.getTime() - t.getTime()) < 4 * 3_600_000)) continue;
    out.push(t);
  }
  return out;
}

/** The local date of round `n` (1-based) of a recurring schedule: the first `weekday` on or after `startDate`, then every `everyWeeks` weeks. */
export function recurringDate(startDate: string, weekday: number, everyWeeks: number, n: number): string {
  const start = DateTime.fromISO(startDate, { zone: 'UTC' });
  const first = start.plus({ days: (weekday - start.weekday + 7) % 7 });
  return first.plus({ weeks: everyWeeks * (n - 1) }).toISODate() ?? startDate;
}

/** Today's local date in a zone. */
export const localDate = (instant: Date, timeZone: string): string => DateTime.fromJSDate(instant, { zone: timeZone }).toISODate() ?? '';

/** A local instant written for people: "Fri 27 Nov, 10:00". */
export const formatLocal = (instant: Date, timeZone: string): string => DateTime.fromJSDate(instant, { zone: timeZone }).toFormat('ccc d LLL, HH:mm');
