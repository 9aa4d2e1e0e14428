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
import { createSurveys } from './surveys/surveys.js';
import type { SurveyConfig, SurveyPorts } from './surveys/surveys.types.js';

export interface CorePorts {
  people: PeopleRepository;
  teams: TeamRepository;
  identities: IdentityRepository;
  postedMessages: PostedMessageRepository;
  audit: AuditRepository;
  recognition: RecognitionRepository;
  checkins: CheckinRepository;
  surveys: SurveyPorts;
  surveyConfig: SurveyConfig;
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
  // Before check-ins: a typed reply while a survey question is being asked is the survey's.
  const surveys = createSurveys({ store: ports.surveys, people: ports.people, teams: ports.teams, messenger, scheduler: ports.scheduler, clock: ports.clock, logger: ports.logger, config: ports.surveyConfig });
  surveys.register(interactions, tandem);
  const checkins = new CheckinService(ports.checkins, ports.people, ports.teams, messenger, ports.scheduler, ports.clock, ports.logger);
  checkins.register(interactions, tandem);
  return { ports, interactions, tandem, messenger, people, recognition, checkins, surveys };
}

export type Core = ReturnType<typeof createCore>;
