import { Types, type Connection, type Model, type mongo } from 'mongoose';
import type { Alert, AlertBreach, AlertFacts, AlertFilter, AlertRepository, AlertSeverity, AlertStatus, KeptCopy, NewAlert, OpeningRecord, Silence, TimelineEntry } from '../core/alerts/alerts.types.js';
import type { MessageAddress } from '../core/chat/chat.port.js';
import type { RetentionKind } from '../core/governance/governance.types.js';
import type { EscalationSnapshot, StepCursor } from '../core/oncall/escalation.types.js';
import type { Page, PageQuery } from '../core/ports.js';
import type { StoreCache } from './cache.js';
import { AlertNotes, withNotes, type AlertNoteDoc } from './alert-notes.js';
import { alertSchema, openAlertSchema, openingsSchema, silenceSchema, type OpenAlertDoc, type OpeningsDoc, type SilenceDoc } from './alerts.schemas.js';
import { decodeLine, encodeCopy, encodeLine, encodeSnapshot, stepRank, toAlert, type AlertDoc } from './alerts.codec.js';
import { isDuplicateKey } from './connection.js';
import { batchPurge, idsIn, type PurgedDoc } from './governance.repository.js';
import { paginate } from './pagination.js';
import { WriteBatch } from './write-batch.js';

/** Openings remembered per key: enough for any flapping window. */
const OPENINGS_KEPT = 100;
const SEVERITY_RANK: Record<AlertSeverity, number> = { critical: 5, exception: 4, warning: 3, shift: 2, stale: 1, info: 0 };

const toSilence = (d: SilenceDoc): Silence => ({ id: d._id.toString(), kpiKey: d.kpiKey ?? null, teamId: d.teamId ?? null, until: d.until, reason: d.reason, createdBy: d.createdBy, createdAt: d.createdAt });
const validId = (id: string) => /^[a-f0-9]{24}$/.test(id);

const LIVE: AlertStatus[] = ['open', 'acknowledged'];
/** The cache key of the active silences (one entry: every alert reads them all). */
const ACTIVE = 'active';
/**
 * A write the scorecard's alert figures read: when the alert was opened (its figures belong to that day's
 * periods) and, when the open alerts of a KPI changed (one opened or resolved), that KPI.
 */
export interface AlertChange {
  openedAt: Date;
  kpiKey?: string | null | undefined;
}

/** Wave 0 also matches alerts written before waves existed. */
const inWave = (wave: number) => (wave === 0 ? { $in: [0, null] } : wave);

export class MongoAlertRepository implements AlertRepository {
  private readonly Alert: Model<AlertDoc>;
  private readonly Open: Model<OpenAlertDoc>;
  private readonly Openings: Model<OpeningsDoc>;
  private readonly Silence: Model<SilenceDoc>;
  /** Group commit (see WriteBatch): a burst of new alerts inserts its dedup keys and records in a few bulk writes. */
  private readonly openWrites: WriteBatch;
  private readonly alertWrites: WriteBatch;
  /** Steps' records kept beside the alert (see AlertNotes): every alert read here is merged with them. */
  private readonly notes: AlertNotes;

