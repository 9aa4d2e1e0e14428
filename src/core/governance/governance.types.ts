import type { AuditEntry } from '../ports.js';

/** A legal hold pauses deletion: of everything (`org`), or of one person's records. */
export interface LegalHold {
  /** `org` or `person:<id>`. */
  id: string;
  personId: string | null;
  reason: string;
  by: string;
  at: Date;
}

export interface LegalHoldRepository {
  list(): Promise<LegalHold[]>;
  get(id: string): Promise<LegalHold | null>;
  put(hold: LegalHold): Promise<LegalHold>;
  remove(id: string): Promise<boolean>;
}

/**
 * One kind of record with a retention period. Features register theirs
 * (a store module implements `purge`), so a new collection of personal data
 * comes with its own period, purged by the one retention job.
 */
export interface RetentionKind {
  kind: string;
  /** What the records are, for the admin API and the README. */
  description: string;
  defaultDays: number;
  /**
   * Deletes records older than `before`, in batches of `batch` by `_id`,
   * skipping every record about a person in `heldPeople`; returns how many.
   */
  purge(before: Date, opts: { heldPeople: ReadonlySet<string>; batch: number }): Promise<number>;
}

/** Everything Tandem holds about one person besides the person record and identities (those come from the directory). */
export interface PersonalRecords {
  checkins: unknown[];
  blockers: unknown[];
  kudosGiven: unknown[];
  kudosReceived: unknown[];
  consoleMessages: unknown[];
  auditEntries: (AuditEntry & { id: string })[];
}

/** How many records an erasure removed or anonymised, by kind. */
export type ErasedCounts = Record<string, number>;

/**
 * The store side of a person's data export and erasure. `erase` removes or
 * anonymises every personal field (free text, identities, console messages,
 * names and emails inside audit entries) and keeps what aggregates count
 * (check-in statuses and moods, kudos with their giver, recipients and values).
 * It is safe to run again.
 */
export interface PersonalDataStore {
  collect(personId: string): Promise<PersonalRecords>;
  erase(personId: string, replacement: { name: string; email: string }): Promise<ErasedCounts>;
}
