import type { types as slackTypes, webApi } from '@slack/bolt';
import type { MessageAddress, PlatformChat } from '../../core/chat/chat.port.js';
import type { Form, View } from '../../core/chat/views.js';
import { DomainError } from '../../core/errors.js';
import type { PlatformIdentity, TeamChannels } from '../../core/people/people.types.js';
import type { SlackHome, SlackMessage, SlackModal } from './blockkit.js';
import { mentionedPeople, renderHome, renderMessage, renderModal } from './blockkit.js';
import type { SlackPeople } from './people.js';

/** Block Kit JSON as the Web API client's types want it. */
export const asBlocks = (m: SlackMessage): { text: string; blocks: slackTypes.KnownBlock[] } => ({ text: m.text, blocks: m.blocks as unknown as slackTypes.KnownBlock[] });

/**
 * The chat port on Slack: DMs (conversations.open + chat.postMessage),
 * team channel posts and in-place updates (chat.update). Rate limits are
 * handled by the WebClient (it waits Retry-After and retries).
 */
export class SlackChat implements PlatformChat {
  readonly platform = 'slack' as const;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly people: SlackPeople,
  ) {}

  async message(view: View): Promise<SlackMessage> {
    return renderMessage(view, await this.people.resolver(mentionedPeople(view.blocks, view.text)));
  }

  async modal(form: Form): Promise<SlackModal> {
    return renderModal(form, await this.people.resolver(mentionedPeople(form.blocks, form.title)));
  }

  async home(view: View): Promise<SlackHome> {
    return renderHome(view, await this.people.resolver(mentionedPeople(view.blocks, view.text)));
  }

  async sendDirect(identity: PlatformIdentity, view: View): Promise<MessageAddress> {
    if (identity.platform !== 'slack') throw new DomainError('validation', `cannot DM a ${identity.platform} identity on Slack`);
    const opened = await this.client.conversations.open({ users: identity.userId });
    const channel = opened.channel?.id ?? identity.userId;
    return this.post(channel, view);
  }

  async postToChannel(channels: TeamChannels, view: View): Promise<MessageAddress | null> {
    if (!channels.slack) return null;
    return this.post(channels.slack.channelId, view);
  }

  async update(address: MessageAddress, view: View): Promise<void> {
    await this.client.chat.update({ channel: address.channel, ts: address.messageId, ...asBlocks(await this.message(view)) });
  }

  async post(channel: string, view: View): Promise<MessageAddress> {
    const res = await this.client.chat.postMessage({ channel, ...asBlocks(await this.message(view)) });
    if (!res.ts) throw new Error('chat.postMessage answered without a ts');
    return { platform: 'slack', channel: res.channel ?? channel, messageId: res.ts };
  }
}