  /**
   * @param changed told after every write the scorecard's alert figures read: an alert opened, its
   *   status changed, or a notification (a page) recorded on it (see SourceRollups), with when the alert was
   *   opened and, when its status changed, its KPI.
   * @param cache keeps the active silences (every new alert reads them); a silence created or removed here drops them.
   */
  constructor(
    conn: Connection,
    private readonly changed: (change: AlertChange) => Promise<void> = () => Promise.resolve(),
    private readonly cache?: StoreCache,
  ) {
    this.Alert = conn.model<AlertDoc>('Alert', alertSchema);
    this.Open = conn.model<OpenAlertDoc>('OpenAlert', openAlertSchema);
    this.Openings = conn.model<OpeningsDoc>('AlertOpenings', openingsSchema);
    this.Silence = conn.model<SilenceDoc>('AlertSilence', silenceSchema);
    // Written as the driver takes them (documents whole, `_id` keyed): no mongoose document built or cast per write.
    const open = conn.collection<OpenAlertDoc>('open_alerts');
    const alerts = conn.collection<AlertDoc>('alerts');
    this.openWrites = new WriteBatch({ bulkWrite: (ops, options) => open.bulkWrite(ops as unknown as mongo.AnyBulkWriteOperation<OpenAlertDoc>[], options) });
    this.alertWrites = new WriteBatch({ bulkWrite: (ops, options) => alerts.bulkWrite(ops as unknown as mongo.AnyBulkWriteOperation<AlertDoc>[], options) });
    this.notes = new AlertNotes(conn.collection<AlertNoteDoc>('alert_notes'));
    this.retentionKinds = [
      {
        kind: 'alerts',
        description: 'Resolved alerts, with their timelines and where their messages went',
        defaultDays: 730,
        // Any id in the alert as read, notes merged (who acted, who was notified, who was on call) keeps it for a held
        // person; open and acknowledged alerts stay, however old. The notes go first: a purge cut short leaves an
        // alert the next one deletes, never notes without their alert.
        purge: batchPurge(conn.collection<PurgedDoc>('alerts'), 'resolvedAt', idsIn, {
          extra: { status: 'resolved' },
          read: async (docs) => (await this.notes.merge(docs as unknown as AlertDoc[])) as unknown as PurgedDoc[],
          deleting: (ids) => this.notes.remove(ids.map(String)),
        }),
      },
      // One set by a held person stays.
      { kind: 'alert-silences', description: 'Alert silences, once they have ended', defaultDays: 730, purge: batchPurge(conn.collection<PurgedDoc>('alert_silences'), 'until', idsIn) },
      {
        kind: 'alert-openings',
        description: 'When each alert key opened (flapping), once the key has not opened for the period',
        // Longer than the longest flapping window (30 days): a key's openings within it are all counted.
        defaultDays: 90,
        // The filter finds the keys with any opening that old; only those with every opening that old go.
        purge: batchPurge(conn.collection<PurgedDoc>('alert_openings'), 'at', () => [], {
          read: (docs, before) => Promise.resolve(docs.filter((d) => Array.isArray(d.at) && d.at.every((t) => t instanceof Date && t < before))),
        }),
      },
    ];
  }

  /**
   * Counts a change for the scorecard's roll-ups after the write, without the caller waiting (a page does not wait
   * on a counter): one lost to a crash or an error leaves a roll-up stale for at most ROLLUP_MAX_AGE_MS, and this
   * process's next read of the counters waits for the ones in flight (MongoSourceRollups.changes).
   */
  private count(change: AlertChange): void {
    this.changed(change).catch(() => undefined);
  }

  /** An alert as read, with its notes. */
  private async read(d: AlertDoc | null): Promise<Alert | null> {
    return d ? toAlert((await this.notes.merge([d]))[0]!) : null;
  }

  async get(id: string): Promise<Alert | null> {
    if (!validId(id)) return null;
    return this.read(await this.Alert.findById(id).lean<AlertDoc>());
  }

