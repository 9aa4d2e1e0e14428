import { describe, expect, it } from 'vitest';
import type { Layer, Override } from '../../src/core/oncall/oncall.types.js';
import { layerInputSchema } from '../../src/core/oncall/oncall.types.js';
import { coverageGaps, layerSegments, nowAndNext, onCallAt, resolveShifts } from '../../src/core/oncall/rotation.js';

const A = 'a'.repeat(24);
const B = 'b'.repeat(24);
const C = 'c'.repeat(24);
const D = 'd'.repeat(24);
const H = 3_600_000;

function layer(input: Partial<Layer> & { timeZone: string }): Layer {
  const parsed = layerInputSchema.parse({ name: 'primary', people: [A, B, C], shift: 'daily', handoff: '09:00', start: '2026-01-05', ...input });
  return { ...parsed, timeZone: input.timeZone };
}
const at = (iso: string) => new Date(iso);
const hours = (s: { start: Date; end: Date }) => (s.end.getTime() - s.start.getTime()) / H;
const override = (personId: string, start: string, end: string, createdAt = '2026-01-01T00:00:00Z', id = `o-${personId.slice(0, 1)}`): Override => ({
  id, personId, start: at(start), end: at(end), createdBy: 'test', createdAt: at(createdAt),
});

/** Shifts cover [from, to) exactly once: consecutive, no gap, no overlap. */
function expectTiling(shifts: { start: Date; end: Date }[], from: Date, to: Date) {
  expect(shifts[0]!.start).toEqual(from);
  expect(shifts[shifts.length - 1]!.end).toEqual(to);
  for (let i = 1; i < shifts.length; i++) expect(shifts[i]!.start).toEqual(shifts[i - 1]!.end);
}

