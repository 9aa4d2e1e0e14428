import type { App, types as slackTypes } from '@slack/bolt';
import type { Logger } from 'pino';
import type { InteractionContext } from '../../core/chat/interactions.js';
import type { View } from '../../core/chat/views.js';
import { isDomainError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import { asBlocks, type SlackChat } from './chat.js';
import type { SlackPeople } from './people.js';

/**
 * Message shortcuts ("Give kudos for this message"): the shortcut's
 * callback_id is a core action id (`kudos.compose`), called with the message
 * as JSON `{text, recipients}` (its text with mentions resolved, its author as
 * a person). A form answer opens as a modal; anything else is shown to the
 * person privately in the channel.
 */
export function registerMessageShortcuts(app: App, deps: { core: Core; people: SlackPeople; chat: SlackChat; logger: Logger }): void {
  const { core, people, chat, logger } = deps;
  app.shortcut({ type: 'message_action' }, async ({ shortcut, ack, client }) => {
    await ack();
    const teamId = shortcut.team?.id ?? shortcut.user.team_id ?? '';
    const tell = async (view: View) => {
      await client.chat.postEphemeral({ channel: shortcut.channel.id, user: shortcut.user.id, ...asBlocks(await chat.message(view)) });
    };
    let actor;
    try {
      actor = await people.identify(teamId, shortcut.user.id);
    } catch (err) {
      if (!isDomainError(err)) throw err;
      return tell({ text: err.message, blocks: [{ type: 'section', text: `:warning: ${err.message}` }] });
    }
    const recipients: string[] = [];
    if (shortcut.message.user && shortcut.message.user !== shortcut.user.id) {
      try {
        recipients.push((await people.identify(teamId, shortcut.message.user)).id);
      } catch (err) {
        // The author is a bot or cannot use Tandem: the form opens without them.
        if (!isDomainError(err)) throw err;
      }
    }
    const text = await people.resolveMentions(teamId, shortcut.message.text ?? '');
    const ctx: InteractionContext = { actor, platform: 'slack', conversation: { kind: shortcut.channel.id.startsWith('D') ? 'direct' : 'channel', id: shortcut.channel.id }, deliveryId: shortcut.trigger_id };
    const answer = await core.interactions.runAction(ctx, shortcut.callback_id, JSON.stringify({ text, recipients }));
    if (answer.kind === 'form') {
      await client.views.open({ trigger_id: shortcut.trigger_id, view: (await chat.modal(answer.form)) as unknown as slackTypes.ModalView });
    } else if (answer.kind === 'private' || answer.kind === 'public' || answer.kind === 'update') {
      await tell(answer.view);
    } else if (answer.kind === 'form_errors') {
      logger.warn({ errors: answer.errors, callbackId: shortcut.callback_id }, 'form errors returned to a message shortcut');
    }
  });
}
