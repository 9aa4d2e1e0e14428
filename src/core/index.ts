import { AuditLog } from './audit.js';
import { Interactions } from './chat/interactions.js';
import { Messenger } from './chat/messenger.js';
import { createCheckins } from './checkins/checkins.js';
import type { CheckinRepository } from './checkins/checkins.types.js';
import { CHECKINS_HELP } from './checkins/checkins.views.js';
import type { Clock } from './clock.js';
import { registerHelp, TandemCommand } from './help/help.service.js';
import type { CacheInvalidation } from './invalidation.js';
import type { Logger } from './logger.js';
import { DirectoryLookup } from './people/lookup.js';
import { managePeople, manageTeams } from './people/manage.js';
import { PeopleService } from './people/people.service.js';
import type { AuditRepository, IdentityRepository, PeopleRepository, PostedMessageRepository, Scheduler, TeamRepository } from './ports.js';
import { createRecognition } from './recognition/recognition.js';
import type { RecognitionRepository } from './recognition/recognition.types.js';
import { KUDOS_HELP } from './recognition/recognition.views.js';
import type { Claims } from './rhythm/claims.js';
import type { AlertNotifier, AlertRepository } from './alerts/alerts.types.js';
import type { IntegrationRepository } from './alerts/intakes.js';
import { OwnerDmNotifier } from './alerts/notify.js';
import type { KpiRepository } from './kpis/kpis.types.js';
import { createAlerts, createKpis } from './kpis/kpis.module.js';
import { KPI_HELP } from './kpis/kpis.views.js';

/** What the core is built over: the store's repositories, the scheduler, the clock and the logger. */
export interface CorePorts {
  people: PeopleRepository;
  teams: TeamRepository;
  identities: IdentityRepository;
  postedMessages: PostedMessageRepository;
  audit: AuditRepository;
  recognition: RecognitionRepository;
  checkins: CheckinRepository;
  claims: Claims;
  kpis: KpiRepository;
  alerts: AlertRepository;
  integrations: IntegrationRepository;
  /** Who hears about alerts; the owner team's manager(s) by DM unless on-call replaces it. */
  alertNotifier?: (messenger: Messenger) => AlertNotifier;
  scheduler: Scheduler;
  clock: Clock;
  logger: Logger;
  invalidation: CacheInvalidation;
}

/**
 * Builds every feature over the given ports and hands out use cases only:
 * adapters register on `messenger` and call `interactions`, `people`
 * (identify) and `directory.lookup`; admin routes call `directory.people`,
 * `directory.teams` (which write their own audit entries) and the features'
 * operations; jobs call the features' operations.
 */
export function createCore(ports: CorePorts) {
  const interactions = new Interactions(ports.logger);
  const tandem = new TandemCommand(interactions);
  const messenger = new Messenger(ports.identities, ports.postedMessages, ports.clock);
  const people = new PeopleService(ports.people, ports.identities, ports.clock);
  const audit = new AuditLog(ports);
  const directory = {
    lookup: new DirectoryLookup(ports),
    people: managePeople({ ...ports, audit }),
    teams: manageTeams({ ...ports, audit }),
  };
  registerHelp(interactions, tandem);
  const recognition = createRecognition({ ...ports, messenger }, interactions);
  tandem.feature(KUDOS_HELP);
  const checkins = createCheckins({ ...ports, messenger }, { interactions, tandem });
  tandem.feature(CHECKINS_HELP);
  const ownerRole = async (key: string) => (await ports.kpis.get(key))?.ownerRole ?? 'manager';
  const notifier = ports.alertNotifier?.(messenger) ?? new OwnerDmNotifier({ teams: ports.teams, messenger, logger: ports.logger, ownerRole });
  const kpiDeps = { kpis: ports.kpis, alerts: ports.alerts, notifier, teams: ports.teams, people: ports.people, audit, scheduler: ports.scheduler, clock: ports.clock, logger: ports.logger };
  const kpis = createKpis(kpiDeps, { interactions, tandem });
  tandem.feature(KPI_HELP);
  const alerts = createAlerts(kpiDeps, ports.integrations);
  return { clock: ports.clock, audit, interactions, tandem, messenger, people, directory, recognition, checkins, kpis, alerts };
}

export type Core = ReturnType<typeof createCore>;
