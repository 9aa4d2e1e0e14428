import type { Clock } from './clock.js';
import { DomainError } from './errors.js';
import type { Logger } from './logger.js';
import type { AuditEntry, AuditRepository, Page, PageQuery } from './ports.js';

/** A change about to be made: who, what, on which target, the state before and the state intended. */
export interface AuditedChange {
  actor: string;
  action: string;
  /** `<kind>:<id>`; a create whose id is not known yet uses `<kind>:new` (its check locates the record). */
  target: string;
  before: unknown;
  /** The fields the change sets (a create's input, an update's patch), or null for a delete. */
  intended: unknown;
}

/**
 * What is in place now for a pending entry: the target it resolved to and its
 * current state (null when the record does not exist). Registered per target
 * kind (the text before the first `:`) by whoever owns that kind of record.
 */
export type AuditCheck = (entry: AuditEntry & { id: string }) => Promise<{ target: string; state: unknown }>;

/** An audited change under way (AuditLog.begin). */
export interface AuditedStep {
  /** Settles once the pending entry is written; rejects when it could not be (nothing may then be written). */
  begun: Promise<void>;
  /** The change is in place: the entry is marked done, with the target and state after when given. */
  done(outcome?: { target?: string; after?: unknown }): Promise<void>;
  /** The change failed with `err` (or was refused): the entry is marked failed, or removed for a refusal. */
  failed(err: unknown): Promise<void>;
}

/** How long a pending entry may be in flight before the reconciler decides it. */
export const PENDING_GRACE_MS = 60_000;

/**
 * Who changed what. Every audited write follows one protocol, so that the
 * audit entry and the change it describes cannot stay apart:
 *
 * 1. `change()` first inserts the entry as `pending`, with the state before
 *    and the intended change;
 * 2. it applies the change (one atomic single-document write, or a sequence
 *    that is safe to repeat);
 * 3. it marks the entry `done` with the state after, or `failed` with the error
 *    (a refusal, DomainError, removes the entry instead: nothing happened).
 *
 * A process that dies between 1 and 3 leaves a pending entry; `reconcile()`
 * (at boot and every few minutes, on the system queue) reads the target
 * through the check registered for its kind and marks the entry `done` when
 * the intended change is in place, `failed` when it is not. The same protocol
 * runs on MongoDB and FerretDB (no transactions), so both behave alike.
 */
export class AuditLog {
  private readonly checks = new Map<string, AuditCheck>();

  constructor(private readonly d: { audit: AuditRepository; clock: Clock; logger: Logger }) {}

  /** Registers how to read the current state of a target kind (`person`, `team`, `kudos`, ...). */
  addCheck(kind: string, check: AuditCheck): void {
    this.checks.set(kind, check);
  }

  /** Runs `apply` as an audited change; `after` turns its result into the recorded state after (and target, for a create). */
  async change<T>(change: AuditedChange, apply: () => Promise<T>, after?: (result: T) => { target?: string; after: unknown }): Promise<T> {
    const entry = this.begin(change);
    await entry.begun;
    let result: T;
    try {
      result = await apply();
    } catch (err) {
      await entry.failed(err);
      throw err;
    }
    await entry.done(after ? after(result) : undefined);
    return result;
  }

  /**
   * The protocol of `change` in steps, for a change that prepares before it writes (a KPI request judges its samples
   * first): the entry's insert starts now and runs beside the preparation, and the caller awaits `begun` before its
   * first write of the data, so the entry is still written before the data. Then `done` once the data is written,
   * or `failed` with what was thrown (a DomainError before any write: the entry goes, as `change` does).
   */
  begin(change: AuditedChange): AuditedStep {
    const { intended, ...rest } = change;
    const id = this.d.audit.begin({ ...rest, after: intended, at: this.d.clock.now(), status: 'pending' });
    const begun = id.then(() => undefined);
    // Handled here too: an insert refused while the caller is still preparing is not an unhandled rejection (which
    // would end the process); the caller meets the refusal when it awaits `begun`.
    begun.catch(() => undefined);
    return {
      begun,
      done: async (outcome) => this.d.audit.settle(await id, 'done', outcome ?? {}),
      failed: async (err) => {
        const begun = await id.catch(() => null);
        if (begun === null) return;
        // A refusal (a DomainError: conflict, not found) changed nothing and is no event: its entry goes, as if never
        // begun, so a refused request writes nothing. Any other failure stays on record as failed.
        const settled = err instanceof DomainError ? this.d.audit.discard(begun) : this.d.audit.settle(begun, 'failed', { error: err instanceof Error ? err.message : String(err) });
        await settled.catch((settleErr: unknown) => this.d.logger.warn({ err: settleErr, id: begun }, 'audit: could not settle a failed change; the reconciler will'));
      },
    };
  }

  /** An event that changes nothing (an export): recorded as done at once. */
  async record(entry: Omit<AuditEntry, 'at' | 'status'>): Promise<void> {
    const id = await this.d.audit.begin({ ...entry, at: this.d.clock.now(), status: 'pending' });
    await this.d.audit.settle(id, 'done', {});
  }

  list(query: PageQuery & { target?: string | undefined }): Promise<Page<AuditEntry & { id: string }>> {
    return this.d.audit.list(query);
  }

  /** Decides every entry pending for longer than the grace period; returns how many became done and failed. */
  async reconcile(): Promise<{ done: number; failed: number }> {
    const olderThan = new Date(this.d.clock.now().getTime() - PENDING_GRACE_MS);
    const counts = { done: 0, failed: 0 };
    for (const entry of await this.d.audit.pending(olderThan)) {
      const kind = entry.target.slice(0, entry.target.indexOf(':'));
      const check = this.checks.get(kind);
      if (!check) {
        await this.d.audit.settle(entry.id, 'failed', { error: `no check for "${kind}": outcome unknown` });
        counts.failed += 1;
        continue;
      }
      const now = await check(entry);
      if (inPlace(entry.after, now.state)) {
        await this.d.audit.settle(entry.id, 'done', { target: now.target, after: now.state });
        counts.done += 1;
      } else {
        await this.d.audit.settle(entry.id, 'failed', { error: 'the change is not in place (found by the reconciler)' });
        counts.failed += 1;
      }
    }
    if (counts.done + counts.failed) this.d.logger.info(counts, 'audit: pending entries reconciled');
    return counts;
  }
}

/** Canonical JSON (sorted keys, dates as ISO strings), so equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
    return v;
  });
}

/** Whether the intended change is what is there now: null means gone; otherwise every intended field has its value. */
export function inPlace(intended: unknown, state: unknown): boolean {
  if (intended === null || intended === undefined) return state === null;
  if (state === null || typeof state !== 'object' || typeof intended !== 'object') return canonical(intended) === canonical(state);
  const now = state as Record<string, unknown>;
  return Object.entries(intended as Record<string, unknown>).every(([k, v]) => v === undefined || canonical(v) === canonical(now[k]));
}
