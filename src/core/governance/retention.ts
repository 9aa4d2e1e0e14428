import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { LegalHoldRepository, RetentionKind } from './governance.types.js';

const DAY_MS = 86_400_000;
/** Records deleted per round trip: small enough not to hold a FerretDB write for long. */
export const PURGE_BATCH = 500;

export interface RetentionPeriod {
  kind: string;
  description: string;
  days: number;
  defaultDays: number;
}

/**
 * Retention periods by kind of record, and the purge the daily job runs. Kinds
 * are registered by the features that own the records; `RETENTION_DAYS`
 * overrides their default periods. A legal hold on the organisation pauses
 * every purge; a hold on a person keeps every record about them.
 */
export class Retention {
  private readonly kinds = new Map<string, RetentionKind>();

  constructor(private readonly d: { holds: Pick<LegalHoldRepository, 'list'>; clock: Clock; logger: Logger; overrides: Readonly<Record<string, number>> }) {}

  register(kind: RetentionKind): void {
    if (this.kinds.has(kind.kind)) throw new Error(`retention kind "${kind.kind}" registered twice`);
    this.kinds.set(kind.kind, kind);
  }

  /** Throws when an override names a kind nobody registered (called once every feature has registered). */
  check(): void {
    const unknown = Object.keys(this.d.overrides).filter((k) => !this.kinds.has(k));
    if (unknown.length) throw new Error(`RETENTION_DAYS names unknown kinds: ${unknown.join(', ')} (known: ${[...this.kinds.keys()].join(', ')})`);
  }

  periods(): RetentionPeriod[] {
    return [...this.kinds.values()].map((k) => ({ kind: k.kind, description: k.description, days: this.d.overrides[k.kind] ?? k.defaultDays, defaultDays: k.defaultDays }));
  }

  /** Deletes what is past its period, unless held; returns what was purged by kind (null: paused by an organisation-wide hold). */
  async purge(): Promise<Record<string, number> | null> {
    const holds = await this.d.holds.list();
    if (holds.some((h) => h.personId === null)) {
      this.d.logger.info({ holds: holds.length }, 'retention: paused by an organisation-wide legal hold');
      return null;
    }
    const heldPeople = new Set(holds.flatMap((h) => (h.personId ? [h.personId] : [])));
    const now = this.d.clock.now().getTime();
    const purged: Record<string, number> = {};
    for (const period of this.periods()) {
      const kind = this.kinds.get(period.kind);
      if (!kind) continue;
      const before = new Date(now - period.days * DAY_MS);
      purged[period.kind] = await kind.purge(before, { heldPeople, batch: PURGE_BATCH });
    }
    this.d.logger.info({ purged, heldPeople: heldPeople.size }, 'retention: records past their period purged');
    return purged;
  }
}
