import { z } from 'zod';
import { objectIdSchema } from '../people/people.types.js';

/**
 * Pulse surveys: the model and the narrow ports the use cases need.
 *
 * Anonymity is a property of what these ports can store (README "Pulse surveys"):
 * - `SurveyResponseRepository` holds in-progress answers and "has confirmed", keyed
 *   only by an HMAC of (round, person) under the server's SURVEY_SECRET; no person
 *   id, no time.
 * - `SurveyAnswerRepository` holds the answers after close: no person id, no key,
 *   no time finer than the close, inserted in random order.
 * - Invitations (who was asked) carry no answers.
 */

const localTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time as HH:mm, e.g. 10:00');
const isoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');

export const QUESTION_KINDS = ['agree5', 'scale10', 'choice', 'text'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export const surveyQuestionSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'expected a short id of lowercase letters, digits and _'),
    text: z.string().trim().min(3).max(300),
    /** agree5: 1–5 agreement; scale10: 0–10; choice: one of `options`; text: free text (always optional). */
    kind: z.enum(QUESTION_KINDS),
    options: z.array(z.string().trim().min(1).max(75)).min(2).max(10).optional(),
  })
  .refine((q) => (q.kind === 'choice') === Boolean(q.options), { message: 'a choice question needs 2–10 options; other kinds take none' });
export type SurveyQuestion = z.output<typeof surveyQuestionSchema>;

export const TEMPLATES = {
  enps: {
    name: 'eNPS',
    questions: [
      { id: 'enps', text: 'How likely are you to recommend working here to a friend?', kind: 'scale10' },
      { id: 'why', text: 'Why? (optional)', kind: 'text' },
    ],
  },
  engagement: {
    name: 'Engagement pulse',
    questions: [
      { id: 'workload', text: 'My workload is manageable.', kind: 'agree5' },
      { id: 'recognition', text: 'I get recognition when I do good work.', kind: 'agree5' },
      { id: 'growth', text: 'I am learning and growing here.', kind: 'agree5' },
      { id: 'manager', text: 'My manager supports me.', kind: 'agree5' },
      { id: 'purpose', text: 'I understand how my work contributes to our goals.', kind: 'agree5' },
    ],
  },
} as const satisfies Record<string, { name: string; questions: SurveyQuestion[] }>;
export type TemplateName = keyof typeof TEMPLATES;

export const audienceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('org') }),
  z.object({ kind: z.literal('teams'), teamIds: z.array(objectIdSchema).min(1).max(500) }),
]);
export type Audience = z.output<typeof audienceSchema>;

export const scheduleSchema = z.discriminatedUnion('kind', [
  /** One round: on `date` (default today) at `time` in each person's zone, or at once if that time has passed. */
  z.object({ kind: z.literal('once'), date: isoDateSchema.optional(), time: localTimeSchema.default('10:00') }),
  /** A round every `everyWeeks` weeks on `weekday` at `time` local, from the first such day on or after `startDate`. */
  z.object({
    kind: z.literal('recurring'),
    everyWeeks: z.number().int().min(1).max(52),
    weekday: z.number().int().min(1).max(7).describe('1 = Monday … 7 = Sunday'),
    time: localTimeSchema.default('10:00'),
    startDate: isoDateSchema,
  }),
]);
export type Schedule = z.output<typeof scheduleSchema>;

export const surveyInputSchema = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    template: z.enum(['enps', 'engagement', 'custom']).default('custom'),
    questions: z
      .array(surveyQuestionSchema)
      .min(1)
      .max(10)
      .refine((qs) => new Set(qs.map((q) => q.id)).size === qs.length, { message: 'question ids must not repeat' })
      .optional(),
    audience: audienceSchema,
    schedule: scheduleSchema,
    /** Working days the survey stays open after each person's invitation. */
    windowDays: z.number().int().min(1).max(15).default(3),
    /** Organisation-wide days off (no invitation, not counted in the window), as local dates. */
    holidays: z.array(isoDateSchema).max(366).default([]),
  })
  .strict()
  .refine((s) => (s.template === 'custom') === Boolean(s.questions), { message: 'a custom survey needs `questions`; a template brings its own', path: ['questions'] })
  .refine((s) => s.template !== 'custom' || Boolean(s.name), { message: 'a custom survey needs a name', path: ['name'] });
export type SurveyInput = z.input<typeof surveyInputSchema>;

export interface Survey {
  id: string;
  name: string;
  template: TemplateName | 'custom';
  questions: SurveyQuestion[];
  audience: Audience;
  schedule: Schedule;
  windowDays: number;
  holidays: string[];
  active: boolean;
  createdAt: Date;
}

