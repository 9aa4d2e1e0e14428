import { describe, expect, it } from 'vitest';
import { afterHoursPages, alertsPerTeam, percentile, teamWeekFigures, type AlertRecord } from '../../src/core/oncall/figures.js';

const MIN = 60_000;
const at = (iso: string) => new Date(iso);
const alert = (teamId: string, opened: string, ackMin: number | null, resolveMin: number | null, pages: AlertRecord['pages'] = []): AlertRecord => ({
  teamId,
  openedAt: at(opened),
  acknowledgedAt: ackMin === null ? null : new Date(at(opened).getTime() + ackMin * MIN),
  resolvedAt: resolveMin === null ? null : new Date(at(opened).getTime() + resolveMin * MIN),
  pages,
});

describe('on-call figures for leaders', () => {
  it('percentile is nearest-rank; none for no values', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5], 90)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 90)).toBe(9);
  });

  it('time to acknowledge and resolve per team and ISO week: median and p90; unacknowledged alerts count as alerts only', () => {
    const records = [
      ...[2, 4, 6, 8, 10, 12, 14, 16, 18, 60].map((m, i) => alert('platform', `2026-06-0${1 + (i % 5)}T10:00:00Z`, m, m * 3)),
      alert('platform', '2026-06-03T10:00:00Z', null, null),
      alert('platform', '2026-06-08T10:00:00Z', 30, 90),
      alert('growth', '2026-06-02T10:00:00Z', 5, null),
    ];
    const figures = teamWeekFigures(records);
    expect(figures.map((f) => [f.teamId, f.week, f.alerts, f.acknowledged, f.resolved])).toEqual([
      ['growth', '2026-W23', 1, 1, 0],
      ['platform', '2026-W23', 11, 10, 10],
      ['platform', '2026-W24', 1, 1, 1],
    ]);
    expect(figures[1]!.timeToAcknowledge).toEqual({ median: 10 * MIN, p90: 18 * MIN });
    expect(figures[1]!.timeToResolve).toEqual({ median: 30 * MIN, p90: 54 * MIN });
    expect(figures[0]!.timeToResolve).toEqual({ median: null, p90: null });
    expect(alertsPerTeam(records)).toEqual({ platform: 12, growth: 1 });
  });

  it('weeks are read in the given zone: Sunday 23:30 in New York is already Monday in UTC', () => {
    const late = [alert('growth', '2026-06-08T03:30:00Z', 1, 2)];
    expect(teamWeekFigures(late)[0]!.week).toBe('2026-W24');
    expect(teamWeekFigures(late, 'America/New_York')[0]!.week).toBe('2026-W23');
  });

  it('after-hours pages per person, in their own zone and working days, most loaded first', () => {
    const ana = 'a'.repeat(24), jonas = 'b'.repeat(24), priya = 'c'.repeat(24);
    const people = new Map([
      [ana, { timeZone: 'Europe/Berlin', workingDays: [1, 2, 3, 4, 5] as (1 | 2 | 3 | 4 | 5)[] }],
      [jonas, { timeZone: 'America/New_York', workingDays: [1, 2, 3, 4, 5] as (1 | 2 | 3 | 4 | 5)[] }],
      [priya, { timeZone: 'Asia/Kolkata', workingDays: [1, 2, 3, 4, 5] as (1 | 2 | 3 | 4 | 5)[] }],
    ]);
    const records = [
      alert('platform', '2026-06-03T20:00:00Z', 5, 10, [
        { personId: ana, at: at('2026-06-03T20:00:00Z') }, // 22:00 Berlin: after hours
        { personId: jonas, at: at('2026-06-03T20:05:00Z') }, // 16:05 New York: working
        { personId: priya, at: at('2026-06-03T20:10:00Z') }, // 01:40 Kolkata: after hours
      ]),
      alert('platform', '2026-06-06T12:00:00Z', 5, 10, [{ personId: ana, at: at('2026-06-06T12:00:00Z') }]), // Saturday
      alert('platform', '2026-06-04T08:00:00Z', 5, 10, [{ personId: ana, at: at('2026-06-04T08:00:00Z') }]), // Thursday 10:00 Berlin
    ];
    expect(afterHoursPages(records, people)).toEqual([
      { personId: ana, pages: 3, afterHours: 2 },
      { personId: priya, pages: 1, afterHours: 1 },
      { personId: jonas, pages: 1, afterHours: 0 },
    ]);
  });
});
