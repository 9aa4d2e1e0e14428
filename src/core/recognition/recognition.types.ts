import { z } from 'zod';
import type { Page, PageQuery } from '../ports.js';
import type { Platform, TeamChannels } from '../people/people.types.js';
import { objectIdSchema, teamChannelsSchema } from '../people/people.types.js';

/** A company value kudos are tied to, written `#name` in chat. */
export interface CompanyValue {
  /** Lower-case slug used as the hashtag, e.g. `ownership`. */
  name: string;
  /** How it is shown, e.g. `Ownership`. */
  label: string;
  description: string;
}

export const companyValueSchema = z.object({
  name: z
    .string()
    .trim()
    .min(2)
    .max(40)
    .transform((n) => n.normalize('NFC').replace(/^#/, '').toLowerCase())
    .refine((n) => /^[\p{L}\p{N}][\p{L}\p{N}_-]*$/u.test(n), { message: 'expected a hashtag word: letters, digits, - or _ (e.g. ownership)' })
    .describe('The hashtag, without #'),
  label: z.string().trim().min(1).max(80).optional().describe('Display name; defaults to the name capitalised'),
  description: z.string().trim().max(300).default('').describe('What the value means, shown in the kudos form'),
});

export const companyValuesSchema = z
  .array(companyValueSchema)
  .max(30)
  .refine((vs) => new Set(vs.map((v) => v.name)).size === vs.length, { message: 'value names must not repeat' })
  .transform((vs): CompanyValue[] => vs.map((v) => ({ name: v.name, label: v.label ?? v.name.charAt(0).toUpperCase() + v.name.slice(1), description: v.description })));

/** How recognition works in this company; one document, changed through the admin API. */
export interface RecognitionSettings {
  values: CompanyValue[];
  /** Whether a kudos must name at least one value (only when values are configured). */
  requireValue: boolean;
  /** Shortest reason accepted, in characters as people count them. */
  minReasonLength: number;
  /** Recipients a giver may recognise per ISO week, in their own time zone. */
  weeklyBudget: number;
  /** Post public kudos to the recipients' team channels; off keeps kudos to DMs. */
  channelPosts: boolean;
  /** Per team: where its kudos are posted instead of the team's own channel; null turns posting off for that team. */
  teamChannels: Record<string, TeamChannels | null>;
  /** A manager sees people of their teams not recognised in this many weeks. */
  quietWeeks: number;
  /** How far back `/kudos stats` looks. */
  statsWeeks: number;
}

export const DEFAULT_SETTINGS: RecognitionSettings = {
  values: [],
  requireValue: true,
  minReasonLength: 10,
  weeklyBudget: 5,
  channelPosts: true,
  teamChannels: {},
  quietWeeks: 4,
  statsWeeks: 12,
};

export const settingsPatchSchema = z
  .object({
    values: companyValuesSchema,
    requireValue: z.boolean(),
    minReasonLength: z.number().int().min(1).max(500),
    weeklyBudget: z.number().int().min(1).max(100),
    channelPosts: z.boolean(),
    teamChannels: z.record(objectIdSchema, teamChannelsSchema.unwrap().nullable()),
    quietWeeks: z.number().int().min(1).max(52),
    statsWeeks: z.number().int().min(1).max(104),
  })
  .partial()
  .strict();
export type SettingsPatch = z.output<typeof settingsPatchSchema>;

export interface Kudos {
  id: string;
  giverId: string;
  recipientIds: string[];
  reason: string;
  values: string[];
  private: boolean;
  platform: Platform;
  /** The giver's ISO week the kudos counts against, e.g. `2026-W47`. */
  week: string;
  createdAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokeReason: string | null;
}

export type NewKudos = Omit<Kudos, 'id' | 'revokedAt' | 'revokedBy' | 'revokeReason'>;

export interface KudosFilter {
  giverId?: string | undefined;
  recipientId?: string | undefined;
  value?: string | undefined;
  /** Kudos given or received by any of these people (a team's members). */
  involving?: string[] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  includeRevoked?: boolean | undefined;
}

/** What the recognition use cases need from the store (idempotency keys are the shared Claims). */
export interface RecognitionRepository {
  settings(): Promise<RecognitionSettings>;
  updateSettings(patch: SettingsPatch): Promise<RecognitionSettings>;

  /**
   * Takes `n` of the giver's `budget` slots for `week` on behalf of `holder`
   * (a give attempt), all or none. Never lets the giver hold more than
   * `budget`, whatever the concurrency. `used` is the count after taking, or
   * what was already used when refused.
   */
  spendBudget(giverId: string, week: string, n: number, budget: number, holder: string): Promise<{ ok: boolean; used: number }>;
  /** Hands the slots of a give attempt to the kudos it paid for. */
  bindBudget(holder: string, kudosId: string): Promise<void>;
  /** Gives back the slots of a give attempt or of a kudos (by its id). */
  releaseBudget(holder: string): Promise<void>;
  budgetUsed(giverId: string, week: string): Promise<number>;

  insert(kudos: NewKudos): Promise<Kudos>;
  get(id: string): Promise<Kudos | null>;
  /** Marks a kudos revoked unless it already is; null when it was not found or already revoked. */
  revoke(id: string, by: string, reason: string, at: Date): Promise<Kudos | null>;
  list(filter: KudosFilter & PageQuery): Promise<Page<Kudos>>;
  /** Every kudos matching, oldest first, for exports and stats. */
  scan(filter: KudosFilter): AsyncIterable<Kudos>;
}

/** What `/kudos stats` tells a person. */
export interface PersonalStats {
  since: Date;
  received: { total: number; byValue: Record<string, number> };
  given: { total: number; byValue: Record<string, number> };
  budget: BudgetState;
}

export interface BudgetState {
  budget: number;
  used: number;
  left: number;
  week: string;
  resetsAt: Date;
  timeZone: string;
}

export interface TeamStats {
  teamId: string;
  teamName: string;
  since: Date;
  total: number;
  byValue: Record<string, number>;
  /** Members not recognised in the last `quietWeeks` weeks. */
  quiet: { personId: string; lastRecognisedAt: Date | null }[];
  quietWeeks: number;
  /** Pairs who recognised only each other over the period. */
  reciprocal: { a: string; b: string; count: number }[];
}