export type RoundStatus = 'waiting' | 'open' | 'closing' | 'closed';

/** One sending of a survey. Its id is `<survey id>.<n>`. */
export interface SurveyRound {
  id: string;
  surveyId: string;
  n: number;
  name: string;
  questions: SurveyQuestion[];
  status: RoundStatus;
  /** Set while the fatigue guard holds the round back: until when and why. */
  waiting: { until: Date; reason: string } | null;
  openedAt: Date | null;
  /** The latest end of anyone's window: answers change until then; results after. */
  closesAt: Date | null;
  closedAt: Date | null;
  /** People invited, per audience team (a count, not who). */
  invited: number;
  invitedByTeam: Record<string, number>;
  teamNames: Record<string, string>;
}

/** Who was asked, when, and in which teams: no answers. `_id` = `<round>:<person>`. */
export interface Invitation {
  roundId: string;
  personId: string;
  teamIds: string[];
  inviteAt: Date;
  closesAt: Date;
  /** When the reminders are due (the invitation job queues them once it has sent the invitation). */
  remindAt: Date[];
}

export type AnswerValue = number | string;

/** An in-progress response: keyed by HMAC(round, person) only. */
export interface KeyedResponse {
  key: string;
  roundId: string;
  teamIds: string[];
  answers: Record<string, AnswerValue>;
  /** Index of the question being asked in the DM; `questions.length` is the summary; null when idle. */
  step: number | null;
  /** Confirmed: counted at the close (the answers can still change until then). Never unset. */
  finished: boolean;
}

/** An answer set after close: no person, no key, no time finer than the close. */
export interface AnonymousAnswer {
  surveyId: string;
  roundId: string;
  closedAt: Date;
  /** Only teams whose group was at or above the floor at close (see results.ts). */
  teamIds: string[];
  answers: Record<string, AnswerValue>;
}

export interface QuestionResult {
  id: string;
  text: string;
  kind: QuestionKind;
  answered: number;
  /** Mean of agree5 / scale10 answers; null for choice and text or when too few answered. */
  mean: number | null;
  /** Count per value (or per option label); empty when fewer than the floor answered. */
  distribution: Record<string, number>;
  /** Free-text comments in random order (text questions only). */
  comments: string[];
  /** Against the same group in the previous round; null without a comparable figure. */
  change: number | null;
}

export interface GroupResult {
  scope: 'org' | 'team';
  teamId: string | null;
  name: string;
  invited: number;
  respondents: number;
  responseRate: number;
  /** % promoters (9–10) minus % detractors (0–6) of the eNPS question; null when the survey has none. */
  enps: number | null;
  enpsChange: number | null;
  questions: QuestionResult[];
  /** This group's figures in the rounds it was shown, oldest first, this round last (at most TREND_ROUNDS). */
  trend: TrendPoint[];
}

/** One round of a group's trend: its eNPS and the mean of each 1–5 and 0–10 question (null where not shown). */
export interface TrendPoint {
  n: number;
  enps: number | null;
  means: Record<string, number | null>;
}

export const TREND_ROUNDS = 8;

/** Draws the distribution and trend picture of results for some groups (suppressed ones are never drawn); its absolute URL, or null. */
export interface SurveyPicture {
  url(results: RoundResults, groups: readonly (GroupResult | SuppressedGroup)[]): Promise<string | null>;
}

export interface SuppressedGroup {
  scope: 'org' | 'team';
  teamId: string | null;
  name: string;
  suppressed: true;
  reason: string;
}

export interface RoundResults {
  roundId: string;
  surveyId: string;
  n: number;
  name: string;
  closedAt: Date;
  minGroupSize: number;
  org: GroupResult | SuppressedGroup;
  teams: (GroupResult | SuppressedGroup)[];
}

export const isShown = (g: GroupResult | SuppressedGroup): g is GroupResult => !('suppressed' in g);

// ---- ports -------------------------------------------------------------

export interface SurveyRepository {
  create(survey: Omit<Survey, 'id' | 'createdAt'>, at: Date): Promise<Survey>;
  get(id: string): Promise<Survey | null>;
  list(): Promise<Survey[]>;
  setActive(id: string, active: boolean): Promise<Survey | null>;
}

