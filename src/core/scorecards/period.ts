import { DateTime } from 'luxon';
import { DomainError } from '../errors.js';
import { isoWeek } from '../rhythm/schedule.js';
import { PERIOD_KINDS, type Period, type PeriodKind } from './scorecards.types.js';

export const isPeriodKind = (word: string): word is PeriodKind => (PERIOD_KINDS as readonly string[]).includes(word);

/** The last complete week, month or quarter before `now`, in `timeZone`. */
export function lastComplete(kind: PeriodKind, now: Date, timeZone: string): Period {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  const unit = kind === 'week' ? 'week' : kind === 'month' ? 'month' : 'quarter';
  const start = local.startOf(unit).minus({ [`${unit}s`]: 1 });
  return periodAt(kind, start);
}

/** The period of the same kind just before `p`. */
export function previous(p: Period, timeZone: string): Period {
  const start = DateTime.fromJSDate(p.from, { zone: timeZone });
  const unit = p.kind === 'week' ? 'weeks' : p.kind === 'month' ? 'months' : 'quarters';
  return periodAt(p.kind, start.minus({ [unit]: 1 }));
}

function periodAt(kind: PeriodKind, start: DateTime): Period {
  const end = start.plus(kind === 'week' ? { weeks: 1 } : kind === 'month' ? { months: 1 } : { quarters: 1 });
  const label = kind === 'week' ? isoWeek(start.toJSDate(), start.zoneName ?? 'UTC') : kind === 'month' ? start.toFormat('yyyy-LL') : `${start.year}-Q${start.quarter}`;
  return { kind, label, from: start.toJSDate(), to: end.toJSDate(), weeks: weeksIn(start, end) };
}

/** ISO weeks whose Monday falls in `[start, end)`. */
function weeksIn(start: DateTime, end: DateTime): string[] {
  let monday = start.startOf('week');
  if (monday < start) monday = monday.plus({ weeks: 1 });
  const weeks: string[] = [];
  for (let d = monday; d < end; d = d.plus({ weeks: 1 })) weeks.push(`${d.weekYear}-W${String(d.weekNumber).padStart(2, '0')}`);
  return weeks;
}

/** The `n` ISO weeks ending with the period's last week, oldest first (trend lines). */
export function trailingWeeks(p: Period, n: number, timeZone: string): string[] {
  const lastMonday = DateTime.fromJSDate(p.to, { zone: timeZone }).minus({ days: 1 }).startOf('week');
  return Array.from({ length: n }, (_, i) => lastMonday.minus({ weeks: n - 1 - i })).map((d) => `${d.weekYear}-W${String(d.weekNumber).padStart(2, '0')}`);
}

export function parsePeriodKind(word: string | undefined): PeriodKind {
  if (word === undefined || word === '') return 'week';
  const w = word.toLowerCase();
  if (!isPeriodKind(w)) throw new DomainError('validation', `Unknown period "${word}": use week, month or quarter.`, { period: word });
  return w;
}
