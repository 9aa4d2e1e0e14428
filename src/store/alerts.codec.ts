import type { Types } from 'mongoose';
import type { Alert, KeptCopy, TimelineEntry } from '../core/alerts/alerts.types.js';
import type { EscalationSnapshot, StepCursor } from '../core/oncall/escalation.types.js';

/**
 * How an alert's bulky parts are stored: as JSON strings, one value each, instead of nested documents.
 *
 * FerretDB (SQLite backend) keeps a document as JSON with a type schema for every field, every nested object and
 * every array element, and decodes and re-encodes the whole document, schema and all, for each update: the frozen
 * escalation snapshot (written once, never filtered on) was about half of a new alert's stored row, and each
 * timeline line and kept copy a small object of its own. As strings they are one scalar each to FerretDB (and to
 * MongoDB), read back into the same values here. Documents written before (objects) are read as they are: every
 * reader takes either form, so old and new lines mix in one array.
 *
 * Nothing filters on these values: the once-per-key guard is `timelineKeys`, the message keys `messageKeys`
 * (arrays of plain strings, as before).
 */

/** True when a Date is anywhere in T. */
type HoldsDate<T> = T extends Date ? true : T extends readonly (infer E)[] ? HoldsDate<E> : T extends object ? true extends { [K in keyof T]-?: HoldsDate<T[K]> }[keyof T] ? true : false : false;
/** `frozenAt` is the snapshot's only Date (revived by name below): this fails to compile once it has another. */
const onlyFrozenAt: HoldsDate<Omit<EscalationSnapshot, 'frozenAt'>> = false;
void onlyFrozenAt;

/** The escalation snapshot as stored: one string (`frozenAt` as its ISO text). */
export const encodeSnapshot = (s: EscalationSnapshot): string => JSON.stringify(s);

/** A stored snapshot, in either form (a string, or the object alerts written before kept). */
export const decodeSnapshot = (stored: unknown): EscalationSnapshot | undefined => {
  if (stored === null || stored === undefined) return undefined;
  if (typeof stored !== 'string') return stored as EscalationSnapshot;
  const s = JSON.parse(stored) as Omit<EscalationSnapshot, 'frozenAt'> & { frozenAt: string };
  return { ...s, frozenAt: new Date(s.frozenAt) };
};

/** JSON gives back exactly a value of these (a Date, NaN, undefined or a nested object would not come back as it went). */
const plain = (v: unknown): boolean => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/**
 * A timeline line as stored: a JSON string when it round-trips exactly (its `at`, a Date, is revived by name, and
 * its `data` holds only plain values: every line escalation and the intakes write); otherwise the object itself,
 * as before (a snooze's `until`, a data error's `at` in `data`). `$pull` of the same line finds the same string.
 */
export function encodeLine(e: TimelineEntry): string | TimelineEntry {
  if (!(e.at instanceof Date) || Number.isNaN(e.at.getTime()) || typeof e.kind !== 'string' || typeof e.text !== 'string') return e;
  if (e.actor !== undefined && typeof e.actor !== 'string') return e;
  if (e.data !== undefined && (e.data === null || typeof e.data !== 'object' || Array.isArray(e.data) || !Object.values(e.data).every(plain))) return e;
  // Built by hand (a third cheaper than JSON.stringify of a new object), keys in a fixed order: at, kind, actor, text, data.
  const actor = e.actor === undefined ? '' : `,"actor":${JSON.stringify(e.actor)}`;
  const data = e.data === undefined ? '' : `,"data":${JSON.stringify(e.data)}`;
  return `{"at":"${e.at.toISOString()}","kind":${JSON.stringify(e.kind)}${actor},"text":${JSON.stringify(e.text)}${data}}`;
}

export function decodeLine(stored: unknown): TimelineEntry {
  if (typeof stored !== 'string') return stored as TimelineEntry;
  const e = JSON.parse(stored) as Omit<TimelineEntry, 'at'> & { at: string };
  return { ...e, at: new Date(e.at) };
}

/** Where a page went, as stored: a string (`[key, platform, channel, messageId]`), or the object kept before. */
export const encodeCopy = (c: KeptCopy): string => JSON.stringify([c.key, c.platform, c.channel, c.messageId]);

export function decodeCopy(stored: unknown): KeptCopy {
  if (typeof stored !== 'string') return stored as KeptCopy;
  const [key, platform, channel, messageId] = JSON.parse(stored) as [string, KeptCopy['platform'], string, string];
  return { key, platform, channel, messageId };
}

/** An alert's document as stored: its snapshot, timeline lines and kept copies in either form (above). */
export interface AlertDoc extends Omit<Alert, 'id' | 'escalation' | 'timeline' | 'copies'> {
  _id: Types.ObjectId;
  escalation?: unknown;
  timeline: unknown[];
  copies?: unknown[];
  worse?: 'higher' | 'lower';
  normalStreak: number;
  timelineKeys?: string[];
  stepRank?: number;
}

/**
 * A step's place as one number, larger for every later step of a wave and for every newer wave (a policy has at most
 * 20 steps and 11 rounds): written with `$max`, a line of an older step or wave never moves the cursor back, and it
 * needs no guard in the filter (that would keep the line out too).
 */
export const stepRank = (c: StepCursor): number => c.wave * 10_000 + c.repeat * 100 + c.step;
/** The cursor a rank holds for the alert's wave (none when it is of an older wave: no step of this one ran yet). */
const fromRank = (rank: number, wave: number): Alert['cursor'] => (Math.floor(rank / 10_000) === wave ? { repeat: Math.floor((rank % 10_000) / 100), step: rank % 100 } : undefined);

/** An alert as read, from its document in either form. */
export const toAlert = (d: AlertDoc): Alert => {
  const { _id, worse: _w, normalStreak: _n, timelineKeys: _k, stepRank: rank, escalation, timeline, copies, ...rest } = d;
  const wave = d.wave ?? 0;
  const alert: Alert = { ...rest, id: _id.toString(), timeline: (timeline ?? []).map(decodeLine), wave, messageKeys: d.messageKeys ?? [] };
  const snapshot = decodeSnapshot(escalation);
  if (snapshot) alert.escalation = snapshot;
  if (copies) alert.copies = copies.map(decodeCopy);
  if (rank !== undefined && rank !== null) alert.cursor = fromRank(rank, wave);
  for (const k of ['lastAt', 'kpiKey', 'rule', 'silencedUntil', 'acknowledgedBy', 'acknowledgedAt', 'resolvedAt', 'cursor', 'snoozedUntil', 'pageLease'] as const) {
    if (alert[k] === null || alert[k] === undefined) delete alert[k];
  }
  return alert;
};
