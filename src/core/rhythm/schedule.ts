import { DateTime, type WeekdayNumbers } from 'luxon';
import type { Weekday } from '../people/people.types.js';
import type { Scheduler } from '../ports.js';

/**
 * The per-time-zone rhythm: "fire at this local time on these weekdays, for
 * each time zone of the people concerned, and skip their days off and
 * holidays". Check-ins use it today; pulse surveys and weekly digests reuse it.
 *
 * API
 * - `Rhythm` `{ time: 'HH:mm', weekdays: [1..7] }`: the local wall-clock time
 *   and ISO weekdays (1 = Monday) of a firing, read in each person's own zone.
 * - `reconcileZones(scheduler, plan)`: keeps exactly one recurring schedule per
 *   zone among `plan.members` (id `<plan.id>:<zone>`, cron `cronOf(rhythm)`
 *   read in that zone, job `plan.job` with `{...plan.data, timeZone}`);
 *   creates the missing ones, replaces changed ones, removes those in
 *   `plan.previous` no longer wanted, and returns the ids to remember for the
 *   next call. A joiner in a new zone adds a schedule, the last leaver of a
 *   zone removes it; DST is the scheduler's business (cron + IANA zone).
 * - `dueAt(member, now, rhythm, daysOff)`: when a schedule fires, whether the
 *   member is due: `now` is on one of the rhythm's weekdays in their zone, not
 *   a day off for them (`isDayOff`), and at or after the local time (a firing
 *   up to 5 minutes early counts). Returns their local date, or null.
 * - `isDayOff(member, date, daysOff)`: not one of their working days, a
 *   holiday (local `YYYY-MM-DD`), or inside their time off.
 * - `localTime(date, 'HH:mm')`: that wall-clock time on a local date (luxon
 *   resolves a time skipped by DST forward).
 * - ISO weeks: `isoWeek(instant, zone)` (`2026-W47`), `dayOfWeek(week,
 *   weekday, zone)` (local midnight), `weeksBefore(week, n)`, `parseWeek`.
 */

export interface Rhythm {
  /** Local wall-clock time, `HH:mm`. */
  time: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  weekdays: readonly Weekday[];
}

/** Someone a rhythm fires for. */
export interface Member {
  id: string;
  timeZone: string;
  workingDays: readonly Weekday[];
}

export interface DaysOff {
  /** Days off for everyone, as local dates `YYYY-MM-DD`. */
  holidays: readonly string[];
  /** Personal time off, inclusive local dates. */
  timeOff: readonly { personId: string; from: string; to: string }[];
}

export const EVERY_DAY: readonly Weekday[] = [1, 2, 3, 4, 5, 6, 7];

/** A firing may run a little before the minute by the clock (scheduler jitter, demo clock). */
export const EARLY_TOLERANCE_MS = 5 * 60_000;

export function parseLocalTime(hhmm: string): { hour: number; minute: number } {
  const [h = '0', m = '0'] = hhmm.split(':');
  return { hour: Number(h), minute: Number(m) };
}

/** The cron pattern of a rhythm, read by the scheduler in each zone (cron weekdays: 0 = Sunday). */
export function cronOf(rhythm: Rhythm): string {
  const { hour, minute } = parseLocalTime(rhythm.time);
  const days = [...new Set(rhythm.weekdays)].sort();
  const weekdays = days.length === 7 ? '*' : days.map((d) => d % 7).sort((a, b) => a - b).join(',');
  return `${minute} ${hour} * * ${weekdays}`;
}

export const zoneScheduleId = (id: string, timeZone: string): string => `${id}:${timeZone}`;

export interface ZonePlan {
  /** Prefix of the schedule ids, e.g. `checkin:<team id>`. */
  id: string;
  rhythm: Rhythm;
  /** Whose zones need a schedule; none (or a disabled feature) removes them all. */
  members: readonly Pick<Member, 'timeZone'>[];
  /** The job each firing runs; its data gets the zone as `timeZone`. */
  job: string;
  data: Record<string, unknown>;
  /** Schedule ids the previous call returned. */
  previous: readonly string[];
}

