import type { Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { PeopleRepository, Scheduler, TeamRepository } from '../ports.js';
import { responseKey } from './keys.js';
import type { SurveyConfig, SurveyPorts } from './surveys.types.js';

/** What every survey use case reaches: the survey ports, people and teams, the messenger, the scheduler, time and settings. */
export interface SurveyDeps {
  store: SurveyPorts;
  people: PeopleRepository;
  teams: TeamRepository;
  messenger: Messenger;
  scheduler: Scheduler;
  clock: Clock;
  logger: Logger;
  config: SurveyConfig;
}

export const roundId = (surveyId: string, n: number): string => `${surveyId}.${n}`;
export const keyOf = (deps: SurveyDeps, round: string, personId: string): string => responseKey(deps.config.secret, round, personId);

/** Message keys carry the round and the person, never an answer. */
export const inviteKey = (round: string, personId: string) => `survey.invite:${round}:${personId}`;
export const remindKey = (round: string, personId: string, n: number) => `survey.remind:${round}:${personId}:${n}`;
export const resultsKey = (round: string, personId: string) => `survey.results:${round}:${personId}`;

/** Runs `fn` over `items`, `size` at a time. */
export async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}
