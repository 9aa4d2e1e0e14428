import { Schema, Types, type Connection, type Model } from 'mongoose';
import type {
  AnonymousAnswer,
  FatigueClaim,
  Invitation,
  InvitationRepository,
  LastInvitedRepository,
  RoundResults,
  RoundStatus,
  Survey,
  SurveyAnswerRepository,
  SurveyPorts,
  SurveyRepository,
  SurveyResultsRepository,
  SurveyRound,
  SurveyRoundRepository,
} from '../core/surveys/surveys.types.js';
import { isDuplicateKey } from './connection.js';
import { createResponseBuckets } from './survey-responses.repository.js';

/*
 * Pulse surveys in MongoDB / FerretDB. What each collection may hold is the
 * anonymity guarantee (README "Pulse surveys"); the schemas are strict, so
 * nothing else can slip in:
 *   survey_responses      _id = <round>:<bucket>; per HMAC(round, person) in the bucket: teams, answers,
 *                         step, confirmed (survey-responses.repository.ts). No person, no time.
 *   survey_answers        _id = <round>:<shuffled index>; survey, round, close time, shown teams, answers.
 *   survey_invitations    _id = <round>:<person>; who was asked and when. No answers.
 *   survey_last_invited   _id = person; the fatigue guard: each round's invitation of the person.
 *   survey_lookups        _id = 'open'; the ids of the open rounds (read on every DM).
 * Hot lookups (a click, a typed answer, a reminder) are by _id.
 */

const opts = { versionKey: false as const, minimize: false, strict: 'throw' as const };

/** Invitations upserted in one command (see Invitations.upsertMany). */
export const UPDATES_PER_COMMAND = 500;

const surveySchema = new Schema(
  {
    name: { type: String, required: true },
    template: { type: String, required: true },
    questions: { type: Schema.Types.Mixed, required: true },
    audience: { type: Schema.Types.Mixed, required: true },
    schedule: { type: Schema.Types.Mixed, required: true },
    windowDays: { type: Number, required: true },
    holidays: { type: [String], default: [] },
    active: { type: Boolean, default: true },
    createdAt: { type: Date, required: true },
  },
  { ...opts, collection: 'surveys' },
);

const roundSchema = new Schema(
  {
    _id: { type: String, required: true },
    surveyId: { type: String, required: true, index: true },
    n: { type: Number, required: true },
    name: { type: String, required: true },
    questions: { type: Schema.Types.Mixed, required: true },
    status: { type: String, enum: ['waiting', 'open', 'closing', 'closed'], required: true, index: true },
    waiting: { type: Schema.Types.Mixed, default: null },
    openedAt: { type: Date, default: null },
    closesAt: { type: Date, default: null },
    closedAt: { type: Date, default: null },
    invited: { type: Number, default: 0 },
    invitedByTeam: { type: Schema.Types.Mixed, default: {} },
    teamNames: { type: Schema.Types.Mixed, default: {} },
  },
  { ...opts, collection: 'survey_rounds' },
);

const invitationSchema = new Schema(
  {
    _id: { type: String, required: true },
    roundId: { type: String, required: true, index: true },
    personId: { type: String, required: true },
    teamIds: { type: [String], default: [] },
    inviteAt: { type: Date, required: true },
    closesAt: { type: Date, required: true },
    remindAt: { type: [Date], default: [] },
  },
  { ...opts, collection: 'survey_invitations' },
);

const answerSchema = new Schema(
  {
    _id: { type: String, required: true },
    surveyId: { type: String, required: true },
    roundId: { type: String, required: true, index: true },
    closedAt: { type: Date, required: true },
    teamIds: { type: [String], default: [] },
    answers: { type: Schema.Types.Mixed, required: true },
  },
  { ...opts, collection: 'survey_answers' },
);