  async list(filter: AlertFilter & PageQuery): Promise<Page<Alert>> {
    const q: Record<string, unknown> = {};
    if (filter.status) q.status = filter.status;
    if (filter.kpiKey) q.kpiKey = filter.kpiKey;
    if (filter.teamId) q.teamId = filter.teamId;
    if (filter.from || filter.to) q.createdAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lte: filter.to } : {}) };
    return paginate(
      filter,
      async (after, limit) =>
        this.notes.merge(
          await this.Alert.find(after ? { ...q, _id: { $lt: new Types.ObjectId(after) } } : q)
            .sort({ _id: -1 })
            .limit(limit)
            .lean<AlertDoc[]>(),
        ),
      toAlert,
    );
  }

  async openedBetween(from: Date, to: Date): Promise<AlertFacts[]> {
    const [stored, notes] = await Promise.all([this.Alert.find({ createdAt: { $gte: from, $lt: to } }, { teamId: 1, createdAt: 1, acknowledgedAt: 1, resolvedAt: 1, timeline: 1, timelineKeys: 1 }).lean<AlertDoc[]>(), this.notes.since(from)]);
    const docs = stored.map((d) => withNotes(d, notes.get(d._id.toString()) ?? []));
    return docs.map((d) => ({ teamId: d.teamId, createdAt: d.createdAt, timeline: (d.timeline ?? []).map(decodeLine), ...(d.acknowledgedAt ? { acknowledgedAt: d.acknowledgedAt } : {}), ...(d.resolvedAt ? { resolvedAt: d.resolvedAt } : {}) }));
  }

  async any(): Promise<boolean> {
    return (await this.Alert.exists({})) !== null;
  }

  async liveCountByKpi(): Promise<Record<string, number>> {
    const groups = await this.Alert.aggregate<{ _id: string | null; n: number }>([{ $match: { status: { $in: ['open', 'acknowledged'] } } }, { $group: { _id: '$kpiKey', n: { $sum: 1 } } }]);
    return Object.fromEntries(groups.flatMap((g) => (typeof g._id === 'string' ? [[g._id, g.n]] : [])));
  }

  /** The retention kinds of the alerts' records (resolved alerts with their notes, ended silences, old openings). */
  readonly retentionKinds: RetentionKind[];

  async openId(key: string): Promise<string | null> {
    return (await this.Open.findById(key).lean<OpenAlertDoc>())?.alertId ?? null;
  }

  /**
   * The dedup key's `_id` insert decides the race (a duplicate: the caller takes the repeat path); then the alert
   * is inserted whole, with what `record` adds (the frozen escalation, its timeline lines and their keys, a silence).
   * Both go through group commit: concurrent openings share their bulk writes.
   */
  async open(alert: NewAlert, at: Date, entry: TimelineEntry, record?: OpeningRecord): Promise<{ opened: true; alert: Alert } | { opened: false; id: string }> {
    // Its id's time is the opening's (the Clock's): a write that has only the id knows the day the alert belongs to.
    const id = new Types.ObjectId(Types.ObjectId.generate(Math.floor(at.getTime() / 1000)));
    const extra = record?.(id.toString());
    try {
      await this.openWrites.insert({ _id: alert.key, alertId: id.toString() });
    } catch (err) {
      extra?.abandoned?.();
      if (!isDuplicateKey(err)) throw err;
      const winner = await this.openId(alert.key);
      if (winner) return { opened: false, id: winner };
      return this.open(alert, at, entry, record);
    }
    const timeline = [entry, ...(extra?.timeline ?? [])];
    const doc: AlertDoc = {
      ...alert,
      _id: id,
      status: 'open',
      count: 1,
      flapping: false,
      normalStreak: 0,
      timeline,
      timelineKeys: extra?.timelineKeys ?? [],
      messageKeys: [],
      wave: 0,
      createdAt: at,
      updatedAt: at,
      ...(extra?.escalation ? { escalation: extra.escalation } : {}),
      ...(extra?.silencedUntil ? { silencedUntil: extra.silencedUntil } : {}),
      ...(extra?.pageLease ? { pageLease: extra.pageLease } : {}),
    };
    const stored = { ...doc, timeline: timeline.map(encodeLine), ...(extra?.escalation ? { escalation: encodeSnapshot(extra.escalation) } : {}) };
    // Fields left undefined are left out, as mongoose would (the driver would write them as null).
    await this.alertWrites.insert({ _id: id, ...Object.fromEntries(Object.entries(stored).filter(([, v]) => v !== undefined)) }).catch((err: unknown) => {
      extra?.abandoned?.();
      throw err;
    });
    this.notes.inserted(id.toString(), timeline.length);
    this.count({ openedAt: at, kpiKey: alert.kpiKey });
    // The alert as written, from the values in hand (not decoded back).
    return { opened: true, alert: toAlert(doc) };
  }

  /**
   * A further breach of a live alert. The common one (a repeat that does not
   * raise the severity) is one `_id` read and one `_id` update: the count goes
   * up by `$inc` and the worst value by `$max`/`$min`, so concurrent breaches
   * lose nothing. Should the alert have been resolved between the read and
   * the update, the update is taken back and the caller opens a new alert
   * (null). A breach that raises the severity is written guarded on the count
   * read (a filter FerretDB scans for: rare), so a lower severity never overwrites it.
   */
  async addBreach(id: string, breach: AlertBreach, entry: TimelineEntry): Promise<Alert | null> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const current = await this.Alert.findById(id).lean<AlertDoc>();
      if (!current) {
        // The winner of the open race writes the alert right after the lookup document.
        await new Promise((r) => setTimeout(r, 25));
        continue;
      }
      if (!LIVE.includes(current.status)) return null;
      const worse = breach.worse ?? current.worse;
      const set = { lastValue: breach.value, normalStreak: 0, updatedAt: breach.at, explanation: breach.explanation, ...(breach.sampleAt ? { lastAt: breach.sampleAt } : {}) };
      if (SEVERITY_RANK[breach.severity] > SEVERITY_RANK[current.severity]) {
        const worst = breach.value === null ? current.worstValue : current.worstValue === null || worse === undefined ? breach.value : worse === 'higher' ? Math.max(current.worstValue, breach.value) : Math.min(current.worstValue, breach.value);
        const d = await this.Alert.findOneAndUpdate(
          { _id: id, status: { $in: LIVE }, count: current.count },
          { $set: { ...set, count: current.count + 1, worstValue: worst, severity: breach.severity, title: breach.title }, $push: { timeline: encodeLine(entry) } },
          { returnDocument: 'after' },
        ).lean<AlertDoc>();
        if (d) return this.read(d);
        continue;
      }
      const worst: Record<string, unknown> =
        breach.value === null ? {} : current.worstValue === null || worse === undefined ? { $set: { ...set, worstValue: breach.value } } : { [worse === 'higher' ? '$max' : '$min']: { worstValue: breach.value } };
      const d = await this.Alert.findOneAndUpdate({ _id: id }, { $set: set, ...worst, $inc: { count: 1 }, $push: { timeline: encodeLine(entry) } }, { returnDocument: 'after' }).lean<AlertDoc>();
      if (!d) continue;
      // The update does not change the status: the document after it tells whether the alert was live then.
      if (LIVE.includes(d.status)) return this.read(d);
      // Resolved in between: the breach belongs to a new alert, not to this one's record (whose values are put back).
      const { lastValue, normalStreak, explanation, lastAt, worstValue } = current;
      const restore = { lastValue, normalStreak, explanation, worstValue, updatedAt: d.resolvedAt ?? current.updatedAt, ...(lastAt ? { lastAt } : {}) };
      await this.Alert.updateOne({ _id: id }, { $set: restore, $inc: { count: -1 }, $pull: { timeline: encodeLine(entry) } });
      return null;
    }
    return null;
  }

  async changeStatus(id: string, from: readonly AlertStatus[], to: AlertStatus, entry: TimelineEntry): Promise<Alert | null> {
    if (!validId(id)) return null;
    const set: Record<string, unknown> = { status: to, updatedAt: entry.at };
    if (to === 'acknowledged') Object.assign(set, { acknowledgedBy: entry.actor, acknowledgedAt: entry.at });
    if (to === 'resolved') set.resolvedAt = entry.at;
    const d = await this.Alert.findOneAndUpdate({ _id: id, status: { $in: [...from] } }, { $set: set, $push: { timeline: encodeLine(entry) } }, { returnDocument: 'after' }).lean<AlertDoc>();
    if (!d) return null;
    if (to === 'resolved') await this.Open.deleteOne({ _id: d.key, alertId: id });
    // Acknowledged or open, an alert counts as live for its KPI: only a resolution changes the counts.
    this.count({ openedAt: d.createdAt, ...(to === 'resolved' ? { kpiKey: d.kpiKey } : {}) });
    return this.read(d);
  }

  async note(id: string, entry: TimelineEntry | null, set: { flapping?: boolean; silencedUntil?: Date; normalStreak?: number } = {}): Promise<Alert | null> {
    if (!validId(id)) return null;
    const update: Record<string, unknown> = {};
    if (Object.keys(set).length) update.$set = set;
    if (entry) update.$push = { timeline: encodeLine(entry) };
    const d = await this.Alert.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' }).lean<AlertDoc>();
    if (d && entry?.kind === 'notified') this.count({ openedAt: d.createdAt });
    return this.read(d);
  }

  async freeze(id: string, snapshot: EscalationSnapshot): Promise<Alert | null> {
    if (!validId(id)) return null;
    await this.Alert.updateOne({ _id: id, escalation: { $exists: false } }, { $set: { escalation: encodeSnapshot(snapshot) } });
    return this.get(id);
  }

  /**
   * A note beside the alert (see AlertNotes: an insert, not a rewrite of the alert), or, when the key's slot holds
   * another key's note, an update of the alert guarded on the key (FerretDB serves `_id` plus a guard from its `_id`
   * index). Both group-committed; neither tells whether it was written just now, so a page recorded again (a retried
   * step) counts as a change too: the scorecard's figures are read again, not counted from it.
   */
  async noteOnce(id: string, key: string, entry: TimelineEntry, also: { messageKey?: string | undefined; cursor?: StepCursor | undefined; copy?: MessageAddress | undefined } = {}): Promise<void> {
    if (!validId(id)) return;
    const copy: KeptCopy | undefined = also.copy && { key, platform: also.copy.platform, channel: also.copy.channel, messageId: also.copy.messageId };
    const line = encodeLine(entry);
    // A page sent on the insert's hold (the one kept where it went) is the line known to follow the inserted ones;
    // any other line of a key recorded so already is not written again.
    const fields = { at: entry.at, line, messageKey: also.messageKey, rank: also.cursor && stepRank(also.cursor) };
    const noted = copy ? await this.notes.add(id, key, { ...fields, copy: encodeCopy(copy) }) : await this.notes.holds(id, key);
    if (!noted) {
      await this.alertWrites.update(
        { _id: new Types.ObjectId(id), timelineKeys: { $ne: key } },
        {
          $push: { timeline: line, timelineKeys: key, ...(copy ? { copies: encodeCopy(copy) } : {}) },
          ...(also.messageKey ? { $addToSet: { messageKeys: also.messageKey } } : {}),
          ...(also.cursor ? { $max: { stepRank: stepRank(also.cursor) } } : {}),
        },
      );
    }
    if (entry.kind === 'notified') this.count({ openedAt: new Types.ObjectId(id).getTimestamp() });
  }

  /** One `_id` update that returns the alert (the message is rendered from it): no read after the write. */
  async addMessageKey(id: string, key: string, cursor?: StepCursor): Promise<Alert | null> {
    if (!validId(id)) return null;
    const update = { $addToSet: { messageKeys: key }, ...(cursor ? { $max: { stepRank: stepRank(cursor) } } : {}) };
    const d = await this.Alert.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' }).lean<AlertDoc>();
    return this.read(d);
  }

  async keepMessageKey(id: string, key: string): Promise<void> {
    if (validId(id)) await this.alertWrites.update({ _id: new Types.ObjectId(id) }, { $addToSet: { messageKeys: key } });
  }

  async nextWave(id: string, wave: number, from: readonly AlertStatus[], set: Partial<Pick<Alert, 'status' | 'acknowledgedBy' | 'acknowledgedAt' | 'snoozedUntil'>>, entry: TimelineEntry): Promise<Alert | null> {
    if (!validId(id)) return null;
    const d = await this.Alert.findOneAndUpdate(
      { _id: id, wave: inWave(wave), status: { $in: [...from] } },
      // The rank stays: one of an older wave is no cursor of the new one (see fromRank).
      { $set: { ...set, wave: wave + 1, updatedAt: entry.at }, $unset: { cursor: 1 }, $push: { timeline: encodeLine(entry) } },
      { returnDocument: 'after' },
    ).lean<AlertDoc>();
    if (d) this.count({ openedAt: d.createdAt });
    return this.read(d);
  }

  async reopen(id: string, wave: number, entry: TimelineEntry): Promise<Alert | null> {
    if (!validId(id)) return null;
    const d = await this.Alert.findOneAndUpdate(
      { _id: id, wave: inWave(wave), status: 'acknowledged' },
      { $set: { status: 'open', updatedAt: entry.at }, $unset: { acknowledgedBy: 1, acknowledgedAt: 1, snoozedUntil: 1 }, $push: { timeline: encodeLine(entry) } },
      { returnDocument: 'after' },
    ).lean<AlertDoc>();
    if (d) this.count({ openedAt: d.createdAt });
    return this.read(d);
  }

  async countNormal(id: string, by = 1): Promise<number> {
    // By `_id` alone (FerretDB scans for `_id` plus a status, and this runs per sample): a resolved alert's streak counts for nothing.
    const d = await this.Alert.findOneAndUpdate({ _id: id }, { $inc: { normalStreak: by } }, { returnDocument: 'after' }).lean<AlertDoc>();
    return d && LIVE.includes(d.status) ? d.normalStreak : 0;
  }

  async recordOpening(key: string, at: Date, since: Date): Promise<number> {
    const d = await this.Openings.findOneAndUpdate({ _id: key }, { $push: { at: { $each: [at], $slice: -OPENINGS_KEPT } } }, { returnDocument: 'after', upsert: true }).lean<OpeningsDoc>();
    return (d?.at ?? []).filter((t) => t >= since).length;
  }

  async openingsSince(key: string, since: Date): Promise<number> {
    const d = await this.Openings.findById(key).lean<OpeningsDoc>();
    return (d?.at ?? []).filter((t) => t >= since).length;
  }

  async createSilence(input: Omit<Silence, 'id'>): Promise<Silence> {
    const d = await this.Silence.create(input);
    this.cache?.invalidate('silences', ACTIVE);
    return toSilence(d.toObject<SilenceDoc>());
  }

  /** From the cache when it holds the silences active at or before `at` (those are a superset of the ones active at `at`). */
  async activeSilences(at: Date): Promise<Silence[]> {
    const read = async () => ({ from: at, silences: (await this.Silence.find({ until: { $gt: at } }).lean<SilenceDoc[]>()).map(toSilence) });
    let active = this.cache ? await this.cache.load('silences', ACTIVE, read) : await read();
    if (!active || active.from > at) active = await read();
    return active.silences.filter((s) => s.until > at);
  }

  async listSilences(): Promise<Silence[]> {
    return (await this.Silence.find().sort({ _id: -1 }).lean<SilenceDoc[]>()).map(toSilence);
  }

  async removeSilence(id: string): Promise<Silence | null> {
    if (!validId(id)) return null;
    const d = await this.Silence.findOneAndDelete({ _id: id }).lean<SilenceDoc>();
    this.cache?.invalidate('silences', ACTIVE);
    return d ? toSilence(d) : null;
  }
}
