import type { AuditLog } from '../audit.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { PeopleRepository } from '../ports.js';
import type { LegalHold, LegalHoldRepository } from './governance.types.js';

export const ORG_HOLD = 'org';
export const personHold = (personId: string) => `person:${personId}`;

/** Placing and lifting legal holds, each an audited change (`legal_hold.place|lift`, target `legal-hold:<id>`). */
export class LegalHolds {
  constructor(private readonly d: { holds: LegalHoldRepository; people: Pick<PeopleRepository, 'get'>; audit: AuditLog; clock: Clock }) {
    d.audit.addCheck('legal-hold', async (e) => ({ target: e.target, state: await d.holds.get(e.target.slice('legal-hold:'.length)) }));
  }

  list(): Promise<LegalHold[]> {
    return this.d.holds.list();
  }

  /** Whether deletion of this person's records is paused (by a hold on them or on the organisation). */
  async isHeld(personId: string): Promise<boolean> {
    return (await this.d.holds.get(ORG_HOLD)) !== null || (await this.d.holds.get(personHold(personId))) !== null;
  }

  /** Places (or replaces) a hold on the organisation (no personId) or on one person. */
  async place(actor: string, reason: string, personId?: string): Promise<LegalHold> {
    if (personId && !(await this.d.people.get(personId))) throw new DomainError('not_found', `No person with id ${personId}`, { id: personId });
    const id = personId ? personHold(personId) : ORG_HOLD;
    const hold: LegalHold = { id, personId: personId ?? null, reason, by: actor, at: this.d.clock.now() };
    const before = await this.d.holds.get(id);
    const change = { actor, action: 'legal_hold.place', target: `legal-hold:${id}`, before, intended: { personId: hold.personId, reason, by: actor } };
    return this.d.audit.change(change, () => this.d.holds.put(hold), (after) => ({ after }));
  }

  async lift(actor: string, personId?: string): Promise<void> {
    const id = personId ? personHold(personId) : ORG_HOLD;
    const before = await this.d.holds.get(id);
    if (!before) throw new DomainError('not_found', personId ? `No legal hold on the person ${personId}` : 'No organisation-wide legal hold', { id });
    await this.d.audit.change({ actor, action: 'legal_hold.lift', target: `legal-hold:${id}`, before, intended: null }, () => this.d.holds.remove(id), () => ({ after: null }));
  }
}
