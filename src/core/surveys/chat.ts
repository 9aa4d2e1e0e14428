import { reply } from '../chat/chat.port.js';
import type { Interactions } from '../chat/interactions.js';
import { DomainError } from '../errors.js';
import type { TandemCommand } from '../help/help.service.js';
import * as answer from './answer.js';
import type { SurveyDeps } from './context.js';
import { pulse } from './pulse.js';
import { SURVEY } from './surveys.views.js';

/** `/tandem pulse`, the answer buttons, the form and typed answers in the DM. */
export function registerSurveyChat(interactions: Interactions, tandem: TandemCommand, deps: SurveyDeps): void {
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
}
