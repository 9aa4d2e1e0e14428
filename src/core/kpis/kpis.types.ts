import { Duration } from 'luxon';
import { z } from 'zod';
import type { AlertSeverity } from '../alerts/alerts.types.js';
import { objectIdSchema } from '../people/people.types.js';
import { plainText } from '../text.js';
import { DEFAULT_STAT_SETTINGS, type StatSettings } from '../rhythm/statistics.js';

/** The largest baseline a KPI may ask for (samples). */
export const MAX_BASELINE = 200;

export const DIRECTIONS = ['higher_is_better', 'lower_is_better'] as const;
export type Direction = (typeof DIRECTIONS)[number];
export const PERSPECTIVES = ['financial', 'customer', 'process', 'learning'] as const;
export type Perspective = (typeof PERSPECTIVES)[number];
/** Who owns a KPI's alerts: the owner team's manager, or every member. */
export const OWNER_ROLES = ['manager', 'members'] as const;
export type OwnerRole = (typeof OWNER_ROLES)[number];
export type Rag = 'green' | 'amber' | 'red';

/** The part of a KPI that is versioned: changing any of it starts a new version. */
export interface KpiTerms {
  direction: Direction;
  target: number;
  stretch: number | null;
  /** The values beyond which the KPI is amber or red, on the bad side of the target. */
  thresholds: { amber: number; red: number };
}

export interface KpiVersion extends KpiTerms {
  version: number;
  /** Samples at or after this instant (and before the next version's) are judged by this version. */
  effectiveFrom: Date;
  createdBy: string;
  createdAt: Date;
}

/** Alert behaviour beyond the statistics: severities, auto-resolve and flapping. */
export interface AlertSettings {
  /** Severity of an alert raised on entering red / amber. */
  severities: { red: AlertSeverity; amber: AlertSeverity };
  /** Consecutive normal samples after which an open alert resolves itself. */
  resolveAfter: number;
  /** More than `opens` openings of one rule within `windowHours` hold the alert open, marked flapping. */
  flapping: { opens: number; windowHours: number };
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  severities: { red: 'critical', amber: 'warning' },
  resolveAfter: 3,
  flapping: { opens: 3, windowHours: 24 },
};

