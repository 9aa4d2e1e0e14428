import { DateTime } from 'luxon';
import { randomBytes } from 'node:crypto';
import { Types, type Collection, type Connection } from 'mongoose';
import type { Blocker } from '../core/checkins/checkins.types.js';
import type { ActionRepository, CorrectiveAction, DigestSettings, DigestSettingsRepository, KudosFact, RhythmReads, ScorecardImageStore, WeekRollup } from '../core/scorecards/scorecards.types.js';
import { DEFAULT_DIGEST } from '../core/scorecards/scorecards.types.js';

type Counts = Omit<WeekRollup, 'teamId' | 'week'>;
interface RollupDoc {
  _id: string;
  teams: Record<string, Counts>;
  computedAt: Date;
}

interface CheckinRow {
  _id: string;
  teamId: string;
  status: string;
  answers?: Record<string, unknown>;
}
interface BlockerRow extends Omit<Blocker, 'id'> {
  _id: string;
}
interface KudosRow {
  _id: Types.ObjectId;
  giverId: string;
  recipientIds: string[];
  createdAt: Date;
  revokedAt: Date | null;
}

/** A week's check-ins are settled this long after the week ends (late answers, deadlines in every zone). */
const SETTLE_MS = 14 * 86_400_000;
/** A roll-up of a week not settled yet is reused for this long (a scorecard a minute old is fine). */
const FRESH_MS = 60_000;

const weekEnd = (week: string): number => {
  const [y, w] = week.split('-W').map(Number);
  return DateTime.fromObject({ weekYear: y, weekNumber: w, weekday: 1 }, { zone: 'UTC' }).plus({ weeks: 1, days: 1 }).toMillis();
};

const empty = (): Counts => ({ answered: 0, closed: 0, moodSum: 0, moodCount: 0 });

/**
 * The scorecard's bulk reads of check-ins, blockers and kudos. A week's
 * check-ins are rolled up per team into one document (`_id` = the ISO week)
 * and kept once the week is settled, so an organisation's year of check-ins is
 * read as a few `_id` lookups; a week not settled yet is counted again from
 * the check-ins when its roll-up is more than a minute old.
 */
export class MongoRhythmReads implements RhythmReads {
  private readonly checkins: Collection<CheckinRow>;
  private readonly blockers: Collection<BlockerRow>;
  private readonly kudosColl: Collection<KudosRow>;
  private readonly rollups: Collection<RollupDoc>;

  constructor(conn: Connection, private readonly now: () => number = Date.now) {
    this.checkins = conn.collection<CheckinRow>('checkins');
    this.blockers = conn.collection<BlockerRow>('checkin_blockers');
    this.kudosColl = conn.collection<KudosRow>('kudos');
    this.rollups = conn.collection<RollupDoc>('scorecard_week_rollups');
  }

  async weekRollups(teamIds: readonly string[], weeks: readonly string[]): Promise<WeekRollup[]> {
    const wanted = new Set(teamIds);
    const byWeek = await Promise.all(weeks.map((w) => this.week(w)));
    return byWeek.flatMap((teams, i) =>
      Object.entries(teams)
        .filter(([teamId]) => wanted.has(teamId))
        .map(([teamId, c]) => ({ teamId, week: weeks[i] ?? '', ...c })),
    );
  }

  private async week(week: string): Promise<Record<string, Counts>> {
    const settled = this.now() > weekEnd(week) + SETTLE_MS;
    const cached = await this.rollups.findOne({ _id: week });
    if (cached && (settled || cached.computedAt.getTime() > this.now() - FRESH_MS)) return cached.teams;
    const teams: Record<string, Counts> = {};
    const cursor = this.checkins.find({ period: week }, { projection: { teamId: 1, status: 1, 'answers.mood': 1 } });
    for await (const c of cursor) {
      const t = (teams[String(c.teamId)] ??= empty());
      if (c.status === 'pending') continue;
      t.closed += 1;
      if (c.status !== 'answered') continue;
      t.answered += 1;
      const mood = Number(c.answers?.mood);
      if (Number.isFinite(mood) && mood >= 1 && mood <= 5) {
        t.moodSum += mood;
        t.moodCount += 1;
      }
    }
    await this.rollups.replaceOne({ _id: week }, { teams, computedAt: new Date(this.now()) }, { upsert: true });
    return teams;
  }

