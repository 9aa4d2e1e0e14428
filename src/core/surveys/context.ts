import type { FeatureDeps } from '../ports.js';
import { responseKey } from './keys.js';
import type { SurveyConfig, SurveyPicture, SurveyPorts } from './surveys.types.js';

/** What the surveys feature is assembled from: the shared feature ports, the survey store and the survey settings. */
export interface SurveyDeps extends FeatureDeps {
  store: SurveyPorts;
  config: SurveyConfig;
  /** Draws the picture sent with results in chat; absent: text only. */
  picture?: SurveyPicture | undefined;
}

export const roundId = (surveyId: string, n: number): string => `${surveyId}.${n}`;
export const keyOf = (deps: { config: Pick<SurveyConfig, 'secret'> }, round: string, personId: string): string => responseKey(deps.config.secret, round, personId);

/** Message keys carry the round and the person, never an answer. */
export const inviteKey = (round: string, personId: string) => `survey.invite:${round}:${personId}`;
export const remindKey = (round: string, personId: string, n: number) => `survey.remind:${round}:${personId}:${n}`;
export const resultsKey = (round: string, personId: string) => `survey.results:${round}:${personId}`;

/** Runs `fn` over `items`, `size` at a time. */
export async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}
