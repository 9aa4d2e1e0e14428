import type { AuditLog } from '../audit.js';
import { DomainError } from '../errors.js';
import type { Person } from '../people/people.types.js';
import type { IdentityRepository, PeopleRepository } from '../ports.js';
import type { ErasedCounts, LegalHold, PersonalDataStore, PersonalRecords } from './governance.types.js';
import type { LegalHolds } from './holds.js';

/** What `GET /people/{id}/export` answers: everything Tandem holds about one person. */
export interface PersonalExport extends PersonalRecords {
  exportedAt: Date;
  person: Person;
  identities: unknown[];
  legalHolds: LegalHold[];
}

/** The name and email an erased person keeps: no personal data, still unique. */
export const erasedAs = (personId: string) => ({ name: 'Erased person', email: `erased-${personId}@erased.invalid` });

/**
 * A person's right of access and right to erasure. The export is audited
 * (`person.export`); the erasure is an audited change (`person.erase`) whose
 * last step renames the person, so the audit reconciler can tell whether it
 * finished. A legal hold on the person or the organisation refuses it (409).
 */
export class PersonalData {
  constructor(
    private readonly d: {
      people: Pick<PeopleRepository, 'get' | 'update'>;
      identities: Pick<IdentityRepository, 'ofPerson'>;
      personalData: PersonalDataStore;
      holds: LegalHolds;
      audit: AuditLog;
      now: () => Date;
    },
  ) {}

  private async person(id: string): Promise<Person> {
    const person = await this.d.people.get(id);
    if (!person) throw new DomainError('not_found', `No person with id ${id}`, { id });
    return person;
  }

  async export(actor: string, personId: string): Promise<PersonalExport> {
    const person = await this.person(personId);
    const records = await this.d.personalData.collect(personId);
    const identities = await this.d.identities.ofPerson(personId);
    const legalHolds = (await this.d.holds.list()).filter((h) => h.personId === null || h.personId === personId);
    const counts = Object.fromEntries(Object.entries(records).map(([k, v]) => [k, (v as unknown[]).length]));
    await this.d.audit.record({ actor, action: 'person.export', target: `person:${personId}`, before: null, after: { identities: identities.length, ...counts } });
    return { exportedAt: this.d.now(), person, identities, legalHolds, ...records };
  }

  async erase(actor: string, personId: string): Promise<ErasedCounts> {
    await this.person(personId);
    if (await this.d.holds.isHeld(personId)) {
      throw new DomainError('conflict', `A legal hold pauses deletion of this person's data; lift it first (DELETE /people/${personId}/legal-hold or /legal-holds/org)`, { id: personId });
    }
    const replacement = erasedAs(personId);
    const change = { actor, action: 'person.erase', target: `person:${personId}`, before: { id: personId }, intended: { ...replacement, active: false } };
    return this.d.audit.change(
      change,
      async () => {
        const counts = await this.d.personalData.erase(personId, replacement);
        await this.d.people.update(personId, { ...replacement, active: false });
        return counts;
      },
      (counts) => ({ after: { ...replacement, active: false, erased: counts } }),
    );
  }
}