  async openBlockers(teamIds: readonly string[]): Promise<Blocker[]> {
    const docs = await this.blockers.find({ teamId: { $in: [...teamIds] }, status: { $ne: 'resolved' } }).toArray();
    return docs.map(({ _id, ...b }) => ({ id: String(_id), ...b, managerId: b.managerId ?? null, resolvedAt: b.resolvedAt ?? null }));
  }

  async kudos(from: Date, to: Date): Promise<KudosFact[]> {
    const docs = await this.kudosColl.find({ createdAt: { $gte: from, $lt: to }, revokedAt: null }, { projection: { giverId: 1, recipientIds: 1, createdAt: 1 } }).toArray();
    return docs.map((d) => ({ giverId: d.giverId, recipientIds: d.recipientIds, createdAt: d.createdAt }));
  }
}

interface ActionDoc extends Omit<CorrectiveAction, 'id'> {
  _id: Types.ObjectId;
}

const toAction = (d: ActionDoc): CorrectiveAction => {
  const { _id, ...rest } = d;
  return { id: _id.toHexString(), ...rest };
};

/** The corrective actions register: small (tens to hundreds of actions), read whole. */
export class MongoActionRepository implements ActionRepository {
  private readonly coll: Collection<ActionDoc>;

  constructor(conn: Connection) {
    this.coll = conn.collection<ActionDoc>('scorecard_actions');
  }

  async insert(action: Omit<CorrectiveAction, 'id'>): Promise<CorrectiveAction> {
    const doc: ActionDoc = { _id: new Types.ObjectId(), ...action };
    await this.coll.insertOne(doc);
    return toAction(doc);
  }

  async get(id: string): Promise<CorrectiveAction | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const d = await this.coll.findOne({ _id: new Types.ObjectId(id) });
    return d ? toAction(d) : null;
  }

  async setStatus(id: string, status: CorrectiveAction['status'], at: Date): Promise<CorrectiveAction | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const d = await this.coll.findOneAndUpdate({ _id: new Types.ObjectId(id) }, { $set: { status, doneAt: status === 'done' ? at : null } }, { returnDocument: 'after' });
    return d ? toAction(d) : null;
  }

  async open(kpiKeys?: readonly string[]): Promise<CorrectiveAction[]> {
    const docs = await this.coll.find({ status: 'open', ...(kpiKeys ? { kpiKey: { $in: [...kpiKeys] } } : {}) }).toArray();
    return docs.map(toAction);
  }

  async all(): Promise<CorrectiveAction[]> {
    return (await this.coll.find({}).toArray()).map(toAction);
  }
}

interface DigestDoc extends DigestSettings {
  _id: string;
}

/** The digest settings: one document, `_id` `digest`. */
export class MongoDigestSettings implements DigestSettingsRepository {
  private readonly coll: Collection<DigestDoc>;

  constructor(conn: Connection) {
    this.coll = conn.collection<DigestDoc>('scorecard_settings');
  }

  async get(): Promise<DigestSettings> {
    const d = await this.coll.findOne({ _id: 'digest' });
    if (!d) return { ...DEFAULT_DIGEST };
    const { _id, ...rest } = d;
    return { ...DEFAULT_DIGEST, ...rest };
  }

  async save(patch: Partial<DigestSettings>): Promise<DigestSettings> {
    await this.coll.updateOne({ _id: 'digest' }, { $set: patch }, { upsert: true });
    return this.get();
  }
}

interface ImageDoc {
  _id: string;
  png: Buffer;
  expiresAt: Date;
}

/**
 * Scorecard pictures by an unguessable `_id` (144 random bits): fetched by
 * Slack, Teams and the console from a public URL, so the id is the only key.
 * Expired ones are refused on read (FerretDB has no TTL index) and removed then.
 */
export class MongoScorecardImages implements ScorecardImageStore {
  private readonly coll: Collection<ImageDoc>;

  constructor(conn: Connection) {
    this.coll = conn.collection<ImageDoc>('scorecard_images');
  }

  async put(png: Buffer, expiresAt: Date): Promise<string> {
    const _id = randomBytes(18).toString('base64url');
    await this.coll.insertOne({ _id, png, expiresAt });
    return _id;
  }

  async get(id: string, now: Date): Promise<Buffer | null> {
    if (!/^[A-Za-z0-9_-]{24}$/.test(id)) return null;
    const d = await this.coll.findOne({ _id: id });
    if (!d) return null;
    if (d.expiresAt <= now) {
      await this.coll.deleteOne({ _id: id });
      return null;
    }
    return Buffer.from(d.png.buffer);
  }
}
