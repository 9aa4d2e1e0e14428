import type { AuditLog } from '../audit.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { IdentityRepository, PeopleRepository } from '../ports.js';
import type { LegalHoldRepository, PersonalDataStore } from './governance.types.js';
import { LegalHolds } from './holds.js';
import { PersonalData } from './personal-data.js';
import { Retention } from './retention.js';

/** Data governance: retention periods and their purge, legal holds, a person's export and erasure. */
export function createGovernance(d: {
  holds: LegalHoldRepository;
  personalData: PersonalDataStore;
  people: PeopleRepository;
  identities: IdentityRepository;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  retentionDays: Readonly<Record<string, number>>;
}) {
  const holds = new LegalHolds({ holds: d.holds, people: d.people, audit: d.audit, clock: d.clock });
  const retention = new Retention({ holds: d.holds, clock: d.clock, logger: d.logger, overrides: d.retentionDays });
  const personal = new PersonalData({ people: d.people, identities: d.identities, personalData: d.personalData, holds, audit: d.audit, now: () => d.clock.now() });
  return { holds, retention, personal };
}

export type Governance = ReturnType<typeof createGovernance>;
