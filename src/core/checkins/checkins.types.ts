import { z } from 'zod';
import type { Page, PageQuery } from '../ports.js';
import { objectIdSchema } from '../people/people.types.js';
import { plainText } from '../text.js';

/** `HH:mm` on a 24-hour clock, read in each person's own time zone. */
const localTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time as HH:mm, e.g. 15:00');
const isoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');
const weekdaySchema = z.number().int().min(1, 'weekday: 1 = Monday … 7 = Sunday').max(7, 'weekday: 1 = Monday … 7 = Sunday');

export const questionSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'expected a short id of lowercase letters, digits and _'),
  text: plainText(z.string().trim().min(3).max(300)),
  kind: z.enum(['text', 'mood']).default('text'),
  optional: z.boolean().default(false),
});
export type Question = z.output<typeof questionSchema>;

/** The questions every team starts with; their ids carry meaning in summaries (progress, obstacles, priorities, mood). */
export const DEFAULT_QUESTIONS: Question[] = [
  { id: 'progress', text: "How did this week's priorities go?", kind: 'text', optional: false },
  { id: 'obstacles', text: 'Any obstacles? Where could you use help?', kind: 'text', optional: true },
  { id: 'priorities', text: 'What are your top priorities for next week?', kind: 'text', optional: false },
  { id: 'mood', text: 'How are you feeling, from 1 (rough) to 5 (great)?', kind: 'mood', optional: true },
];

export const timeOffSchema = z
  .object({ personId: objectIdSchema, from: isoDateSchema, to: isoDateSchema })
  .refine((t) => t.from <= t.to, { message: 'time off must end on or after its first day' });

export const checkinSettingsSchema = z.object({
  enabled: z.boolean().default(true),
  /** ISO weekday of the prompt: 1 = Monday … 7 = Sunday. */
  promptDay: weekdaySchema.default(5),
  promptTime: localTimeSchema.default('15:00'),
  questions: z
    .array(questionSchema)
    .min(1)
    .max(10)
    .refine((qs) => new Set(qs.map((q) => q.id)).size === qs.length, { message: 'question ids must not repeat' })
    .default(DEFAULT_QUESTIONS),
  reminders: z
    .object({
      /** Hours after the prompt; 0 turns this reminder off. */
      afterHours: z.number().min(0).max(72).default(4),
      /** A reminder on the next working morning, at `morningTime`. */
      nextMorning: z.boolean().default(true),
      morningTime: localTimeSchema.default('09:30'),
    })
    .default({ afterHours: 4, nextMorning: true, morningTime: '09:30' }),
  /** Answers are open until this weekday and local time after the prompt (default Monday 12:00). */
  deadline: z.object({ day: weekdaySchema, time: localTimeSchema }).default({ day: 1, time: '12:00' }),
  summary: z.object({ managerDm: z.boolean().default(true), teamChannel: z.boolean().default(false) }).default({ managerDm: true, teamChannel: false }),
  /** Team-wide days off (public holidays), as local dates. */
  holidays: z.array(isoDateSchema).max(366).default([]),
  timeOff: z.array(timeOffSchema).max(2000).default([]),
});
export type CheckinSettingsInput = z.input<typeof checkinSettingsSchema>;
export type CheckinSettingsValues = z.output<typeof checkinSettingsSchema>;

export interface CheckinSettings extends CheckinSettingsValues {
  teamId: string;
  /** Scheduler ids currently registered for the team, so a reconcile can remove stale ones. */
  schedulers: string[];
  updatedAt: Date | null;
}

export const defaultSettings = (teamId: string): CheckinSettings => ({
  ...checkinSettingsSchema.parse({}),
  teamId,
  schedulers: [],
  updatedAt: null,
});

export type CheckinStatus = 'pending' | 'answered' | 'skipped' | 'missed';
export const FINAL_STATUSES: readonly CheckinStatus[] = ['answered', 'skipped', 'missed'];

