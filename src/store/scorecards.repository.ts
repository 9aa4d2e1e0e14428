import { DateTime } from 'luxon';
import { randomBytes } from 'node:crypto';
import { Types, type Collection, type Connection } from 'mongoose';
import type { Blocker } from '../core/checkins/checkins.types.js';
import type { ActionRepository, CorrectiveAction, DigestSettings, DigestSettingsRepository, KudosWeek, RhythmReads, ScorecardImageStore, WeekRollup } from '../core/scorecards/scorecards.types.js';
import { DEFAULT_DIGEST } from '../core/scorecards/scorecards.types.js';

type Counts = Omit<WeekRollup, 'teamId' | 'week'>;
interface RollupDoc {
  _id: string;
  teams: Record<string, Counts>;
  computedAt: Date;
}
interface KudosRollupDoc extends Omit<KudosWeek, 'week'> {
  _id: string;
  computedAt: Date;
}

interface ActiveDoc {
  _id: string;
  ids: string[];
  computedAt: Date;
}

interface CheckinRow {
  _id: string;
  teamId: string;
  period: string;
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

/** A week's check-ins and kudos are settled this long after the week ends (late answers, deadlines in every zone, revocations). */
const SETTLE_MS = 14 * 86_400_000;
/**
 * A roll-up of a week not settled yet is trusted this long: the roll-up job
 * (`scorecard.rollup`, every 5 minutes) keeps it younger; only when the job
 * has not run does a scorecard count the week again itself.
 */
export const FRESH_MS = 15 * 60_000;
/** Settled weeks' roll-ups kept in process, per kind (a year and more of weeks). */
const SETTLED_KEPT = 80;

const weekStart = (week: string): DateTime => {
  const [y, w] = week.split('-W').map(Number);
  return DateTime.fromObject({ weekYear: y, weekNumber: w, weekday: 1 }, { zone: 'UTC' });
};
const weekEnd = (week: string): number => weekStart(week).plus({ weeks: 1, days: 1 }).toMillis();
const isoWeekUtc = (at: Date): string => {
  const d = DateTime.fromJSDate(at, { zone: 'UTC' });
  return `${d.weekYear}-W${String(d.weekNumber).padStart(2, '0')}`;
};

const empty = (): Counts => ({ answered: 0, closed: 0, moodSum: 0, moodCount: 0 });

function count(teams: Record<string, Counts>, c: Pick<CheckinRow, 'teamId' | 'status' | 'answers'>): void {
  const t = (teams[String(c.teamId)] ??= empty());
  if (c.status === 'pending') return;
  t.closed += 1;
  if (c.status !== 'answered') return;
  t.answered += 1;
  const mood = Number(c.answers?.mood);
  if (Number.isFinite(mood) && mood >= 1 && mood <= 5) {
    t.moodSum += mood;
    t.moodCount += 1;
  }
}

function addKudos(k: Omit<KudosWeek, 'week'>, row: Pick<KudosRow, 'giverId' | 'recipientIds'>): void {
  k.givers[row.giverId] = (k.givers[row.giverId] ?? 0) + 1;
  for (const r of row.recipientIds) if (!k.recipients.includes(r)) k.recipients.push(r);
}

/**
 * The scorecard's bulk reads. Check-ins and kudos are read as weekly roll-up
 * documents (`_id` = the ISO week): check-ins per team, kudos per giver with
 * the people recognised; and who is active, in one document. A scorecard only reads roll-ups by `_id`; the
 * roll-up job recounts the weeks not settled yet every few minutes (one pass
 * over their check-ins and kudos), and settled weeks are kept as they are. A
 * week never counted, or not refreshed for `FRESH_MS`, is counted on read. A settled week is read once per process.
 */
export class MongoRhythmReads implements RhythmReads {
  private readonly checkins: Collection<CheckinRow>;
  private readonly blockers: Collection<BlockerRow>;
  private readonly kudosColl: Collection<KudosRow>;
  private readonly rollups: Collection<RollupDoc>;
  private readonly kudosRollups: Collection<KudosRollupDoc>;
  private readonly active: Collection<ActiveDoc>;
  private readonly people: Collection<{ _id: Types.ObjectId; active: boolean }>;
  private readonly settledWeeks = new Map<string, Record<string, Counts>>();
  private readonly settledKudos = new Map<string, KudosWeek>();

  constructor(conn: Connection, private readonly now: () => number = Date.now) {
    this.checkins = conn.collection<CheckinRow>('checkins');
    this.blockers = conn.collection<BlockerRow>('checkin_blockers');
    this.kudosColl = conn.collection<KudosRow>('kudos');
    this.rollups = conn.collection<RollupDoc>('scorecard_week_rollups');
    this.kudosRollups = conn.collection<KudosRollupDoc>('scorecard_kudos_rollups');
    this.active = conn.collection<ActiveDoc>('scorecard_people_rollup');
    this.people = conn.collection('people');
  }

  private usable(week: string, computedAt: Date | undefined): boolean {
    return computedAt !== undefined && (this.now() > weekEnd(week) + SETTLE_MS || computedAt.getTime() > this.now() - FRESH_MS);
  }

