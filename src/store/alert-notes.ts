import type { mongo } from 'mongoose';
import { decodeCopy, type AlertDoc } from './alerts.codec.js';
import { isDuplicateKey } from './connection.js';
import { WriteBatch } from './write-batch.js';

/**
 * A first page's record on its alert (its timeline line, with the message key, the step's rank and where the page
 * went) as a small document of its own in `alert_notes`, instead of an update of the alert. Only for a page sent on
 * the hold of an alert this process just inserted (`inserted`): its line is known to follow the inserted lines, so
 * it is read back in there (a line's `at` is no order: a breach's is its sample's time). Every other line is written
 * on the alert as before.
 *
 * Why: on FerretDB (SQLite) an update reads, decodes, re-encodes and rewrites the whole alert (~3.5 KB) inside its
 * one writer per database, and the page's record was that update for every new alert; an insert of ~300 bytes is
 * group-committed with the others (bench/README.md, "Side by side with Prometheus Alertmanager", 2026-11-27).
 *
 * A note's `_id` is `<alert id>:<slot>`, the slot one of SLOTS picked by the step's key: every reader of an alert
 * reads its SLOTS notes by `_id` (`$in`, served from the `_id` index on both servers) and merges them back
 * (`merge`). The `_id` also keeps a key to once: an insert refused as a duplicate is a note already there, of this
 * key (recorded already) or of another key in the same slot, which the caller then records on the alert as before
 * (its `timelineKeys` guard). Alerts written before keep their lines on the alert and have no notes.
 */
const SLOTS = 8;
/** `$in` lists read at once: well under FerretDB's pushdown bound (tools/ferretdb/_patch/tandem_id_in.go). */
const IDS_PER_READ = 800;

export interface AlertNoteDoc {
  _id: string;
  key: string;
  /** The line's instant (as in `line`): what `since` filters on. */
  at: Date;
  /** The line as `encodeLine` stores it. */
  line: unknown;
  messageKey?: string;
  /** The kept copy as `encodeCopy` stores it. */
  copy?: string;
  /** The step's rank (see stepRank). */
  rank?: number;
  /** How many of the alert's own lines came before this one when it was written: where it is read back in. */
  after: number;
}

export type NoteFields = Omit<AlertNoteDoc, '_id' | 'key' | 'after'>;

/** New alerts whose line count is remembered (see AlertNotes.inserted): more than a burst pages before its lines are written. */
const INSERTED_KEPT = 20_000;

/** FNV-1a: the same key always lands in the same slot. */
export function slotOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  // The top bits: FNV mixes them best (SLOTS is a power of two).
  return (h >>> 0) >>> (32 - Math.log2(SLOTS));
}

const slotIds = (alertId: string) => Array.from({ length: SLOTS }, (_, i) => `${alertId}:${i}`);

/** The alert with the notes it does not hold itself (a key already in its `timelineKeys` was recorded there). */
export function withNotes(doc: AlertDoc, notes: readonly AlertNoteDoc[]): AlertDoc {
  if (notes.length === 0) return doc;
  // A line of the same key on the alert (written by a process that found no note: a race) is the one kept; the
  // note's copy, message key and rank still count.
  const had = new Set(doc.timelineKeys ?? []);
  const fresh = notes.filter((n) => !had.has(n.key));
  const ranks = notes.flatMap((n) => (typeof n.rank === 'number' ? [n.rank] : []));
  const copied = new Set((doc.copies ?? []).map((c) => decodeCopy(c).key));
  const copies = notes.flatMap((n) => (n.copy === undefined || copied.has(n.key) ? [] : [n.copy]));
  // Each line back where it was written (a line's `at` is no order: a breach's is its sample's time), notes written
  // at one place in their time order.
  const stored = doc.timeline ?? [];
  const timeline: unknown[] = [];
  const placed = [...fresh].sort((a, b) => a.after - b.after || a.at.getTime() - b.at.getTime());
  let next = 0;
  stored.forEach((line, i) => {
    for (; next < placed.length && placed[next]!.after <= i; next += 1) timeline.push(placed[next]!.line);
    timeline.push(line);
  });
  timeline.push(...placed.slice(next).map((n) => n.line));
  return {
    ...doc,
    timeline,
    timelineKeys: [...had, ...fresh.map((n) => n.key)],
    messageKeys: [...new Set([...(doc.messageKeys ?? []), ...notes.flatMap((n) => (n.messageKey ? [n.messageKey] : []))])],
    ...(copies.length ? { copies: [...(doc.copies ?? []), ...copies] } : {}),
    ...(ranks.length ? { stepRank: Math.max(doc.stepRank ?? -1, ...ranks) } : {}),
  };
}