export interface Kpi extends KpiTerms {
  key: string;
  name: string;
  unit: string;
  perspective: Perspective;
  ownerTeamId: string;
  ownerRole: OwnerRole;
  /** Expected update frequency, an ISO 8601 duration (`PT1H`, `P1D`, `P1W`). */
  cadence: string;
  bounds: { min: number | null; max: number | null };
  statistics: StatSettings;
  alerts: AlertSettings;
  versions: KpiVersion[];
  /** When the newest sample arrived at Tandem (for stale detection), and its timestamp. */
  lastSampleAt: Date | null;
  staleSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const finite = z.number({ message: 'expected a number' }).refine(Number.isFinite, { message: 'expected a finite number' });
const cadenceSchema = z.string().refine((c) => {
  const d = Duration.fromISO(c);
  return d.isValid && d.as('minutes') >= 1;
}, { message: 'expected an ISO 8601 duration of at least a minute, e.g. PT1H, P1D, P1W' });
const severitySchema = z.enum(['critical', 'warning', 'exception', 'shift', 'stale', 'info']);

export const statSettingsSchema = z
  .object({
    baselineSize: z.number().int().min(8).max(MAX_BASELINE),
    minBaseline: z.number().int().min(8).max(200),
    sides: z.enum(['bad', 'both']),
    exception: z.boolean(),
    runRules: z.object({ twoOfThree: z.boolean(), fourOfFive: z.boolean(), eightInRow: z.boolean() }).partial().strict(),
  })
  .partial()
  .strict();

export const alertSettingsSchema = z
  .object({
    severities: z.object({ red: severitySchema, amber: severitySchema }).partial().strict(),
    resolveAfter: z.number().int().min(1).max(100),
    flapping: z.object({ opens: z.number().int().min(1).max(100), windowHours: z.number().min(1).max(24 * 30) }).partial().strict(),
  })
  .partial()
  .strict();

const boundsSchema = z.object({ min: finite.nullable().default(null), max: finite.nullable().default(null) }).strict();

/** Fields a KPI may be created or changed with (the key only at creation). */
const kpiFields = {
  name: plainText(z.string().trim().min(1).max(120)),
  unit: plainText(z.string().trim().max(20)).default(''),
  direction: z.enum(DIRECTIONS),
  target: finite,
  stretch: finite.nullable().default(null),
  thresholds: z.object({ amber: finite, red: finite }).strict(),
  perspective: z.enum(PERSPECTIVES),
  ownerTeamId: objectIdSchema,
  ownerRole: z.enum(OWNER_ROLES).default('manager'),
  cadence: cadenceSchema,
  bounds: boundsSchema.default({ min: null, max: null }),
  statistics: statSettingsSchema.default({}),
  alerts: alertSettingsSchema.default({}),
};

export const kpiKeySchema = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a URL-safe key: lower-case letters, digits, - and _ (e.g. checkout-conversion)');

export const kpiInputSchema = z.object({ key: kpiKeySchema, ...kpiFields }).strict();
export type KpiInput = z.output<typeof kpiInputSchema>;

/** A change to a KPI: any field but the key. Changing direction, target, stretch or thresholds starts a new version. */
export const kpiPatchSchema = z
  .object({
    name: kpiFields.name,
    unit: plainText(z.string().trim().max(20)),
    direction: kpiFields.direction,
    target: finite,
    stretch: finite.nullable(),
    thresholds: kpiFields.thresholds,
    perspective: kpiFields.perspective,
    ownerTeamId: objectIdSchema,
    ownerRole: z.enum(OWNER_ROLES),
    cadence: cadenceSchema,
    bounds: boundsSchema,
    statistics: statSettingsSchema,
    alerts: alertSettingsSchema,
    /** When changed terms take effect; defaults to now. Never before the current version's start. */
    effectiveFrom: z.coerce.date(),
  })
  .partial()
  .strict();
export type KpiPatch = z.output<typeof kpiPatchSchema>;

export const mergeStatSettings = (base: StatSettings, patch: z.output<typeof statSettingsSchema>): StatSettings => ({
  ...base,
  ...patch,
  runRules: { ...base.runRules, ...patch.runRules },
});

export const mergeAlertSettings = (base: AlertSettings, patch: z.output<typeof alertSettingsSchema>): AlertSettings => ({
  ...base,
  ...patch,
  severities: { ...base.severities, ...patch.severities },
  flapping: { ...base.flapping, ...patch.flapping },
});

export const DEFAULTS = { statistics: DEFAULT_STAT_SETTINGS, alerts: DEFAULT_ALERT_SETTINGS };

/** One value of a KPI at an instant. Its id is the KPI key and the instant, so a resend is the same sample. */
export interface Sample {
  kpiKey: string;
  at: Date;
  value: number;
  /** Flagged by detection as a 3σ exception (left out of later baselines). */
  exception: boolean;
  /** Marked by an owner as a data error (left out of baselines and of alerts). */
  dataError: boolean;
  /** Detection has judged this value (a correction is judged again). */
  judged: boolean;
  rag: Rag | null;
  version: number | null;
  /** Corrections, oldest first. */
  corrections: { value: number; replacedAt: Date; by: string }[];
  receivedAt: Date;
}

export const sampleInputSchema = z
  .object({
    at: z.coerce.date({ message: 'expected an ISO 8601 date-time' }).refine((d) => !Number.isNaN(d.getTime()), { message: 'expected an ISO 8601 date-time' }),
    value: z.number({ message: 'expected a finite number' }),
  })
  .strict();
export type SampleInput = z.output<typeof sampleInputSchema>;

/** What writing one sample did: inserted, unchanged (same value resent) or corrected (different value). */
export type SampleWrite = { outcome: 'inserted' | 'unchanged' | 'corrected'; sample: Sample; previous?: number };

/** A judged sample as the baseline and the run rules see it. */
export interface TailSample {
  at: Date;
  value: number;
  exception: boolean;
  dataError: boolean;
}

/**
 * What detection needs of a KPI, kept in one `_id`-keyed document so that
 * judging a sample reads no range of samples (FerretDB scans for any).
 */
export interface KpiTail {
  /**
   * Samples waiting to be judged, by instant with the revision written (corrections count up), oldest first;
   * with the value written and the sample's data error mark, so that judging it reads no sample (an entry
   * queued before values were kept has no value: its sample is read).
   */
  pending: PendingSample[];
  /** The latest judged samples, oldest first, at most `tailSize` of the KPI; data error marks applied. */
  recent: TailSample[];
  /** False when older judged samples were dropped from `recent` (a sample older than all of it needs a range read). */
  complete: boolean;
  /**
   * The rules whose alert may be open (detection alone opens a KPI rule's alert, under the lease, and notes
   * the rule here in the same write that takes its sample off the queue); null when not known yet (every
   * rule is looked up once). A normal sample looks up only these.
   */
  openRules: string[] | null;
}

export interface PendingSample {
  at: Date;
  revision: number;
  value?: number;
  dataError: boolean;
}

/** How detection judged a sample. */
export interface Judgement {
  at: Date;
  rag: Rag | null;
  version: number;
  exception: boolean;
}

export interface KpiRepository {
  get(key: string): Promise<Kpi | null>;
  /**
   * The KPI as the sample path and detection read it, from the process's cache: its definition and `staleSince`
   * are as current as `get`'s (every write of them drops the entry, in this process before it returns and in the
   * others through the cache's invalidation), its `lastSampleAt` may be older (noting a sample drops nothing).
   */
  definition(key: string): Promise<Kpi | null>;
  list(filter: { ownerTeamIds?: string[] }): Promise<Kpi[]>;
  /** Throws DomainError('conflict') when the key is taken. */
  create(kpi: Kpi): Promise<Kpi>;
  /** Replaces the definition (guarded on `updatedAt`, so two concurrent changes never lose one). */
  replace(kpi: Kpi, expectedUpdatedAt: Date): Promise<Kpi | null>;
  /** `lastSampleAt` moves to `at` if later. `writeSamples` notes the samples it queues, `dequeue` those given to it. */
  noteSample(key: string, at: Date): Promise<void>;
  markStale(key: string, since: Date | null): Promise<void>;