export interface Checkin {
  id: string;
  personId: string;
  teamId: string;
  /** ISO week of the prompt in the person's zone, e.g. `2026-W47`. */
  period: string;
  timeZone: string;
  status: CheckinStatus;
  answers: Record<string, string>;
  needsHelp: boolean;
  /** Questions as asked, frozen at the prompt so later settings changes do not reshape an open check-in. */
  questions: Question[];
  /** Last week's priorities, shown and carried forward. */
  previousPriorities: string | null;
  promptedAt: Date;
  deadlineAt: Date;
  answeredAt: Date | null;
  /** Set after the deadline passed without an answer arriving first. */
  late: boolean;
  /** Step-by-step answering in the DM: index into the steps, null when not answering that way. */
  step: number | null;
  snoozes: number;
  createdAt: Date;
  updatedAt: Date;
}

export type BlockerStatus = 'open' | 'acknowledged' | 'following_up' | 'resolved';

export interface Blocker {
  id: string;
  checkinId: string;
  personId: string;
  teamId: string;
  managerId: string | null;
  period: string;
  text: string;
  status: BlockerStatus;
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
}

export interface NewCheckin {
  personId: string;
  teamId: string;
  period: string;
  timeZone: string;
  questions: Question[];
  previousPriorities: string | null;
  promptedAt: Date;
  deadlineAt: Date;
}

export interface CheckinQuery extends PageQuery {
  teamId?: string | undefined;
  personId?: string | undefined;
  period?: string | undefined;
}

/** What the check-in service needs from the store. */
export interface CheckinRepository {
  getSettings(teamId: string): Promise<CheckinSettings | null>;
  saveSettings(teamId: string, values: CheckinSettingsValues, at: Date): Promise<CheckinSettings>;
  setSchedulers(teamId: string, schedulers: string[]): Promise<void>;
  allSettings(): Promise<CheckinSettings[]>;

  /** Creates the check-in unless one exists for (person, period); returns it and whether it was created. */
  createOnce(input: NewCheckin): Promise<{ checkin: Checkin; created: boolean }>;
  get(id: string): Promise<Checkin | null>;
  byPersonPeriod(personId: string, period: string): Promise<Checkin | null>;
  /** Whether each (person, period) has a check-in, in the order given: one read for all (a firing asks for 25 at a time). */
  exist(keys: readonly { personId: string; period: string }[]): Promise<boolean[]>;
  /** The person's most recent check-in before `period` (ISO week strings sort in time order). */
  previous(personId: string, period: string): Promise<Checkin | null>;
  /** Applies `patch` only while the check-in is in one of `whenStatus` (atomic); null when it no longer is. */
  update(id: string, whenStatus: readonly CheckinStatus[], patch: Partial<Pick<Checkin, 'status' | 'answers' | 'needsHelp' | 'answeredAt' | 'late' | 'step' | 'snoozes'>>, at: Date): Promise<Checkin | null>;
  /** The person's check-in currently being answered step by step, if any. */
  answeringStepByStep(personId: string): Promise<Checkin | null>;
  ofTeamPeriod(teamId: string, period: string): Promise<Checkin[]>;
  history(personId: string, limit: number): Promise<Checkin[]>;
  list(query: CheckinQuery): Promise<Page<Checkin>>;
  /** Counts by status, for participation. */
  countByStatus(filter: { teamId?: string; personId?: string; fromPeriod?: string; toPeriod?: string }): Promise<Record<CheckinStatus, number>>;

  /** One blocker per check-in (unique); returns it and whether it was created. */
  createBlocker(input: Omit<Blocker, 'id' | 'status' | 'createdAt' | 'updatedAt' | 'resolvedAt'>, at: Date): Promise<{ blocker: Blocker; created: boolean }>;
  getBlocker(id: string): Promise<Blocker | null>;
  setBlockerStatus(id: string, status: BlockerStatus, at: Date): Promise<Blocker | null>;
  updateBlockerText(id: string, text: string, at: Date): Promise<Blocker | null>;
  blockerOf(checkinId: string): Promise<Blocker | null>;
  openBlockers(personId: string): Promise<Blocker[]>;
}