const resultsSchema = new Schema(
  { _id: { type: String, required: true }, results: { type: Schema.Types.Mixed, required: true }, answersStored: { type: Boolean } },
  { ...opts, collection: 'survey_results' },
);
interface ResultsDoc {
  _id: string;
  results: RoundResults;
  answersStored?: boolean;
}

/** `_id` = person; `rounds` maps an encoded round id to that round's invitation (see LastInvited). */
const lastInvitedSchema = new Schema({ _id: { type: String, required: true }, rounds: { type: Schema.Types.Mixed, default: {} } }, { ...opts, collection: 'survey_last_invited' });
interface LastInvitedDoc {
  _id: string;
  rounds?: Record<string, { roundId: string; at: Date }>;
}

interface SurveyDoc extends Omit<Survey, 'id'> {
  _id: Types.ObjectId;
}
interface RoundDoc extends Omit<SurveyRound, 'id'> {
  _id: string;
}
interface InvitationDoc extends Omit<Invitation, 'remindAt'> {
  _id: string;
  remindAt?: Date[];
}
interface AnswerDoc extends AnonymousAnswer {
  _id: string;
}

const toSurvey = ({ _id, ...d }: SurveyDoc): Survey => ({ ...d, id: _id.toString() });
const toRound = ({ _id, ...d }: RoundDoc): SurveyRound => ({ ...d, id: _id, waiting: d.waiting ?? null });
/** An invitation recorded before reminders were queued by the invitation job has no `remindAt` (they were queued at the open). */
const toInvitation = ({ _id: _, ...d }: InvitationDoc): Invitation => ({ ...d, remindAt: d.remindAt ?? [] });

class Surveys implements SurveyRepository {
  constructor(private readonly M: Model<SurveyDoc>) {}
  async create(survey: Omit<Survey, 'id' | 'createdAt'>, at: Date): Promise<Survey> {
    const d = await this.M.create({ ...survey, createdAt: at });
    return toSurvey(d.toObject());
  }
  async get(id: string): Promise<Survey | null> {
    if (!Types.ObjectId.isValid(id) || !/^[a-f0-9]{24}$/.test(id)) return null;
    const d = await this.M.findById(id).lean<SurveyDoc>();
    return d ? toSurvey(d) : null;
  }
  async list(): Promise<Survey[]> {
    return (await this.M.find().sort({ _id: 1 }).lean<SurveyDoc[]>()).map(toSurvey);
  }
  async setActive(id: string, active: boolean): Promise<Survey | null> {
    if (!(await this.get(id))) return null;
    const d = await this.M.findByIdAndUpdate(id, { $set: { active } }, { returnDocument: 'after' }).lean<SurveyDoc>();
    return d ? toSurvey(d) : null;
  }
}

/** The `_id`-keyed lookup of open rounds, read on every DM: `{ _id: 'open', ids: [round ids] }`. */
const OPEN = 'open';
const lookupSchema = new Schema({ _id: { type: String, required: true }, ids: { type: [String], default: [] } }, { ...opts, collection: 'survey_lookups' });

