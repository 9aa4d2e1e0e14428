import { reply } from '../chat/chat.port.js';
import type { Interactions } from '../chat/interactions.js';
import { v } from '../chat/views.js';
import { DomainError } from '../errors.js';
import type { TandemCommand } from '../help/help.service.js';
import type { CheckinAnswers } from './answer.js';
import type { StepByStepAnswers } from './answer-steps.js';
import type { Blockers } from './blockers.js';
import { CHECKIN } from './checkins.views.js';
import type { CheckinHistory } from './history.js';
import type { CheckinReminders } from './remind.js';

/** Wires `/tandem checkin`, the buttons, the answer form and step-by-step DMs to the check-in use cases. */
export function registerCheckinChat(
  interactions: Interactions,
  tandem: TandemCommand,
  uc: { answers: CheckinAnswers; steps: StepByStepAnswers; reminders: CheckinReminders; blockers: Blockers; history: CheckinHistory },
): void {
  tandem.sub('checkin', "answer this week's check-in; `checkin history` shows your past ones", async (ctx, args) => {
    const sub = args.trim().toLowerCase();
    if (sub === 'history') return uc.history.historyReply(ctx.actor);
    if (sub === '' || sub === 'answer' || sub === 'open') return uc.answers.openForm(ctx.actor, undefined);
    return reply.private(v.view('Unknown check-in command', v.section('Try `/tandem checkin` to answer this week, or `/tandem checkin history` to see your past check-ins.')));
  });
  interactions.action('checkin', async (ctx, actionId, value) => {
    if (!value) throw new DomainError('validation', 'That button is missing its check-in.');
    switch (actionId) {
      case CHECKIN.open:
        return uc.answers.openForm(ctx.actor, value);
      case CHECKIN.skip:
        return uc.answers.skip(ctx.actor, value);
      case CHECKIN.snooze:
        return uc.reminders.snooze(ctx.actor, value);
      default:
        return uc.blockers.act(ctx.actor, actionId, value);
    }
  });
  interactions.form(CHECKIN.form, (ctx, values, metadata) => uc.answers.submitForm(ctx.actor, values, metadata));
  interactions.directMessage((ctx, text) => uc.steps.directMessage(ctx.actor, text, interactions.commandNames()));
}
