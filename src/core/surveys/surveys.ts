import { reply } from '../chat/chat.port.js';
import type { Interactions } from '../chat/interactions.js';
import { DomainError } from '../errors.js';
import type { TandemCommand } from '../help/help.service.js';
import * as answer from './answer.js';
import { closeNow, closeRound } from './close.js';
import type { SurveyDeps } from './context.js';
import { defineSurvey, getSurvey, setActive, templates } from './define.js';
import { invite, openRound } from './invite.js';
import { pulse, surveyResults } from './pulse.js';
import { remind } from './remind.js';
import type { SurveyInput } from './surveys.types.js';
import { SURVEY } from './surveys.views.js';

/** Pulse surveys: the use cases of this folder behind one object, and their chat wiring. */
export function createSurveys(deps: SurveyDeps) {
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

    /** `/tandem pulse`, the answer buttons, the form and typed answers in the DM. */
    register(interactions: Interactions, tandem: TandemCommand): void {
      tandem.sub('pulse', 'the latest pulse survey results you may see', (ctx) => pulse(deps, ctx.actor));
      interactions.action('survey', async (ctx, actionId, value) => {
        if (!value) throw new DomainError('validation', 'That button is missing its survey.');
        switch (actionId) {
          case SURVEY.start:
          case SURVEY.edit:
            return answer.start(deps, ctx.actor, value);
          case SURVEY.pick:
            return answer.pick(deps, ctx.actor, value, false);
          case SURVEY.skip:
            return answer.pick(deps, ctx.actor, value, true);
          case SURVEY.confirm:
            return answer.confirm(deps, ctx.actor, value);
          case SURVEY.openForm:
            return answer.openForm(deps, ctx.actor, value);
          default:
            return reply.private({ text: 'That button no longer works.', blocks: [] });
        }
      });
      interactions.form(SURVEY.form, (ctx, values, metadata) => answer.submitForm(deps, ctx.actor, values, metadata));
      interactions.directMessage((ctx, text) => answer.directMessage(deps, ctx.actor, text, interactions.commandNames()));
    },
  };
}

export type Surveys = ReturnType<typeof createSurveys>;
