import { Interactions } from './chat/interactions.js';
import { CheckinService } from './checkins/checkins.service.js';
import type { CheckinRepository } from './checkins/checkins.types.js';
import { Messenger } from './chat/messenger.js';
import type { Clock } from './clock.js';
import { registerHelp, TandemCommand } from './help/help.service.js';
import type { Logger } from './logger.js';
import { OncallChat } from './oncall/oncall.chat.js';
import type { OncallRepository } from './oncall/oncall.types.js';
import { PolicyService } from './oncall/policies.js';
import { ScheduleService } from './oncall/schedules.js';
import { PeopleService } from './people/people.service.js';
import type { AuditRepository, IdentityRepository, PeopleRepository, PostedMessageRepository, Scheduler, TeamRepository } from './ports.js';
import { RecognitionService } from './recognition/recognition.service.js';
import type { RecognitionRepository } from './recognition/recognition.types.js';

export interface CorePorts {
  people: PeopleRepository;
  teams: TeamRepository;
  identities: IdentityRepository;
  postedMessages: PostedMessageRepository;
  audit: AuditRepository;
  recognition: RecognitionRepository;
  checkins: CheckinRepository;
  oncall: OncallRepository;
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
  const schedules = new ScheduleService({ repo: ports.oncall, people: ports.people, teams: ports.teams, audit: ports.audit, messenger, clock: ports.clock, logger: ports.logger });
  new OncallChat(schedules, ports.teams, messenger, ports.clock).register(tandem);
  const policies = new PolicyService(ports.oncall, ports.people);
  return { ports, interactions, tandem, messenger, people, recognition, checkins, schedules, policies };
}

export type Core = ReturnType<typeof createCore>;
