import { DateTime, Duration } from 'luxon';
import type { Layer, Override, Schedule, Shift } from './oncall.types.js';

/**
 * The rotation maths, as pure functions over luxon.
 *
 * - Shift k of a layer starts at `start` + k × `shift`, added in the layer's
 *   zone: calendar units (days, weeks, months) keep the local hand-off time,
 *   so a daily shift across the spring change lasts 23 h and across the fall
 *   change 25 h; time units (PT12H) are exact hours. Shift k ends where shift
 *   k + 1 starts, so a layer has no gap and no overlap. Shift k goes to
 *   people[k mod n]; nothing is covered before the first hand-off.
 * - A restriction keeps only the parts of shifts inside its windows (each
 *   listed weekday, from → to local, past midnight when to ≤ from).
 * - Resolution: an override wins (the latest made, where two overlap), then
 *   the highest layer covering that instant; nobody is a gap.
 */

interface Segment {
  start: number;
  end: number;
  personId: string;
}

const hhmm = (s: string) => ({ hour: Number(s.slice(0, 2)), minute: Number(s.slice(3, 5)) });

/** The instant of shift k's hand-off. */
function shiftStart(anchor: DateTime, length: Duration, k: number): DateTime {
  return anchor.plus(length.mapUnits((x) => x * k));
}

function anchorOf(layer: Layer): DateTime {
  return DateTime.fromISO(layer.start, { zone: layer.timeZone }).set(hhmm(layer.handoff));
}

/** The shifts of one layer's rotation that overlap [from, to), before any restriction. */
function rotationShifts(layer: Layer, from: number, to: number): Segment[] {
  const anchor = anchorOf(layer);
  const length = Duration.fromISO(layer.shift);
  const approx = length.as('milliseconds');
  let k = Math.max(0, Math.floor((from - anchor.toMillis()) / approx));
  while (k > 0 && shiftStart(anchor, length, k).toMillis() > from) k -= 1;
  while (shiftStart(anchor, length, k + 1).toMillis() <= from) k += 1;
  const out: Segment[] = [];
  let start = shiftStart(anchor, length, k).toMillis();
  while (start < to) {
    const end = shiftStart(anchor, length, k + 1).toMillis();
    const personId = layer.people[k % layer.people.length];
    if (personId && end > from) out.push({ start: Math.max(start, from), end: Math.min(end, to), personId });
    k += 1;
    start = end;
  }
  return out;
}

/** The windows of a restriction that overlap [from, to), in order. */
function restrictionWindows(layer: Layer, from: number, to: number): { start: number; end: number }[] {
  const r = layer.restriction;
  if (!r) return [{ start: from, end: to }];
  const open = hhmm(r.from);
  const close = hhmm(r.to);
  const overnight = close.hour * 60 + close.minute <= open.hour * 60 + open.minute;
  const out: { start: number; end: number }[] = [];
  let day = DateTime.fromMillis(from, { zone: layer.timeZone }).startOf('day').minus({ days: 1 });
  const last = DateTime.fromMillis(to, { zone: layer.timeZone }).startOf('day');
  while (day <= last) {
    if ((r.weekdays as number[]).includes(day.weekday)) {
      const start = day.set(open).toMillis();
      const end = (overnight ? day.plus({ days: 1 }) : day).set(close).toMillis();
      const s = Math.max(start, from);
      const e = Math.min(end, to);
      if (s < e) {
        const prev = out[out.length - 1];
        if (prev && prev.end >= s) prev.end = Math.max(prev.end, e);
        else out.push({ start: s, end: e });
      }
    }
    day = day.plus({ days: 1 });
  }
  return out;
}

/** Who a layer puts on call over [from, to): its rotation cut to its restriction. */
export function layerSegments(layer: Layer, from: Date, to: Date): Segment[] {
  const f = from.getTime();
  const t = to.getTime();
  const shifts = rotationShifts(layer, f, t);
  const windows = restrictionWindows(layer, f, t);
  const out: Segment[] = [];
  let w = 0;
  for (const s of shifts) {
    while (w < windows.length && windows[w]!.end <= s.start) w += 1;
    for (let i = w; i < windows.length && windows[i]!.start < s.end; i++) {
      const start = Math.max(s.start, windows[i]!.start);
      const end = Math.min(s.end, windows[i]!.end);
      if (start < end) out.push({ start, end, personId: s.personId });
    }
  }
  return out;
}

