import { Interactions } from './chat/interactions.js';
import { CheckinService } from './checkins/checkins.service.js';
import type { CheckinRepository } from './checkins/checkins.types.js';
import { Messenger } from './chat/messenger.js';
import type { Clock } from './clock.js';
import { registerHelp, TandemCommand } from './help/help.service.js';
import type { Logger } from './logger.js';
import { PeopleService } from './people/people.service.js';
import type { AuditRepository, IdentityRepository, PeopleRepository, PostedMessageRepository, Scheduler, TeamRepository } from './ports.js';
import { RecognitionService } from './recognition/recognition.service.js';
import type { RecognitionRepository } from './recognition/recognition.types.js';
import type { AlertNotifier, AlertRepository } from './alerts/alerts.types.js';
import type { IntegrationRepository } from './alerts/intakes.js';
import { OwnerDmNotifier } from './alerts/notify.js';
import type { KpiRepository } from './kpis/kpis.types.js';
import { createAlerts, createKpis } from './kpis/kpis.module.js';

export interface CorePorts {
  people: PeopleRepository;
  teams: TeamRepository;
  identities: IdentityRepository;
  postedMessages: PostedMessageRepository;
  audit: AuditRepository;
  recognition: RecognitionRepository;
  checkins: CheckinRepository;
  kpis: KpiRepository;
  alerts: AlertRepository;
  integrations: IntegrationRepository;
  /** Who hears about alerts; the owner team's manager(s) by DM unless on-call replaces it. */
  alertNotifier?: (messenger: Messenger) => AlertNotifier;
  scheduler: Scheduler;
  clock: Clock;
  logger: Logger;
}

/**
 * Builds every core service over the given ports. Platform adapters register
 * on `messenger` and call `interactions`; jobs call the services.
 */
export function createCore(ports: CorePorts) {
  const interactions = new Interactions(ports.logger);
  const tandem = new TandemCommand(interactions);
  const messenger = new Messenger(ports.identities, ports.postedMessages, ports.clock);
  const people = new PeopleService(ports.people, ports.identities, ports.clock);
  registerHelp(interactions, tandem);
  const recognition = new RecognitionService({ repo: ports.recognition, people: ports.people, teams: ports.teams, messenger, scheduler: ports.scheduler, clock: ports.clock, logger: ports.logger });
  recognition.register(interactions);
  const checkins = new CheckinService(ports.checkins, ports.people, ports.teams, messenger, ports.scheduler, ports.clock, ports.logger);
  checkins.register(interactions, tandem);
  const ownerRole = async (key: string) => (await ports.kpis.get(key))?.ownerRole ?? 'manager';
  const notifier = ports.alertNotifier?.(messenger) ?? new OwnerDmNotifier({ teams: ports.teams, messenger, logger: ports.logger, ownerRole });
  const kpiDeps = { kpis: ports.kpis, alerts: ports.alerts, notifier, teams: ports.teams, people: ports.people, audit: ports.audit, scheduler: ports.scheduler, clock: ports.clock, logger: ports.logger };
  const kpis = createKpis(kpiDeps, { interactions, tandem });
  const alerts = createAlerts(kpiDeps, ports.integrations);
  return { ports, interactions, tandem, messenger, people, recognition, checkins, kpis, alerts };
}

export type Core = ReturnType<typeof createCore>;