export interface SurveyRoundRepository {
  /** Creates the round unless it exists; returns it either way. */
  createOnce(round: Omit<SurveyRound, 'openedAt' | 'closesAt' | 'closedAt' | 'invited' | 'invitedByTeam' | 'teamNames' | 'waiting'>): Promise<SurveyRound>;
  get(id: string): Promise<SurveyRound | null>;
  ofSurvey(surveyId: string): Promise<SurveyRound[]>;
  open(): Promise<SurveyRound[]>;
  /** The most recently closed rounds of any survey, newest first. */
  closed(limit: number): Promise<SurveyRound[]>;
  /** Applies `patch` only while the round is in one of `when` (atomic); null when it no longer is. */
  update(id: string, when: readonly RoundStatus[], patch: Partial<Omit<SurveyRound, 'id' | 'surveyId' | 'n'>>): Promise<SurveyRound | null>;
}

export interface InvitationRepository {
  upsertMany(invitations: Invitation[]): Promise<void>;
  get(roundId: string, personId: string): Promise<Invitation | null>;
  ofRound(roundId: string): Promise<Invitation[]>;
  /** After the close: who was invited is no longer kept. */
  deleteRound(roundId: string): Promise<number>;
}

/**
 * The keyed responses of open rounds. Every read and write of one response is
 * by `_id`, and the close reads a round's responses in a fixed number of
 * `_id` reads, whatever its size (see the store).
 */
export interface SurveyResponseRepository {
  /** Creates the keyed responses of a round's audience, each unless it exists (an open retried), in a few commands. */
  createMany(roundId: string, responses: readonly { key: string; teamIds: string[] }[]): Promise<void>;
  get(roundId: string, key: string): Promise<KeyedResponse | null>;
  /**
   * Changes one response atomically: `change` is applied to `response` (as read) and
   * written only if the stored response is still that one; otherwise to the stored
   * one, read again. Null when the response no longer exists (the round closed).
   */
  change(response: KeyedResponse, change: (current: KeyedResponse) => Partial<Pick<KeyedResponse, 'answers' | 'step' | 'finished'>>): Promise<KeyedResponse | null>;
  ofRound(roundId: string): Promise<KeyedResponse[]>;
  deleteRound(roundId: string): Promise<void>;
}

export interface SurveyAnswerRepository {
  /** Stores the round's anonymous answers (a retried close deletes the round's first: see `deleteRound`). */
  insertRound(roundId: string, answers: AnonymousAnswer[]): Promise<void>;
  /** Deletes the round's anonymous answers (a scan of every round's: only a retried close needs it). */
  deleteRound(roundId: string): Promise<void>;
}

export interface SurveyResultsRepository {
  /** Saves a closing round's results, before its anonymous answers are stored (see `answersStored`). */
  save(results: RoundResults): Promise<void>;
  /** Records that the round's anonymous answers are stored: a retried close then only finishes. */
  answersStored(roundId: string): Promise<void>;
  get(roundId: string): Promise<RoundResults | null>;
  /** The saved results of a closing round and whether its anonymous answers are stored. */
  ofClosing(roundId: string): Promise<{ results: RoundResults; answersStored: boolean } | null>;
}

/** What a claim on a person's invitation slot came to. */
export type FatigueClaim =
  | { ok: true; added: boolean }
  /** Refused: another round invites the person at `blockedBy`; `added` says whether this call left an entry to release. */
  | { ok: false; added: boolean; blockedBy: Date };

/**
 * The fatigue guard's record of who is invited when: one document per person
 * (`_id` = person id) with an entry per round. Every read and write is by
 * `_id` alone (FerretDB scans a collection for any other filter).
 */
export interface LastInvitedRepository {
  /**
   * Adds the round's entry for the person in one atomic update and judges it
   * by what was there before: refused when another round's entry is after
   * `notAfter`. Of two rounds claiming at once, the second to write sees the
   * first, so at most one passes.
   */
  claim(personId: string, roundId: string, at: Date, notAfter: Date): Promise<FatigueClaim>;
  /** Removes the round's entry (a refused round gives back what it added). */
  release(personId: string, roundId: string): Promise<void>;
}

export interface SurveyPorts {
  surveys: SurveyRepository;
  rounds: SurveyRoundRepository;
  invitations: InvitationRepository;
  responses: SurveyResponseRepository;
  answers: SurveyAnswerRepository;
  results: SurveyResultsRepository;
  lastInvited: LastInvitedRepository;
}

/** The survey settings from the configuration. */
export interface SurveyConfig {
  /** Server secret of the HMAC that keys in-progress responses (SURVEY_SECRET). */
  secret: string;
  /** Minimum group size for any figure (SURVEY_MIN_GROUP, never below 3). */
  minGroupSize: number;
  /** Nobody gets more than one survey in this many days (SURVEY_FATIGUE_DAYS). */
  fatigueDays: number;
}

export const SURVEY_JOBS = {
  open: 'survey.open',
  invite: 'survey.invite',
  remind: 'survey.remind',
  close: 'survey.close',
} as const;
