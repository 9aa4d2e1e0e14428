import { AuditLog } from './audit.js';
import { Interactions } from './chat/interactions.js';
import { Messenger } from './chat/messenger.js';
import { createCheckins } from './checkins/checkins.js';
import type { CheckinRepository } from './checkins/checkins.types.js';
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
import type { Claims } from './rhythm/claims.js';
import { createSurveys } from './surveys/surveys.js';
import type { SurveyConfig, SurveyPorts } from './surveys/surveys.types.js';

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
  surveys: SurveyPorts;
  surveyConfig: SurveyConfig;
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
  // Before check-ins: a typed reply while a survey question is being asked is the survey's.
  const surveys = createSurveys({ ...ports, messenger, store: ports.surveys, config: ports.surveyConfig }, { interactions, tandem });
  const checkins = createCheckins({ ...ports, messenger }, { interactions, tandem });
  return { clock: ports.clock, audit, interactions, tandem, messenger, people, directory, recognition, checkins, surveys };
}

export type Core = ReturnType<typeof createCore>;