/** One recurring schedule per zone of the members; stale ones removed. Returns the ids now scheduled, sorted. */
export async function reconcileZones(scheduler: Pick<Scheduler, 'upsertRecurring' | 'removeRecurring'>, plan: ZonePlan): Promise<string[]> {
  const wanted = new Map<string, string>();
  for (const m of plan.members) wanted.set(zoneScheduleId(plan.id, m.timeZone), m.timeZone);
  const pattern = cronOf(plan.rhythm);
  for (const [id, timeZone] of wanted) await scheduler.upsertRecurring(id, { pattern, timeZone }, plan.job, { ...plan.data, timeZone });
  for (const id of plan.previous) if (!wanted.has(id)) await scheduler.removeRecurring(id);
  return [...wanted.keys()].sort();
}

/** True when the local date is not a working day for the member, a holiday, or in their time off. */
export function isDayOff(member: Member, date: DateTime, daysOff: DaysOff): boolean {
  if (!member.workingDays.includes(date.weekday as Weekday)) return true;
  const iso = date.toISODate() ?? '';
  if (daysOff.holidays.includes(iso)) return true;
  return daysOff.timeOff.some((t) => t.personId === member.id && t.from <= iso && iso <= t.to);
}

/** The wall-clock time `hh:mm` on a local date. */
export const localTime = (date: DateTime, hhmm: string): DateTime => date.set({ ...parseLocalTime(hhmm), second: 0, millisecond: 0 });

/** The member's local date when a firing at `now` is due for them, else null. */
export function dueAt(member: Member, now: Date, rhythm: Rhythm, daysOff: DaysOff): DateTime | null {
  const today = DateTime.fromJSDate(now, { zone: member.timeZone }).startOf('day');
  if (!rhythm.weekdays.includes(today.weekday as Weekday)) return null;
  if (isDayOff(member, today, daysOff)) return null;
  if (now.getTime() < localTime(today, rhythm.time).toMillis() - EARLY_TOLERANCE_MS) return null;
  return today;
}

/** The ISO week of an instant in a zone, e.g. `2026-W47`. */
export function isoWeek(instant: Date, timeZone: string): string {
  const d = DateTime.fromJSDate(instant, { zone: timeZone });
  return `${d.weekYear}-W${String(d.weekNumber).padStart(2, '0')}`;
}

export function parseWeek(week: string): { weekYear: number; weekNumber: number } | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return null;
  const weekYear = Number(m[1]);
  const weekNumber = Number(m[2]);
  return DateTime.fromObject({ weekYear, weekNumber, weekday: 1 }).isValid && weekNumber >= 1 && weekNumber <= 53 ? { weekYear, weekNumber } : null;
}

/**
 * Pure week arithmetic, remembered: a fan-out asks the same few (week, weekday, zone) questions for thousands of
 * people, and each answer is several luxon objects. Luxon's DateTimes are immutable, so one can be shared.
 */
const WEEK_MEMO_MAX = 4_096;
const weekMemo = new Map<string, DateTime | string>();
function remembered<T extends DateTime | string>(key: string, compute: () => T): T {
  const known = weekMemo.get(key);
  if (known !== undefined) return known as T;
  const value = compute();
  if (weekMemo.size >= WEEK_MEMO_MAX) weekMemo.clear();
  weekMemo.set(key, value);
  return value;
}

/** Local midnight of a weekday of an ISO week, in `timeZone`. */
export function dayOfWeek(week: string, weekday: number, timeZone: string): DateTime {
  return remembered(`day|${week}|${weekday}|${timeZone}`, () => {
    const p = parseWeek(week);
    if (!p) throw new RangeError(`not an ISO week: ${week}`);
    return DateTime.fromObject({ weekYear: p.weekYear, weekNumber: p.weekNumber, weekday: weekday as WeekdayNumbers }, { zone: timeZone }).startOf('day');
  });
}

/** ISO weeks sort as strings; this steps back `weeks` weeks (forward when negative). */
export function weeksBefore(week: string, weeks: number): string {
  return remembered(`before|${week}|${weeks}`, () => isoWeek(dayOfWeek(week, 1, 'UTC').minus({ weeks }).toJSDate(), 'UTC'));
}