class Rounds implements SurveyRoundRepository {
  constructor(
    private readonly M: Model<RoundDoc>,
    private readonly L: Model<{ _id: string; ids: string[] }>,
    /** Told after a round closes: the scorecard's pulse figures list closed rounds (see SourceRollups). */
    private readonly changed: () => Promise<void>,
  ) {}
  async createOnce(round: Parameters<SurveyRoundRepository['createOnce']>[0]): Promise<SurveyRound> {
    const { id, ...rest } = round;
    try {
      await this.M.create({ _id: id, ...rest, waiting: null, openedAt: null, closesAt: null, closedAt: null, invited: 0, invitedByTeam: {}, teamNames: {} });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const got = await this.get(id);
    if (!got) throw new Error(`survey round ${id} vanished after its insert`);
    return got;
  }
  async get(id: string): Promise<SurveyRound | null> {
    const d = await this.M.findById(id).lean<RoundDoc>();
    return d ? toRound(d) : null;
  }
  async ofSurvey(surveyId: string): Promise<SurveyRound[]> {
    return (await this.M.find({ surveyId }).lean<RoundDoc[]>()).map(toRound).sort((a, b) => a.n - b.n);
  }
  /** Open rounds through the lookup document (by `_id`), then each round by `_id`; a listed round that is no longer open is skipped. */
  async open(): Promise<SurveyRound[]> {
    const ids = (await this.L.findById(OPEN).lean())?.ids ?? [];
    const rounds = await Promise.all(ids.map((id) => this.get(id)));
    return rounds.filter((r): r is SurveyRound => r?.status === 'open');
  }
  async closed(limit: number): Promise<SurveyRound[]> {
    return (await this.M.find({ status: 'closed' }).sort({ closedAt: -1 }).limit(limit).lean<RoundDoc[]>()).map(toRound);
  }
  /**
   * A round listed in the lookup before it opens and unlisted after it stops
   * being open: a crash in between leaves an extra id, which `open()` skips.
   */
  async update(id: string, when: readonly RoundStatus[], patch: Partial<Omit<SurveyRound, 'id' | 'surveyId' | 'n'>>): Promise<SurveyRound | null> {
    if (patch.status === 'open') await this.L.updateOne({ _id: OPEN }, { $addToSet: { ids: id } }, { upsert: true });
    const d = await this.M.findOneAndUpdate({ _id: id, status: { $in: when } }, { $set: patch }, { returnDocument: 'after' }).lean<RoundDoc>();
    if (d && d.status !== 'open') await this.L.updateOne({ _id: OPEN }, { $pull: { ids: id } });
    if (d?.status === 'closed') await this.changed();
    return d ? toRound(d) : null;
  }
}

class Invitations implements InvitationRepository {
  constructor(private readonly M: Model<InvitationDoc>) {}
  /**
   * UPDATES_PER_COMMAND upserts per command. A retried or duplicated open re-upserts over
   * existing invitations: the local FerretDB is patched for that (unpatched, 1.24 hangs
   * on an update command matching ~100 documents; scripts/stack.sh).
   */
  async upsertMany(invitations: Invitation[]): Promise<void> {
    for (let i = 0; i < invitations.length; i += UPDATES_PER_COMMAND) {
      const ops = invitations.slice(i, i + UPDATES_PER_COMMAND).map((inv) => ({ updateOne: { filter: { _id: `${inv.roundId}:${inv.personId}` }, update: { $set: inv }, upsert: true } }));
      await this.M.bulkWrite(ops, { ordered: false });
    }
  }
  async get(roundId: string, personId: string): Promise<Invitation | null> {
    const d = await this.M.findById(`${roundId}:${personId}`).lean<InvitationDoc>();
    return d ? toInvitation(d) : null;
  }
  async ofRound(roundId: string): Promise<Invitation[]> {
    return (await this.M.find({ roundId }).lean<InvitationDoc[]>()).map(toInvitation);
  }
  async deleteRound(roundId: string): Promise<number> {
    return (await this.M.deleteMany({ roundId })).deletedCount;
  }
}

class Answers implements SurveyAnswerRepository {
  constructor(private readonly M: Model<AnswerDoc>) {}
  async insertRound(roundId: string, answers: AnonymousAnswer[]): Promise<void> {
    // Ids are positions in the shuffled order: they carry neither a person nor a time.
    for (let i = 0; i < answers.length; i += 1000) {
      await this.M.insertMany(answers.slice(i, i + 1000).map((a, j) => ({ _id: `${roundId}:${i + j}`, ...a })), { ordered: true });
    }
  }
  async deleteRound(roundId: string): Promise<void> {
    await this.M.deleteMany({ roundId });
  }
}

class Results implements SurveyResultsRepository {
  constructor(
    private readonly M: Model<ResultsDoc>,
    /** Told after results are saved: the scorecard's pulse figures read them (see SourceRollups). */
    private readonly changed: () => Promise<void>,
  ) {}
  async save(results: RoundResults): Promise<void> {
    await this.M.updateOne({ _id: results.roundId }, { $set: { results, answersStored: false } }, { upsert: true });
    await this.changed();
  }
  async answersStored(roundId: string): Promise<void> {
    await this.M.updateOne({ _id: roundId }, { $set: { answersStored: true } });
  }
  async get(roundId: string): Promise<RoundResults | null> {
    return (await this.ofClosing(roundId))?.results ?? null;
  }
  /** Results saved before the flag existed were saved after the answers: stored. */
  async ofClosing(roundId: string): Promise<{ results: RoundResults; answersStored: boolean } | null> {
    const d = await this.M.findById(roundId).lean<ResultsDoc>();
    if (!d) return null;
    return { results: { ...d.results, closedAt: new Date(d.results.closedAt) }, answersStored: d.answersStored ?? true };
  }
}

/** A round id as a field name: `<survey>.<n>` has a dot, which a field path would read as nesting. */
const roundField = (roundId: string) => `rounds.${roundId.replaceAll('.', '_')}`;

/**
 * The fatigue guard. Claiming is one `findOneAndUpdate` by `_id` alone that
 * adds the round's entry and returns the document as it was before: the
 * claim is judged on that, so of two rounds claiming one person at once the
 * second to write sees the first and is refused (a single-document update is
 * atomic on MongoDB and on the local FerretDB). A filter with anything beside
 * `_id` would make FerretDB scan the collection, under its write lock, once
 * per person: 10,000 claims over 10,000 documents.
 */
class LastInvited implements LastInvitedRepository {
  constructor(private readonly M: Model<LastInvitedDoc>) {}
  async claim(personId: string, roundId: string, at: Date, notAfter: Date): Promise<FatigueClaim> {
    const update = { $set: { [roundField(roundId)]: { roundId, at } } };
    let before: LastInvitedDoc | null;
    try {
      before = await this.M.findOneAndUpdate({ _id: personId }, update, { upsert: true, returnDocument: 'before' }).lean<LastInvitedDoc>();
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Two first claims raced to insert the document: the other one is in it now.
      before = await this.M.findOneAndUpdate({ _id: personId }, update, { returnDocument: 'before' }).lean<LastInvitedDoc>();
    }
    const entries = Object.values(before?.rounds ?? {});
    const added = !entries.some((e) => e.roundId === roundId);
    const others = entries.filter((e) => e.roundId !== roundId && new Date(e.at) > notAfter).map((e) => new Date(e.at).getTime());
    return others.length ? { ok: false, added, blockedBy: new Date(Math.max(...others)) } : { ok: true, added };
  }
  async release(personId: string, roundId: string): Promise<void> {
    await this.M.updateOne({ _id: personId }, { $unset: { [roundField(roundId)]: '' } });
  }
}

/** Every survey repository over one connection. */
export function createSurveyStore(conn: Connection, pulseChanged: () => Promise<void> = () => Promise.resolve()): SurveyPorts {
  return {
    surveys: new Surveys(conn.model<SurveyDoc>('Survey', surveySchema)),
    rounds: new Rounds(conn.model<RoundDoc>('SurveyRound', roundSchema), conn.model<{ _id: string; ids: string[] }>('SurveyLookup', lookupSchema), pulseChanged),
    invitations: new Invitations(conn.model<InvitationDoc>('SurveyInvitation', invitationSchema)),
    responses: createResponseBuckets(conn),
    answers: new Answers(conn.model<AnswerDoc>('SurveyAnswer', answerSchema)),
    results: new Results(conn.model<ResultsDoc>('SurveyResults', resultsSchema), pulseChanged),
    lastInvited: new LastInvited(conn.model<LastInvitedDoc>('SurveyLastInvited', lastInvitedSchema)),
  };
}