type Resolvable = Pick<Schedule, 'layers'> & { overrides?: readonly Override[] };

/**
 * Who is on call over [from, to), as consecutive shifts that cover the whole
 * range exactly once; a stretch nobody covers is a shift with personId null.
 */
export function resolveShifts(schedule: Resolvable, from: Date, to: Date): Shift[] {
  const f = from.getTime();
  const t = to.getTime();
  if (t <= f) return [];
  const layers = schedule.layers.map((l) => ({ name: l.name, segments: layerSegments(l, from, to) }));
  const overrides = [...(schedule.overrides ?? [])]
    .filter((o) => o.end.getTime() > f && o.start.getTime() < t)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const cuts = new Set<number>([f, t]);
  for (const l of layers) for (const s of l.segments) cuts.add(s.start).add(s.end);
  for (const o of overrides) for (const x of [o.start.getTime(), o.end.getTime()]) if (x > f && x < t) cuts.add(x);
  const points = [...cuts].sort((a, b) => a - b);
  const cursors = layers.map(() => 0);

  const out: Shift[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    let piece: Omit<Shift, 'start' | 'end'> = { personId: null, source: 'gap', from: null };
    const override = overrides.find((o) => o.start.getTime() <= a && o.end.getTime() > a);
    if (override) piece = { personId: override.personId, source: 'override', from: override.id };
    for (let li = layers.length - 1; li >= 0 && !override; li--) {
      const { segments, name } = layers[li]!;
      while (cursors[li]! < segments.length && segments[cursors[li]!]!.end <= a) cursors[li]! += 1;
      const seg = segments[cursors[li]!];
      if (seg && seg.start <= a) {
        piece = { personId: seg.personId, source: 'layer', from: name };
        break;
      }
    }
    const prev = out[out.length - 1];
    if (prev && prev.personId === piece.personId && prev.source === piece.source && prev.from === piece.from) prev.end = new Date(b);
    else out.push({ start: new Date(a), end: new Date(b), ...piece });
  }
  return out;
}

/** Who is on call at `at` (null in a gap), and the shift after theirs within `horizonDays`. */
export function nowAndNext(schedule: Resolvable, at: Date, horizonDays = 35): { now: Shift | null; next: Shift | null } {
  const shifts = resolveShifts(schedule, at, new Date(at.getTime() + horizonDays * 86_400_000));
  return { now: shifts[0] ?? null, next: shifts[1] ?? null };
}

/** The stretches over [from, to) that nobody covers. */
export function coverageGaps(schedule: Resolvable, from: Date, to: Date): Shift[] {
  return resolveShifts(schedule, from, to).filter((s) => s.personId === null);
}

/** How far ahead `onCallAt` resolves the shift it keeps: its answer holds until that shift's end, at most this. */
const ON_CALL_KEPT_MS = 3_600_000;

/**
 * The shift `onCallAt` resolved last, by the schedule's layers and overrides (compared by identity: a schedule read
 * again, or whose overrides changed, is a new object and resolves again): every page of a burst asks the same.
 */
const onCallKept = new WeakMap<readonly Layer[], { overrides: Resolvable['overrides']; from: number; until: number; personId: string | null }>();

/** Who is on call at one instant. */
export function onCallAt(schedule: Resolvable, at: Date): string | null {
  const t = at.getTime();
  const kept = onCallKept.get(schedule.layers);
  if (kept && kept.overrides === schedule.overrides && kept.from <= t && t < kept.until) return kept.personId;
  // The first shift from `at` is who is on call there, until its end (the next hand-off, override or gap).
  const first = resolveShifts(schedule, at, new Date(t + ON_CALL_KEPT_MS))[0];
  const personId = first?.personId ?? null;
  onCallKept.set(schedule.layers, { overrides: schedule.overrides, from: t, until: first ? first.end.getTime() : t + 1, personId });
  return personId;
}
