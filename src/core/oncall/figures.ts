import { DateTime } from 'luxon';
import type { Person } from '../people/people.types.js';
import { isWorkingTime } from './targets.js';

/**
 * Figures for leaders over alert records, as pure functions: time to
 * acknowledge and to resolve per team and ISO week (median, p90), alerts per
 * team, and pages per person outside their working hours (load imbalance).
 */
export interface AlertRecord {
  teamId: string;
  openedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  /** Every notification sent to a person for this alert. */
  pages: { personId: string; at: Date }[];
}

export interface TeamWeekFigures {
  teamId: string;
  /** ISO week of the alerts' opening, e.g. `2026-W23`. */
  week: string;
  alerts: number;
  acknowledged: number;
  resolved: number;
  /** Milliseconds; null when no alert of the week was acknowledged (resolved). */
  timeToAcknowledge: { median: number | null; p90: number | null };
  timeToResolve: { median: number | null; p90: number | null };
}

/** The nearest-rank percentile (p in 0–100) of the values; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

const isoWeek = (at: Date, timeZone: string): string => {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  return `${local.weekYear}-W${String(local.weekNumber).padStart(2, '0')}`;
};

const spread = (values: number[]) => ({ median: percentile(values, 50), p90: percentile(values, 90) });

/** Per team and ISO week (read in `timeZone`), ordered by team then week. */
export function teamWeekFigures(records: readonly AlertRecord[], timeZone = 'UTC'): TeamWeekFigures[] {
  const groups = new Map<string, { teamId: string; week: string; tta: number[]; ttr: number[]; alerts: number }>();
  for (const r of records) {
    const week = isoWeek(r.openedAt, timeZone);
    const key = `${r.teamId}|${week}`;
    const g = groups.get(key) ?? { teamId: r.teamId, week, tta: [], ttr: [], alerts: 0 };
    g.alerts += 1;
    if (r.acknowledgedAt) g.tta.push(r.acknowledgedAt.getTime() - r.openedAt.getTime());
    if (r.resolvedAt) g.ttr.push(r.resolvedAt.getTime() - r.openedAt.getTime());
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort((a, b) => a.teamId.localeCompare(b.teamId) || a.week.localeCompare(b.week))
    .map((g) => ({ teamId: g.teamId, week: g.week, alerts: g.alerts, acknowledged: g.tta.length, resolved: g.ttr.length, timeToAcknowledge: spread(g.tta), timeToResolve: spread(g.ttr) }));
}

export function alertsPerTeam(records: readonly AlertRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[r.teamId] = (out[r.teamId] ?? 0) + 1;
  return out;
}

/**
 * Pages per person, and how many reached them outside their working hours
 * (their zone and working days), most after-hours first. People unknown to
 * the directory count every page as after hours.
 */
export function afterHoursPages(records: readonly AlertRecord[], people: ReadonlyMap<string, Pick<Person, 'timeZone' | 'workingDays'>>): { personId: string; pages: number; afterHours: number }[] {
  const counts = new Map<string, { pages: number; afterHours: number }>();
  for (const r of records) {
    for (const page of r.pages) {
      const c = counts.get(page.personId) ?? { pages: 0, afterHours: 0 };
      c.pages += 1;
      const person = people.get(page.personId);
      if (!person || !isWorkingTime(person, page.at)) c.afterHours += 1;
      counts.set(page.personId, c);
    }
  }
  return [...counts].map(([personId, c]) => ({ personId, ...c })).sort((a, b) => b.afterHours - a.afterHours || b.pages - a.pages || a.personId.localeCompare(b.personId));
}
