import type { Clock } from './clock.js';
import type { AuditEntry, AuditRepository, Page, PageQuery } from './ports.js';

/** Who changed what: every admin write leaves one entry, stamped by the core's clock. */
export class AuditLog {
  constructor(private readonly d: { audit: AuditRepository; clock: Clock }) {}

  record(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    return this.d.audit.record({ ...entry, at: this.d.clock.now() });
  }

  list(query: PageQuery & { target?: string | undefined }): Promise<Page<AuditEntry & { id: string }>> {
    return this.d.audit.list(query);
  }
}