export class AlertNotes {
  private readonly writes: WriteBatch;
  /**
   * Alerts this process inserted, by id: how many lines they were inserted with. A note is written only for these,
   * placed after those lines; any other line (an alert another process inserted, or one this process forgot) is
   * written on the alert as before.
   */
  private readonly lines = new Map<string, number>();

  constructor(private readonly notes: mongo.Collection<AlertNoteDoc>) {
    this.writes = new WriteBatch({ bulkWrite: (ops, options) => notes.bulkWrite(ops as unknown as mongo.AnyBulkWriteOperation<AlertNoteDoc>[], options) });
  }

  /** An alert this process inserted, with this many lines. */
  inserted(alertId: string, lines: number): void {
    this.lines.set(alertId, lines);
    // A Map iterates in insertion order: the first is the oldest.
    if (this.lines.size > INSERTED_KEPT) this.lines.delete(this.lines.keys().next().value!);
  }

  /**
   * Records the key's note once (group-committed): true when it is there now (written, or there before), false when
   * the caller must record this one on the alert (its slot holds another key's note, or the alert is not one
   * `inserted` here).
   */
  async add(alertId: string, key: string, fields: NoteFields): Promise<boolean> {
    const after = this.lines.get(alertId);
    if (after === undefined) return this.holds(alertId, key);
    const _id = `${alertId}:${slotOf(key)}`;
    try {
      await this.writes.insert({ _id, key, after, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return this.holds(alertId, key);
    }
  }

  /** Whether the key's note is there: a line written on the alert instead would record the key twice. */
  async holds(alertId: string, key: string): Promise<boolean> {
    return (await this.notes.findOne({ _id: `${alertId}:${slotOf(key)}` }, { projection: { key: 1 } }))?.key === key;
  }

  /** The documents with their notes merged, read in one `_id` `$in` per IDS_PER_READ / SLOTS alerts. */
  async merge(docs: AlertDoc[]): Promise<AlertDoc[]> {
    if (docs.length === 0) return docs;
    const byAlert = new Map<string, AlertNoteDoc[]>();
    const ids = docs.flatMap((d) => slotIds(d._id.toString()));
    for (let i = 0; i < ids.length; i += IDS_PER_READ) {
      for (const n of await this.notes.find({ _id: { $in: ids.slice(i, i + IDS_PER_READ) } }).toArray()) {
        const alertId = n._id.slice(0, n._id.lastIndexOf(':'));
        byAlert.set(alertId, [...(byAlert.get(alertId) ?? []), n]);
      }
    }
    return docs.map((d) => withNotes(d, byAlert.get(d._id.toString()) ?? []));
  }

  /** Deletes every note of these alerts (retention: the alerts are deleted next). */
  async remove(alertIds: readonly string[]): Promise<void> {
    const ids = alertIds.flatMap(slotIds);
    for (let i = 0; i < ids.length; i += IDS_PER_READ) await this.notes.deleteMany({ _id: { $in: ids.slice(i, i + IDS_PER_READ) } });
  }

  /** The notes written since `from`, by alert id, in one read (the figures read a period's alerts so). */
  async since(from: Date): Promise<Map<string, AlertNoteDoc[]>> {
    const byAlert = new Map<string, AlertNoteDoc[]>();
    for (const n of await this.notes.find({ at: { $gte: from } }, { projection: { key: 1, line: 1, after: 1, at: 1 } }).toArray()) {
      const alertId = n._id.slice(0, n._id.lastIndexOf(':'));
      byAlert.set(alertId, [...(byAlert.get(alertId) ?? []), n]);
    }
    return byAlert;
  }
}