  /**
   * Writes each sample by its `_id` (KPI key + instant): insert, no-op, or a
   * correction that keeps the old value; then queues every new or corrected
   * one (and an unjudged one sent again) on the KPI's tail to be judged.
   * With `judgements` (detection ran before the write, under the lease), the
   * samples they name are inserted judged and never queued: a sample found
   * already stored is returned as found (or corrected), its judgement for the
   * caller to record. `afterInserts` runs once every sample is written,
   * beside the queueing and the count of the change (the caller's writes
   * that need the samples stored: the judged tail, the audit entry's
   * settling); it is awaited with them.
   */
  writeSamples(key: string, samples: SampleInput[], by: string, at: Date, judgements?: readonly Judgement[], afterInserts?: (writes: SampleWrite[]) => Promise<unknown>): Promise<SampleWrite[]>;
  getSample(key: string, at: Date): Promise<Sample | null>;
  /** Samples in [from, to], oldest first (an admin listing: a range read). */
  samples(key: string, range: { from?: Date | undefined; to?: Date | undefined; limit: number }): Promise<Sample[]>;
  /** The `limit` samples right before `at`, newest first (a range read: detection uses the tail). */
  samplesBefore(key: string, at: Date, limit: number): Promise<Sample[]>;
  /** Every KPI's samples in `[from, to)` (one read for the scorecard's roll-up), each KPI's in time order. */
  samplesBetween(from: Date, to: Date): Promise<Pick<Sample, 'kpiKey' | 'at' | 'value' | 'dataError' | 'rag'>[]>;
  markDataError(key: string, at: Date, dataError: boolean): Promise<Sample | null>;

  /**
   * The KPI's tail: what waits to be judged and the latest judged samples, in
   * one `_id` read. A KPI from before tails is given one from its history once
   * (range reads), holding up to `size` judged samples.
   */
  tail(key: string, size: number): Promise<KpiTail>;
  /** Records the judgements of samples (`_id` updates, several to a command). */
  judged(key: string, results: Judgement[]): Promise<void>;
  /**
   * Writes the tail's new `recent` and open rules, and takes the given entries
   * off the queue (those judged, as read): a correction queued since stays and is judged next. Only while
   * `holder` holds the lease (`held` false: it ran out and was taken, nothing written); `release` gives it
   * back in the same write. `pending`: what is left on the queue after it. `lastSampleAt`: noted in the same
   * write (see noteSample).
   */
  dequeue(key: string, holder: string, done: PendingSample[], tail: Pick<KpiTail, 'recent' | 'complete' | 'openRules'>, release: boolean, lastSampleAt?: Date): Promise<{ held: boolean; pending: number }>;

  /**
   * A per-KPI lease so one worker judges a KPI's samples in time order, taken only while samples wait on
   * the tail: the tail as it is under the lease (built from history once, as `tail`), or null when another
   * holder has it or nothing waits. `idle`: taken whether or not samples wait (a request about to write its own).
   */
  lease(key: string, holder: string, now: Date, ttlMs: number, size: number, idle?: boolean): Promise<KpiTail | null>;
  release(key: string, holder: string): Promise<void>;
  /** When the lease runs out, while it is held and samples wait (one `_id` read); null otherwise. */
  heldUntil(key: string, now: Date): Promise<Date | null>;
}