  /** A settled week's roll-up is never recounted: one read per process is enough (bounded, oldest dropped). */
  private keepSettled<T>(memo: Map<string, T>, week: string, value: T): T {
    if (this.now() > weekEnd(week) + SETTLE_MS) {
      if (memo.size >= SETTLED_KEPT) memo.delete(memo.keys().next().value as string);
      memo.set(week, value);
    }
    return value;
  }

  async weekRollups(teamIds: readonly string[], weeks: readonly string[]): Promise<WeekRollup[]> {
    const wanted = new Set(teamIds);
    const byWeek = await Promise.all(weeks.map(async (w) => {
      const settled = this.settledWeeks.get(w);
      if (settled) return settled;
      const cached = await this.rollups.findOne({ _id: w });
      return this.keepSettled(this.settledWeeks, w, cached && this.usable(w, cached.computedAt) ? cached.teams : (await this.countCheckins([w])).get(w) ?? {});
    }));
    return byWeek.flatMap((teams, i) =>
      Object.entries(teams)
        .filter(([teamId]) => wanted.has(teamId))
        .map(([teamId, c]) => ({ teamId, week: weeks[i] ?? '', ...c })),
    );
  }

  async kudosWeeks(weeks: readonly string[]): Promise<KudosWeek[]> {
    return Promise.all(weeks.map(async (week) => {
      const settled = this.settledKudos.get(week);
      if (settled) return settled;
      const cached = await this.kudosRollups.findOne({ _id: week });
      const k = cached && this.usable(week, cached.computedAt) ? cached : (await this.countKudos([week])).get(week);
      return this.keepSettled(this.settledKudos, week, { week, givers: k?.givers ?? {}, recipients: k?.recipients ?? [] });
    }));
  }

  /** The roll-up job: recounts every week not settled yet at `now`, in one pass over their check-ins and one over their kudos. */
  async refresh(): Promise<string[]> {
    const weeks: string[] = [];
    for (let d = DateTime.fromMillis(this.now() - SETTLE_MS - 8 * 86_400_000, { zone: 'UTC' }).startOf('week'); d.toMillis() <= this.now(); d = d.plus({ weeks: 1 })) weeks.push(isoWeekUtc(d.toJSDate()));
    await Promise.all([this.countCheckins(weeks), this.countKudos(weeks), this.countActive()]);
    return weeks;
  }

  async activePeople(): Promise<Set<string>> {
    const cached = await this.active.findOne({ _id: 'active' });
    return new Set(cached && cached.computedAt.getTime() > this.now() - FRESH_MS ? cached.ids : await this.countActive());
  }

  private async countActive(): Promise<string[]> {
    const ids = (await this.people.find({ active: true }, { projection: { _id: 1 } }).toArray()).map((p) => String(p._id));
    await this.active.replaceOne({ _id: 'active' }, { ids, computedAt: new Date(this.now()) }, { upsert: true });
    return ids;
  }

  private async countCheckins(weeks: readonly string[]): Promise<Map<string, Record<string, Counts>>> {
    const out = new Map<string, Record<string, Counts>>(weeks.map((w) => [w, {}]));
    const filter = weeks.length === 1 ? { period: weeks[0] } : { period: { $in: [...weeks] } };
    for await (const c of this.checkins.find(filter, { projection: { teamId: 1, period: 1, status: 1, 'answers.mood': 1 } })) {
      const teams = out.get(c.period);
      if (teams) count(teams, c);
    }
    const computedAt = new Date(this.now());
    await Promise.all([...out].map(([w, teams]) => this.rollups.replaceOne({ _id: w }, { teams, computedAt }, { upsert: true })));
    return out;
  }

  private async countKudos(weeks: readonly string[]): Promise<Map<string, Omit<KudosWeek, 'week'>>> {
    const out = new Map<string, Omit<KudosWeek, 'week'>>(weeks.map((w) => [w, { givers: {}, recipients: [] }]));
    const starts = weeks.map((w) => weekStart(w).toMillis());
    const from = new Date(Math.min(...starts));
    const to = new Date(Math.max(...starts) + 7 * 86_400_000);
    const cursor = this.kudosColl.find({ createdAt: { $gte: from, $lt: to }, revokedAt: null }, { projection: { giverId: 1, recipientIds: 1, createdAt: 1 } });
    for await (const k of cursor) {
      const week = out.get(isoWeekUtc(k.createdAt));
      if (week) addKudos(week, k);
    }
    const computedAt = new Date(this.now());
    await Promise.all([...out].map(([w, k]) => this.kudosRollups.replaceOne({ _id: w }, { ...k, computedAt }, { upsert: true })));
    return out;
  }

  async openBlockers(teamIds: readonly string[]): Promise<Blocker[]> {
    const docs = await this.blockers.find({ teamId: { $in: [...teamIds] }, status: { $ne: 'resolved' } }).toArray();
    return docs.map(({ _id, ...b }) => ({ id: String(_id), ...b, managerId: b.managerId ?? null, resolvedAt: b.resolvedAt ?? null }));
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
