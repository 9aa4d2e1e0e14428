import type { MessageAddress, PlatformChat, SendTarget } from '../../core/chat/chat.port.js';
import type { View } from '../../core/chat/views.js';
import type { Clock } from '../../core/clock.js';
import { DomainError } from '../../core/errors.js';
import type { PlatformIdentity, TeamChannels } from '../../core/people/people.types.js';
import type { DirectoryLookup } from '../../core/people/lookup.js';
import type { ConsoleMessage, ConsoleMessageStore } from '../adapter.js';
import type { ConsoleHub, MessageDto } from './hub.js';
import { mentionedPersonIds } from '../../core/chat/views.js';
import { renderView } from './render.js';

/** A person's DM with Tandem in the console. */
export const dmConversation = (personId: string): string => `dm:${personId}`;

/**
 * The console's messages: stored in MongoDB, rendered to HTML with current
 * names, and pushed to open pages through the hub.
 */
export class ConsoleMessages {
  constructor(
    private readonly repo: ConsoleMessageStore,
    private readonly directory: Pick<DirectoryLookup, 'people'>,
    private readonly hub: ConsoleHub,
    private readonly clock: Clock,
  ) {}

  async post(input: { conversation: string; view: View; authorId?: string | null; visibleTo?: string | null; deliveryKey?: string }): Promise<MessageDto> {
    const message = await this.repo.add({ ...input, at: this.clock.now() });
    return this.announce(message);
  }

  /** Replaces a message in place; null when it does not exist. */
  async replace(id: string, view: View): Promise<MessageDto | null> {
    const message = await this.repo.replace(id, view, this.clock.now());
    return message ? this.announce(message) : null;
  }

  async get(id: string): Promise<ConsoleMessage | null> {
    return this.repo.get(id);
  }

  async findDelivered(conversation: string, deliveryKey: string, since: Date): Promise<ConsoleMessage | null> {
    return this.repo.findDelivered(conversation, deliveryKey, since);
  }

  async count(): Promise<number> {
    return this.repo.count();
  }

  async recent(conversation: string, viewerId: string): Promise<MessageDto[]> {
    return this.present(await this.repo.recent(conversation, viewerId));
  }

  async present(messages: ConsoleMessage[]): Promise<MessageDto[]> {
    const ids = new Set(mentionedPersonIds(messages.map((m) => m.view)));
    for (const m of messages) if (m.authorId) ids.add(m.authorId);
    const names = new Map((await this.directory.people([...ids])).map((p) => [p.id, p.name]));
    return messages.map((m) => ({
      id: m.id,
      conversation: m.conversation,
      author: m.authorId ? { id: m.authorId, name: names.get(m.authorId) ?? 'Someone' } : null,
      visibleTo: m.visibleTo,
      text: m.view.text,
      html: renderView(m.view, names),
      createdAt: m.createdAt.toISOString(),
      updatedAt: m.updatedAt.toISOString(),
    }));
  }

  private async announce(message: ConsoleMessage): Promise<MessageDto> {
    const [dto] = await this.present([message]);
    if (!dto) throw new Error('a presented message went missing');
    await this.hub.publish({ type: 'message', message: dto });
    return dto;
  }
}

function directConversation(identity: PlatformIdentity): string {
  if (identity.platform !== 'console') throw new DomainError('validation', `the console cannot reach a ${identity.platform} account`);
  return dmConversation(identity.personId);
}

/** The chat port over the console: DMs and team channels live in MongoDB and appear in open pages at once. */
export class ConsoleChat implements PlatformChat {
  readonly platform = 'console' as const;

  constructor(private readonly messages: ConsoleMessages) {}

  async sendDirect(identity: PlatformIdentity, view: View, key: string): Promise<MessageAddress> {
    const message = await this.messages.post({ conversation: directConversation(identity), view, deliveryKey: key });
    return { platform: 'console', channel: message.conversation, messageId: message.id };
  }

  async postToChannel(channels: TeamChannels, view: View, key: string): Promise<MessageAddress | null> {
    const channel = channels.console?.channelId;
    if (!channel) return null;
    const message = await this.messages.post({ conversation: channel, view, deliveryKey: key });
    return { platform: 'console', channel, messageId: message.id };
  }

  async findSent(target: SendTarget, key: string, since: Date): Promise<MessageAddress | null> {
    const conversation = target.kind === 'direct' ? directConversation(target.identity) : target.channels.console?.channelId;
    if (!conversation) return null;
    const message = await this.messages.findDelivered(conversation, key, since);
    return message ? { platform: 'console', channel: conversation, messageId: message.id } : null;
  }

  async update(address: MessageAddress, view: View): Promise<void> {
    if (!(await this.messages.replace(address.messageId, view))) {
      throw new DomainError('not_found', `no console message ${address.messageId} to update`);
    }
  }
}
