import type { Activity, CloudAdapter, ConversationParameters, ConversationReference, TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import type { MessageAddress, PlatformChat } from '../../core/chat/chat.port.js';
import type { Form, View } from '../../core/chat/views.js';
import type { Clock } from '../../core/clock.js';
import { DomainError } from '../../core/errors.js';
import type { PlatformIdentity, TeamChannels } from '../../core/people/people.types.js';
import type { DirectoryLookup } from '../../core/people/lookup.js';
import { conversationKey, type TeamsConversationStore } from './conversations.js';
import type { CardContext, CardPerson, FormState } from './cards.js';
import { cardAttachment, formCard, referencedPeople, teamsMarkdownFor, viewCard } from './cards.js';

export type TeamsIdentity = Extract<PlatformIdentity, { platform: 'teams' }>;

export interface TeamsChatDeps {
  adapter: CloudAdapter;
  /** MICROSOFT_APP_ID, or '' when Teams runs open like the Emulator. */
  appId: string;
  /** The Bot Framework audience for outgoing calls (from the authentication configuration). */
  audience: string;
  conversations: TeamsConversationStore;
  directory: Pick<DirectoryLookup, 'onPlatform'>;
  clock: Clock;
  logger: Logger;
}

/**
 * Tandem's chat port on Teams. Every proactive message goes through a stored
 * conversation reference (`adapter.continueConversationAsync`): the 1:1 chat
 * of a person, or a team channel. A person Tandem has no 1:1 chat with yet
 * gets one created (`createConversationAsync`) with the service URL and bot
 * account of the freshest reference in their tenant.
 */
export class TeamsChat implements PlatformChat {
  readonly platform = 'teams' as const;

  constructor(private readonly deps: TeamsChatDeps) {}

  async sendDirect(identity: PlatformIdentity, view: View): Promise<MessageAddress> {
    if (identity.platform !== 'teams') throw new DomainError('validation', `Teams cannot reach a ${identity.platform} account`);
    const stored = await this.personalChat(identity);
    const messageId = await this.send(stored.reference, await this.viewActivity(view));
    return { platform: 'teams', channel: stored.conversationId, messageId };
  }

  async postToChannel(channels: TeamChannels, view: View): Promise<MessageAddress | null> {
    const channelId = channels.teams?.conversationId;
    if (!channelId) return null;
    const stored = await this.deps.conversations.byKey(conversationKey.channel(channelId));
    if (!stored) {
      throw new DomainError('unavailable', `Tandem is not in the Teams channel ${channelId} yet: add the Tandem app to that team, then try again.`, { unreachable: true });
    }
    const messageId = await this.send(stored.reference, await this.viewActivity(view));
    return { platform: 'teams', channel: stored.conversationId, messageId };
  }

  async update(address: MessageAddress, view: View): Promise<void> {
    // A message in a channel thread lives in `19:…@thread.tacv2;messageid=…`: the channel's reference, aimed at that thread.
    const teamsConversations = this.deps.conversations;
    const stored = (await teamsConversations.byConversationId(address.channel)) ?? (await teamsConversations.byConversationId(address.channel.split(';')[0] ?? ''));
    if (!stored) throw new DomainError('not_found', `Tandem has no Teams conversation ${address.channel} to update a message in`);
    const reference = stored.conversationId === address.channel ? stored.reference : { ...stored.reference, conversation: { ...stored.reference.conversation, id: address.channel } as ConversationReference['conversation'] };
    const activity = await this.viewActivity(view);
    await this.proactive(reference, async (context) => {
      await context.updateActivity({ ...activity, id: address.messageId });
    });
  }

  /** The message activity of a view: an Adaptive Card, with the view's text as the notification summary. */
  async viewActivity(view: View): Promise<Partial<Activity>> {
    const card = await this.viewContent(view);
    return { type: 'message', summary: typeof card.fallbackText === 'string' ? card.fallbackText : view.text, attachments: [cardAttachment(card)] };
  }

  async formActivity(form: Form, viewerPersonId: string, state: FormState = {}): Promise<Partial<Activity>> {
    return { type: 'message', summary: form.title, attachments: [cardAttachment(await this.formContent(form, viewerPersonId, state))] };
  }

  async formContent(form: Form, viewerPersonId: string, state: FormState = {}): Promise<Record<string, unknown>> {
    return formCard(form, await this.cardContext(referencedPeople(form), viewerPersonId), state);
  }

  async viewContent(view: View): Promise<Record<string, unknown>> {
    return viewCard(view, await this.cardContext(referencedPeople(view)));
  }

  /** Core text as one plain line for Teams (an invoke's message response, a notification): names for mentions, no markup. */
  async plainText(text: string): Promise<string> {
    const ctx = await this.cardContext(referencedPeople({ text, blocks: [] }));
    return teamsMarkdownFor(text, ctx).replace(/<\/?at>/g, '').replace(/\*\*/g, '');
  }

  /** Names and Teams ids of the people a card mentions or preselects. */
  async cardContext(personIds: string[], viewerPersonId?: string): Promise<CardContext> {
    const ids = [...new Set(viewerPersonId ? [...personIds, viewerPersonId] : personIds)];
    const people = new Map<string, CardPerson>();
    for (const { person, identity: teams } of await this.deps.directory.onPlatform(ids, 'teams')) {
      people.set(person.id, teams ? { name: person.name, teamsId: teams.userId || teams.aadObjectId, aadObjectId: teams.aadObjectId } : { name: person.name });
    }
    const viewer = viewerPersonId ? people.get(viewerPersonId) : undefined;
    return viewer && viewerPersonId ? { people, viewer: { ...viewer, personId: viewerPersonId } } : { people };
  }

  /** Sends one activity through a stored reference; returns the new activity id. */
  async send(reference: Partial<ConversationReference>, activity: Partial<Activity>): Promise<string> {
    let id = '';
    await this.proactive(reference, async (context) => {
      // The continuation activity carries a made-up id; left in place, the send would become a
      // reply to it (POST …/activities/:id) instead of a new message or channel post.
      delete context.activity.id;
      id = (await context.sendActivity(activity))?.id ?? '';
    });
    if (!id) throw new Error('Teams accepted the message but returned no activity id');
    return id;
  }

  /**
   * Runs `logic` in a proactive turn and rethrows its failure. (The adapter
   * would hand it to onTurnError and return normally, and the Messenger would
   * then record a message that was never sent.)
   */
  private async proactive(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    let failure: unknown;
    await this.deps.adapter.continueConversationAsync(this.deps.appId, reference, async (context) => {
      try {
        await logic(context);
      } catch (err) {
        failure = err;
      }
    });
    if (failure !== undefined) throw failure;
  }

  /** The stored 1:1 chat with a person, created (and stored) when there is none yet. */
  async personalChat(identity: TeamsIdentity) {
    return (await this.deps.conversations.byKey(conversationKey.personal(identity.key))) ?? (await this.openPersonalChat(identity));
  }

  /** Creates the 1:1 chat between Tandem and a person, and stores its reference. */
  private async openPersonalChat(identity: TeamsIdentity) {
    const near = await this.deps.conversations.latestInTenant(identity.tenantId);
    const serviceUrl = near?.reference.serviceUrl;
    const bot = near?.reference.bot;
    if (!serviceUrl || !bot) {
      throw new DomainError('unavailable', 'Tandem cannot reach this person in Teams yet: install the Tandem app for them, or in one of their teams, first.', { unreachable: true });
    }
    const parameters: ConversationParameters = {
      isGroup: false,
      bot,
      members: [{ id: identity.userId || identity.aadObjectId, name: '' }],
      tenantId: identity.tenantId,
      channelData: { tenant: { id: identity.tenantId } },
    } as ConversationParameters;
    // createConversation itself runs before the turn, so its failures reach us directly.
    let conversationId = '';
    await this.deps.adapter.createConversationAsync(this.deps.appId, 'msteams', serviceUrl, this.deps.audience, parameters, async (context) => {
      conversationId = context.activity.conversation.id;
    });
    if (!conversationId) throw new Error('Teams created no 1:1 conversation');
    const reference: Partial<ConversationReference> = {
      channelId: 'msteams',
      serviceUrl,
      bot,
      user: { id: identity.userId, name: '', aadObjectId: identity.aadObjectId },
      conversation: { id: conversationId, conversationType: 'personal', tenantId: identity.tenantId, isGroup: false, name: '' },
    };
    const entry = { key: conversationKey.personal(identity.key), kind: 'personal' as const, tenantId: identity.tenantId, conversationId, reference };
    await this.deps.conversations.save(entry, this.deps.clock.now());
    this.deps.logger.info({ personId: identity.personId, conversationId }, 'teams: opened a 1:1 chat');
    return { ...entry, updatedAt: this.deps.clock.now() };
  }
}