describe('daily shifts across DST in Europe/Berlin', () => {
  const l = layer({ timeZone: 'Europe/Berlin' });
  it('the shift across the spring change is 23 h of wall clock, hand-off stays 09:00 local', () => {
    const shifts = layerSegments(l, at('2026-03-27T00:00:00Z'), at('2026-03-31T00:00:00Z'));
    const across = shifts.find((s) => s.start === at('2026-03-28T08:00:00Z').getTime());
    expect(across).toBeDefined();
    expect(across!.end).toBe(at('2026-03-29T07:00:00Z').getTime()); // 09:00 CEST
    expect((across!.end - across!.start) / H).toBe(23);
    for (let i = 1; i < shifts.length; i++) expect(shifts[i]!.start).toBe(shifts[i - 1]!.end);
  });
  it('the shift across the fall change is 25 h', () => {
    const shifts = resolveShifts({ layers: [l] }, at('2026-10-23T12:00:00Z'), at('2026-10-27T12:00:00Z'));
    const across = shifts.find((s) => s.start.getTime() === at('2026-10-24T07:00:00Z').getTime());
    expect(across && hours(across)).toBe(25);
    expect(across!.end).toEqual(at('2026-10-25T08:00:00Z')); // 09:00 CET
    expectTiling(shifts, at('2026-10-23T12:00:00Z'), at('2026-10-27T12:00:00Z'));
  });
  it('a hand-off at 02:30, which does not exist on the spring change day, moves to 03:30 that day only', () => {
    const night = layer({ timeZone: 'Europe/Berlin', handoff: '02:30' });
    const shifts = resolveShifts({ layers: [night] }, at('2026-03-27T12:00:00Z'), at('2026-03-31T12:00:00Z'));
    expect(shifts.map((s) => s.start.toISOString())).toEqual([
      '2026-03-27T12:00:00.000Z',
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 03:30 CEST: 02:30 is skipped
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
    expectTiling(shifts, at('2026-03-27T12:00:00Z'), at('2026-03-31T12:00:00Z'));
  });
  it('a hand-off at 02:30, which happens twice on the fall change day, hands off once', () => {
    const night = layer({ timeZone: 'Europe/Berlin', handoff: '02:30' });
    const shifts = resolveShifts({ layers: [night] }, at('2026-10-24T12:00:00Z'), at('2026-10-26T12:00:00Z'));
    expect(shifts).toHaveLength(3);
    // luxon reads the repeated 02:30 as the second one (CET): the 25 h shift is the one that starts the day before.
    expect(shifts.map(hours)).toEqual([13.5, 24, 10.5]);
    expect(shifts[1]!.start).toEqual(at('2026-10-25T01:30:00Z'));
    expectTiling(shifts, at('2026-10-24T12:00:00Z'), at('2026-10-26T12:00:00Z'));
  });
  it('rotates through the people in order, one a day', () => {
    const shifts = resolveShifts({ layers: [l] }, at('2026-01-05T08:00:00Z'), at('2026-01-09T08:00:00Z'));
    expect(shifts.map((s) => s.personId)).toEqual([A, B, C, A]);
    expect(shifts.every((s) => hours(s) === 24)).toBe(true);
  });
});

describe('America/New_York: weekly shifts and exact-hour durations', () => {
  it('a weekly shift across the spring change is 167 h; across the fall change 169 h', () => {
    const weekly = layer({ timeZone: 'America/New_York', shift: 'weekly', start: '2026-01-05', people: [A, B] });
    const spring = resolveShifts({ layers: [weekly] }, at('2026-03-02T14:00:00Z'), at('2026-03-16T13:00:00Z'));
    expect(spring.map(hours)).toEqual([167, 168]);
    expect(spring[0]!.end).toEqual(at('2026-03-09T13:00:00Z')); // Monday 09:00 EDT
    const fall = resolveShifts({ layers: [weekly] }, at('2026-10-26T13:00:00Z'), at('2026-11-09T14:00:00Z'));
    expect(fall.map(hours)).toEqual([169, 168]);
  });
  it('a daily shift across the New York spring change (8 March 2026) is 23 h and across the fall change (1 November) 25 h', () => {
    const daily = layer({ timeZone: 'America/New_York', handoff: '08:00' });
    const spring = resolveShifts({ layers: [daily] }, at('2026-03-07T13:00:00Z'), at('2026-03-09T12:00:00Z'));
    expect(spring.map(hours)).toEqual([23, 24]);
    const fall = resolveShifts({ layers: [daily] }, at('2026-10-31T12:00:00Z'), at('2026-11-02T13:00:00Z'));
    expect(fall.map(hours)).toEqual([25, 24]);
  });
  it('PT12H shifts are exact hours, so the local hand-off moves by an hour across the change', () => {
    const half = layer({ timeZone: 'America/New_York', shift: 'PT12H', handoff: '08:00', start: '2026-03-01', people: [A, B] });
    const shifts = resolveShifts({ layers: [half] }, at('2026-03-07T13:00:00Z'), at('2026-03-09T13:00:00Z'));
    expect(shifts.every((s) => hours(s) === 12)).toBe(true);
    expect(shifts[shifts.length - 1]!.start).toEqual(at('2026-03-09T01:00:00Z')); // 21:00 EDT, not 20:00
  });
  it('P2W with three people, any ISO duration', () => {
    const fortnight = layer({ timeZone: 'America/New_York', shift: 'P2W', people: [A, B, C] });
    const shifts = resolveShifts({ layers: [fortnight] }, at('2026-01-05T14:00:00Z'), at('2026-03-02T14:00:00Z'));
    expect(shifts.map((s) => s.personId)).toEqual([A, B, C, A]);
    expect(onCallAt({ layers: [fortnight] }, at('2026-02-10T12:00:00Z'))).toBe(C);
  });
  it('rejects shift lengths that are not durations or are too short', () => {
    expect(layerInputSchema.safeParse({ name: 'x', people: [A], shift: 'fortnightly', start: '2026-01-01' }).success).toBe(false);
    expect(layerInputSchema.safeParse({ name: 'x', people: [A], shift: 'PT1M', start: '2026-01-01' }).success).toBe(false);
    expect(layerInputSchema.parse({ name: 'x', people: [A], shift: 'p3d', start: '2026-01-01' }).shift).toBe('P3D');
  });
});

describe('layers restricted to hours and weekdays', () => {
  const base = layer({ name: 'base', timeZone: 'UTC', shift: 'weekly', people: [D] });
  const sun = (name: string, tz: string, person: string) =>
    layer({ name, timeZone: tz, people: [person], restriction: { weekdays: [1, 2, 3, 4, 5], from: '09:00', to: '17:00' } });
  const followTheSun = { layers: [base, sun('bangalore', 'Asia/Kolkata', A), sun('berlin', 'Europe/Berlin', B), sun('new-york', 'America/New_York', C)] };

  it('follow-the-sun: each office covers its own working day, the base layer the rest', () => {
    expect(onCallAt(followTheSun, at('2026-06-10T05:00:00Z'))).toBe(A); // 10:30 in Bangalore
    expect(onCallAt(followTheSun, at('2026-06-10T10:00:00Z'))).toBe(B); // 12:00 in Berlin (Bangalore until 11:30Z, Berlin is higher)
    expect(onCallAt(followTheSun, at('2026-06-10T18:00:00Z'))).toBe(C); // 14:00 in New York
    expect(onCallAt(followTheSun, at('2026-06-10T23:00:00Z'))).toBe(D); // nobody's day
    expect(onCallAt(followTheSun, at('2026-06-13T12:00:00Z'))).toBe(D); // Saturday
  });
  it('a higher layer wins where it covers, and each hand-over is exact across the zones', () => {
    const shifts = resolveShifts(followTheSun, at('2026-06-10T00:00:00Z'), at('2026-06-11T00:00:00Z'));
    const name = (id: string | null) => ({ [A]: 'A', [B]: 'B', [C]: 'C', [D]: 'D' })[id ?? ''] ?? '-';
    expect(shifts.map((s) => [s.start.toISOString().slice(11, 16), name(s.personId)])).toEqual([
      ['00:00', 'D'],
      ['03:30', 'A'], // 09:00 in Bangalore
      ['07:00', 'B'], // 09:00 in Berlin: a higher layer than Bangalore's
      ['13:00', 'C'], // 09:00 in New York: higher than Berlin's, which would last until 15:00Z
      ['21:00', 'D'], // 17:00 in New York
    ]);
    expectTiling(shifts, at('2026-06-10T00:00:00Z'), at('2026-06-11T00:00:00Z'));
  });
  it('an overnight restriction (22:00–06:00) covers the night that starts on each listed weekday', () => {
    const nights = { layers: [layer({ name: 'nights', timeZone: 'Europe/Berlin', people: [A], restriction: { weekdays: [5], from: '22:00', to: '06:00' } })] };
    const shifts = resolveShifts(nights, at('2026-06-12T00:00:00Z'), at('2026-06-14T00:00:00Z'));
    expect(shifts.filter((s) => s.personId === A).map((s) => [s.start.toISOString(), s.end.toISOString()])).toEqual([['2026-06-12T20:00:00.000Z', '2026-06-13T04:00:00.000Z']]);
  });
  it('a restricted window on the spring change night is an hour shorter, and the base layer fills the rest', () => {
    const nights = layer({ name: 'nights', timeZone: 'Europe/Berlin', people: [A], restriction: { weekdays: [6], from: '22:00', to: '06:00' } });
    const shifts = resolveShifts({ layers: [base, nights] }, at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z'));
    const night = shifts.find((s) => s.personId === A)!;
    expect(hours(night)).toBe(7);
    expectTiling(shifts, at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z'));
  });
});

describe('overrides and gaps', () => {
  const l = layer({ timeZone: 'Europe/Berlin' });
  it('an override cuts the shift it falls in, and the rotation resumes after it', () => {
    const shifts = resolveShifts({ layers: [l], overrides: [override(D, '2026-01-05T12:00:00Z', '2026-01-05T15:00:00Z')] }, at('2026-01-05T08:00:00Z'), at('2026-01-06T08:00:00Z'));
    expect(shifts.map((s) => [s.personId, s.source, hours(s)])).toEqual([
      [A, 'layer', 4],
      [D, 'override', 3],
      [A, 'layer', 17],
    ]);
  });
  it('an override across a hand-off replaces both sides of it; the latest of two overlapping overrides wins', () => {
    const overrides = [override(D, '2026-01-05T20:00:00Z', '2026-01-06T10:00:00Z', '2026-01-01T00:00:00Z', 'first'), override(C, '2026-01-06T06:00:00Z', '2026-01-06T09:00:00Z', '2026-01-02T00:00:00Z', 'second')];
    const shifts = resolveShifts({ layers: [l], overrides }, at('2026-01-05T08:00:00Z'), at('2026-01-06T12:00:00Z'));
    expect(shifts.map((s) => [s.personId, s.from, s.start.toISOString().slice(11, 16)])).toEqual([
      [A, 'primary', '08:00'],
      [D, 'first', '20:00'],
      [C, 'second', '06:00'],
      [D, 'first', '09:00'],
      [B, 'primary', '10:00'],
    ]);
  });
  it('an override fills a gap', () => {
    const office = layer({ timeZone: 'Europe/Berlin', restriction: { weekdays: [1, 2, 3, 4, 5], from: '09:00', to: '17:00' } });
    const withCover = { layers: [office], overrides: [override(D, '2026-01-05T16:00:00Z', '2026-01-05T18:00:00Z')] };
    expect(onCallAt(withCover, at('2026-01-05T17:00:00Z'))).toBe(D);
    const gaps = coverageGaps(withCover, at('2026-01-05T08:00:00Z'), at('2026-01-06T08:00:00Z'));
    expect(gaps.map((g) => [g.start.toISOString(), g.end.toISOString()])).toEqual([['2026-01-05T18:00:00.000Z', '2026-01-06T08:00:00.000Z']]);
  });
  it('nothing is covered before the rotation starts; a weekday-only layer leaves the weekend as a gap', () => {
    const weekdays = layer({ timeZone: 'UTC', start: '2026-01-05', handoff: '00:00', restriction: { weekdays: [1, 2, 3, 4, 5], from: '00:00', to: '00:00' } });
    const gaps = coverageGaps({ layers: [weekdays] }, at('2026-01-03T00:00:00Z'), at('2026-01-12T00:00:00Z'));
    expect(gaps.map((g) => [g.start.toISOString().slice(0, 10), hours(g)])).toEqual([
      ['2026-01-03', 48],
      ['2026-01-10', 48],
    ]);
  });
  it('now and next: the current shift and the one after it', () => {
    const { now, next } = nowAndNext({ layers: [l] }, at('2026-01-05T10:00:00Z'));
    expect(now).toMatchObject({ personId: A, start: at('2026-01-05T10:00:00Z'), end: at('2026-01-06T08:00:00Z') });
    expect(next).toMatchObject({ personId: B, start: at('2026-01-06T08:00:00Z') });
  });
});
