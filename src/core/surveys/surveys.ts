import type { Interactions } from '../chat/interactions.js';
import { DomainError } from '../errors.js';
import type { TandemCommand } from '../help/help.service.js';
import { registerSurveyChat } from './chat.js';
import { closeNow, closeRound } from './close.js';
import type { SurveyDeps } from './context.js';
import { defineSurvey, getSurvey, setActive, templates } from './define.js';
import { invite, openRound } from './invite.js';
import { surveyResults } from './pulse.js';
import { remind } from './remind.js';
import { surveySweeper } from './sweep.js';
import type { SurveyInput } from './surveys.types.js';

/**
 * Pulse surveys, one use case per file: define, open and invite (with the
 * fatigue guard), answer in chat, remind, close into the anonymous store,
 * results with suppression. Registers the chat entry points (chat.ts) and
 * returns the operations jobs and admin routes call.
 */
export function createSurveys(deps: SurveyDeps, chat: { interactions: Interactions; tandem: TandemCommand }) {
  registerSurveyChat(chat.interactions, chat.tandem, deps);
  return {
    templates,
    define: (input: SurveyInput) => defineSurvey(deps, input),
    get: (id: string) => getSurvey(deps, id),
    list: () => deps.store.surveys.list(),
    setActive: (id: string, active: boolean) => setActive(deps, id, active),
    open: (surveyId: string, n: number) => openRound(deps, surveyId, n),
    /** Opens the next round now (admin API "send now"). */
    openNow: async (surveyId: string) => {
      const { rounds } = await getSurvey(deps, surveyId);
      if (rounds.some((r) => r.status === 'open')) throw new DomainError('conflict', 'This survey already has an open round.', { surveyId });
      const waiting = rounds.find((r) => r.status === 'waiting');
      const n = waiting?.n ?? Math.max(0, ...rounds.map((r) => r.n)) + 1;
      const round = await openRound(deps, surveyId, n);
      if (!round) throw new DomainError('conflict', 'This survey is paused.', { surveyId });
      return round;
    },
    invite: (roundId: string, personId: string) => invite(deps, roundId, personId),
    remind: (roundId: string, personId: string, n: number) => remind(deps, roundId, personId, n),
    close: (roundId: string) => closeRound(deps, roundId),
    closeNow: (surveyId: string) => closeNow(deps, surveyId),
    results: (surveyId: string, opts: { team?: string | undefined; round?: number | undefined }) => surveyResults(deps, surveyId, opts),
    /** Queues again the survey work Redis no longer holds (sweep.ts). */
    sweep: surveySweeper(deps),
  };
}

export type Surveys = ReturnType<typeof createSurveys>;
