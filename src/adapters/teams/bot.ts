import type { Activity, AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, ChannelAccount, ConversationReference, InvokeResponse, Mention, TeamsChannelAccount } from 'botbuilder';
import { TeamsActivityHandler, TeamsInfo, TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import type { Conversation, Reply } from '../../core/chat/chat.port.js';
import type { InteractionContext } from '../../core/chat/interactions.js';
import type { Form, FormValues } from '../../core/chat/views.js';
import { v } from '../../core/chat/views.js';
import { isDomainError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import type { Person, PlatformProfile } from '../../core/people/people.types.js';
import { identityKey } from '../../core/people/people.types.js';
import { conversationKey, type TeamsConversationStore } from './conversations.js';
import { FORM_DATA, FORM_SUBMIT_VERB, cardAttachment } from './cards.js';
import type { TeamsChat, TeamsIdentity } from './chat.js';
import { cardResponse, decodeEntities, messageResponse, parseForm, scopeOf, tenantOf, timeZoneOf } from './activity.js';

const UNSUPPORTED = 'Tandem does not offer this here yet. Message Tandem "help" to see what it can do.';

export interface TeamsBotDeps {
  core: Core;
  conversations: TeamsConversationStore;
  chat: TeamsChat;
  logger: Logger;
}

/**
 * Tandem's Teams bot. Messages become commands (in a 1:1 chat, plain text goes
 * to the direct-message handlers first); card buttons arrive as
 * `adaptiveCard/action` invokes and are answered with the updated card, as
 * Universal Actions expect. Install and membership events store the
 * conversation references proactive messages need.
 *
 * Private replies: Teams has no ephemeral messages. In a 1:1 chat a private
 * reply is an ordinary reply; from a channel or group chat it goes to the
 * actor's 1:1 chat with Tandem, and the channel gets a one-line pointer
 * (a button click gets that pointer as the invoke's message response, which
 * only the clicker sees).
 */
export class TandemTeamsBot extends TeamsActivityHandler {
  constructor(private readonly deps: TeamsBotDeps) {
    super();
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onConversationUpdate(async (context, next) => {
      const removed = (context.activity.membersRemoved ?? []).some((m) => m.id === context.activity.recipient?.id);
      if (removed) await this.forget(context);
      else await this.handleMembership(context);
      await next();
    });
    this.onInstallationUpdate(async (context, next) => {
      if (context.activity.action?.startsWith('add')) await this.handleMembership(context);
      if (context.activity.action?.startsWith('remove')) await this.forget(context);
      await next();
    });
  }

  private get logger(): Logger {
    return this.deps.logger;
  }

  // ---- messages -----------------------------------------------------------

  private async handleMessage(context: TurnContext): Promise<void> {
    const activity = context.activity;
    if (!activity.text && activity.value) return; // a legacy Action.Submit: Tandem's cards use Action.Execute
    await this.remember(context);
    const scope = scopeOf(activity);
    let actor: { person: Person; identity: TeamsIdentity };
    try {
      actor = await this.identify(context, activity.from, true);
    } catch (err) {
      if (isDomainError(err)) {
        await context.sendActivity(err.message);
        return;
      }
      throw err;
    }
    const text = await this.commandText(context);
    const ictx = this.interaction(context, actor.person);
    const reply = scope === 'personal' ? await this.deps.core.interactions.directText(ictx, text) : await this.deps.core.interactions.commandFromText(ictx, text);
    await this.deliver(context, actor, reply);
  }

  /**
   * The message text as a command: the bot's own <at> mention removed, other
   * people's mentions as `<@person:ID>`, bots as `<@bot:Name>`.
   */
  private async commandText(context: TurnContext): Promise<string> {
    const activity = context.activity;
    // botbuilder's removeRecipientMention reads `text` unguarded: a message with mentions and no text (an attachment
    // alone) would throw there.
    if (typeof activity.text !== 'string') return '';
    let text = activity.recipient ? (TurnContext.removeRecipientMention(activity) ?? '') : activity.text;
    const mentions = TurnContext.getMentions(activity).filter((m) => m.mentioned?.id && m.mentioned.id !== activity.recipient?.id);
    for (const mention of mentions) {
      if (!mention.text || !text.includes(mention.text)) continue;
      text = text.replace(mention.text, await this.mentionToken(context, mention));
    }
    return decodeEntities(text.replace(/<\/?at>/g, '')).trim();
  }

  private async mentionToken(context: TurnContext, mention: Mention): Promise<string> {
    const name = mention.mentioned.name ?? mention.text.replace(/<\/?at>/g, '');
    if (mention.mentioned.id.startsWith('28:')) return `<@bot:${name}>`;
    try {
      const member = await TeamsInfo.getMember(context, mention.mentioned.id);
      const person = await this.identify(context, { ...mention.mentioned, aadObjectId: member.aadObjectId ?? mention.mentioned.aadObjectId }, false, member);
      return `<@person:${person.person.id}>`;
    } catch (err) {
      this.logger.warn({ err: errorMessage(err), mentioned: mention.mentioned.id }, 'teams: could not resolve a mention');
      return name;
    }
  }

  // ---- card actions -------------------------------------------------------

  /**
   * Invokes Tandem does not serve (message extensions, task modules, anything
   * new): botbuilder answers them 501, which Teams shows as an error. They are
   * answered the way Teams expects of an app without the feature: a dialog
   * fetch gets a message dialog, a message extension a message result, any
   * other invoke an empty 200.
   */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const response = await super.onInvokeActivity(context);
    if (response.status !== 501) return response;
    const name = context.activity.name ?? '';
    this.logger.info({ name }, 'teams: unsupported invoke answered as such');
    if (name === 'task/fetch' || name === 'composeExtension/fetchTask') return { status: 200, body: { task: { type: 'message', value: UNSUPPORTED } } };
    if (name.startsWith('composeExtension/')) return { status: 200, body: { composeExtension: { type: 'message', text: UNSUPPORTED } } };
    return { status: 200 };
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    await this.remember(context);
    let actor: { person: Person; identity: TeamsIdentity };
    try {
      actor = await this.identify(context, context.activity.from, true);
    } catch (err) {
      if (isDomainError(err)) return messageResponse(err.message);
      throw err;
    }
    const ictx = this.interaction(context, actor.person);
    const verb = invokeValue.action.verb ?? '';
    const data = (invokeValue.action.data ?? {}) as Record<string, unknown>;
    const { interactions } = this.deps.core;

    if (verb === FORM_SUBMIT_VERB) {
      const form = parseForm(data[FORM_DATA.definition]);
      const givenId = data[FORM_DATA.form];
      const givenMetadata = data[FORM_DATA.metadata];
      const formId = typeof givenId === 'string' ? givenId : (form?.id ?? '');
      const metadata = typeof givenMetadata === 'string' && givenMetadata !== '' ? givenMetadata : undefined;
      const values = await this.formValues(context, form, data);
      const reply = await interactions.submitForm(ictx, formId, values, metadata);
      return this.answer(context, actor, reply, { form, values });
    }
    const selectInput = typeof data.select === 'string' ? data.select : undefined;
    const raw = selectInput ? data[selectInput] : data.value;
    const value = typeof raw === 'string' && raw !== '' ? raw : undefined;
    const reply = await interactions.runAction(ictx, verb, value);
    return this.answer(context, actor, reply);
  }

  /**
   * The invoke response to a click (`submitted` absent) or a form submission:
   * the updated card, the next form, the form again with its errors, or a
   * message; a submitted form that needs nothing more becomes a short receipt.
   */
  private async answer(
    context: TurnContext,
    actor: { person: Person; identity: TeamsIdentity },
    reply: Reply,
    submitted?: { form: Form | null; values: FormValues },
  ): Promise<AdaptiveCardInvokeResponse> {
    const { chat } = this.deps;
    switch (reply.kind) {
      case 'update':
        return this.replaceCard(context, await chat.viewContent(reply.view));
      case 'form':
        return cardResponse(await chat.formContent(reply.form, actor.person.id));
      case 'form_errors':
        if (!submitted?.form) return messageResponse(Object.values(reply.errors).join(' ') || 'Please check your answers.');
        return cardResponse(await chat.formContent(submitted.form, actor.person.id, { values: submitted.values, errors: reply.errors }));
      case 'none':
      case 'public':
      case 'private': {
        if (!submitted) return messageResponse(reply.kind === 'none' ? 'Done.' : await this.deliver(context, actor, reply));
        if (reply.kind !== 'none') await this.deliver(context, actor, reply);
        const title = submitted.form?.title ?? 'Your answers';
        return cardResponse(await chat.viewContent(v.view(`${title}: sent`, v.section(`:white_check_mark: *${title}*: sent. Thank you!`))));
      }
    }
  }

  /**
   * The card that carried the button, updated. The invoke response replaces it
   * for the person who clicked; in a channel or group chat the message is also
   * edited (updateActivity) so that everyone there sees the new state.
   */
  private async replaceCard(context: TurnContext, card: Record<string, unknown>): Promise<AdaptiveCardInvokeResponse> {
    const messageId = context.activity.replyToId;
    if (scopeOf(context.activity) !== 'personal' && messageId) {
      await context.updateActivity({ type: 'message', id: messageId, attachments: [cardAttachment(card)] });
    }
    return cardResponse(card);
  }

  /** Form values from the Action.Execute data: checkboxes as arrays, people picker AAD ids as person ids. */
  private async formValues(context: TurnContext, form: Form | null, data: Record<string, unknown>): Promise<FormValues> {
    const values: FormValues = {};
    const inputs = form?.blocks.filter((b) => b.type === 'input') ?? [];
    const known = new Set(inputs.map((i) => i.id));
    const ours = new Set<string>(Object.values(FORM_DATA));
    for (const [key, raw] of Object.entries(data)) {
      // With the form's definition only its inputs count (an input may well be called `value`).
      if (form ? !known.has(key) : ours.has(key)) continue;
      values[key] = typeof raw === 'string' ? (raw === '' ? undefined : raw) : raw === undefined || raw === null ? undefined : String(raw);
    }
    for (const input of inputs) {
      const given = values[input.id];
      if (typeof given !== 'string') continue;
      const several = input.kind === 'checkboxes' || input.multiple === true;
      const picked = several ? given.split(',').filter(Boolean) : [given];
      const resolved = input.kind === 'user' ? await Promise.all(picked.map((aad) => this.personOfAad(context, aad))) : picked;
      values[input.id] = several ? resolved : resolved[0];
    }
    return values;
  }

  /** The person id behind a people-picker value (an AAD object id); the raw value if they cannot be found. */
  private async personOfAad(context: TurnContext, aadObjectId: string): Promise<string> {
    const known = await this.deps.core.people.byIdentityKey(identityKey.teams(tenantOf(context.activity), aadObjectId));
    if (known) return known.id;
    try {
      const member = await TeamsInfo.getMember(context, aadObjectId);
      return (await this.identify(context, { id: member.id, name: member.name, aadObjectId: member.aadObjectId ?? aadObjectId }, false, member)).person.id;
    } catch (err) {
      this.logger.warn({ err: errorMessage(err), aadObjectId }, 'teams: could not resolve a picked person');
      return aadObjectId;
    }
  }

  // ---- replies ------------------------------------------------------------

  /** Sends a reply to a message (or the side effect of a button); returns a one-line summary for an invoke response. */
  private async deliver(context: TurnContext, actor: { person: Person; identity: TeamsIdentity }, reply: Reply): Promise<string> {
    const { chat } = this.deps;
    const personal = scopeOf(context.activity) === 'personal';
    switch (reply.kind) {
      case 'none':
        return 'Done.';
      case 'public':
      case 'update':
        await context.sendActivity(await chat.viewActivity(reply.view));
        return chat.plainText(reply.view.text);
      case 'form':
        if (personal) await context.sendActivity(await chat.formActivity(reply.form, actor.person.id));
        else await this.privately(context, actor, await chat.formActivity(reply.form, actor.person.id));
        return reply.form.title;
      case 'form_errors':
        await context.sendActivity(Object.values(reply.errors).join(' ') || 'Please check your answers.');
        return 'Please check your answers.';
      case 'private':
        if (personal) {
          await context.sendActivity(await chat.viewActivity(reply.view));
          return chat.plainText(reply.view.text);
        }
        await this.privately(context, actor, await chat.viewActivity(reply.view));
        return `${await chat.plainText(reply.view.text)} (sent to you in a private chat with Tandem)`;
    }
  }

  /** Sends to the actor's 1:1 chat with Tandem, and leaves a pointer where they asked (messages only). */
  private async privately(context: TurnContext, actor: { person: Person; identity: TeamsIdentity }, activity: Partial<Activity>): Promise<void> {
    const { chat } = this.deps;
    await chat.send((await chat.personalChat(actor.identity)).reference, activity);
    if (context.activity.type === 'message') await context.sendActivity(`I've answered you in our private chat, ${actor.person.name}.`);
  }

  // ---- identity and conversation references -------------------------------

  private interaction(context: TurnContext, actor: Person): InteractionContext {
    const activity = context.activity;
    const scope = scopeOf(activity);
    const conversation: Conversation = { kind: scope === 'personal' ? 'direct' : scope === 'channel' ? 'channel' : 'group', id: activity.conversation.id };
    const ictx: InteractionContext = { actor, platform: 'teams', conversation, deliveryId: activity.id };
    if (activity.type === 'invoke' && activity.replyToId) ictx.message = { platform: 'teams', channel: activity.conversation.id, messageId: activity.replyToId };
    return ictx;
  }

  /**
   * The Person behind a Teams account: by identity key (tenant + AAD object
   * id), else by the email of the Teams member lookup, else created.
   */
  async identify(
    context: TurnContext,
    account: ChannelAccount,
    isActor: boolean,
    member?: TeamsChannelAccount,
  ): Promise<{ person: Person; identity: TeamsIdentity }> {
    const activity = context.activity;
    const tenantId = tenantOf(activity);
    const aadObjectId = account.aadObjectId ?? member?.aadObjectId ?? account.id;
    const key = identityKey.teams(tenantId, aadObjectId);
    const fetchProfile = async (): Promise<PlatformProfile> => {
      const timeZone = isActor ? timeZoneOf(activity) : undefined;
      try {
        const m = member ?? (await TeamsInfo.getMember(context, account.id));
        return { name: m.name ?? account.name, email: m.email ?? m.userPrincipalName, timeZone, isBot: m.id?.startsWith('28:') };
      } catch (err) {
        this.logger.warn({ err: errorMessage(err), user: account.id }, 'teams: member lookup failed; using the name from the activity');
        return { name: account.name, timeZone };
      }
    };
    const person = await this.deps.core.people.identify({ platform: 'teams', key, tenantId, aadObjectId, userId: account.id }, fetchProfile);
    return { person, identity: { platform: 'teams', personId: person.id, key, tenantId, aadObjectId, userId: account.id } };
  }

  /** Stores (or refreshes) the reference of the conversation an activity came from. */
  private async remember(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const reference: Partial<ConversationReference> = TurnContext.getConversationReference(activity);
    delete reference.activityId; // proactive posts start a new message, not a reply to this one
    const tenantId = tenantOf(activity);
    const scope = scopeOf(activity);
    const teamsConversations = this.deps.conversations;
    const now = this.deps.core.clock.now();
    if (scope === 'personal') {
      const user = activity.from;
      if (!user || user.id === activity.recipient?.id) return;
      const key = identityKey.teams(tenantId, user.aadObjectId ?? user.id);
      await teamsConversations.save({ key: conversationKey.personal(key), kind: 'personal', tenantId, conversationId: activity.conversation.id, reference }, now);
    } else if (scope === 'channel') {
      const channelData = (activity.channelData ?? {}) as { channel?: { id?: string } };
      const channelId = channelData.channel?.id ?? activity.conversation.id.split(';')[0] ?? activity.conversation.id;
      const channelReference = { ...reference, conversation: { ...activity.conversation, id: channelId } };
      const teamId = (activity.channelData as { team?: { id?: string } } | undefined)?.team?.id;
      await teamsConversations.save(
        { key: conversationKey.channel(channelId), kind: 'channel', tenantId, conversationId: channelId, reference: channelReference, ...(teamId ? { teamId } : {}) },
        now,
      );
    } else {
      const conversationId = activity.conversation.id;
      await teamsConversations.save({ key: conversationKey.group(conversationId), kind: 'group', tenantId, conversationId, reference }, now);
    }
  }

  /** Tandem was uninstalled or removed: its references there go, so nothing is sent into the void. */
  private async forget(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const teamsConversations = this.deps.conversations;
    const scope = scopeOf(activity);
    if (scope === 'personal') {
      const user = activity.from;
      if (user) await teamsConversations.remove(conversationKey.personal(identityKey.teams(tenantOf(activity), user.aadObjectId ?? user.id)));
    } else if (scope === 'channel') {
      const teamId = (activity.channelData as { team?: { id?: string } } | undefined)?.team?.id;
      if (teamId) await teamsConversations.removeTeam(teamId);
      await teamsConversations.remove(conversationKey.channel(activity.conversation.id.split(';')[0] ?? activity.conversation.id));
    } else {
      await teamsConversations.remove(conversationKey.group(activity.conversation.id));
    }
    this.logger.info({ scope, conversation: activity.conversation.id }, 'teams: Tandem was removed; conversation references forgotten');
  }

  /**
   * conversationUpdate / installationUpdate: Tandem was added to a 1:1 chat,
   * a team or a channel, or people joined. Stores the references and, in a
   * 1:1 chat, maps the person.
   */
  private async handleMembership(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const scope = scopeOf(activity);
    const botAdded = activity.type === 'installationUpdate' || (activity.membersAdded ?? []).some((m) => m.id === activity.recipient?.id);
    const channelCreated = (activity.channelData as { eventType?: string } | undefined)?.eventType === 'channelCreated';
    if (scope === 'channel' && (botAdded || channelCreated)) {
      await this.remember(context);
      const channelId = (activity.channelData as { channel?: { id?: string } } | undefined)?.channel?.id ?? activity.conversation.id.split(';')[0] ?? '';
      const team = await this.deps.core.directory.lookup.teamOfTeamsChannel(channelId);
      this.logger.info({ channelId, team: team?.name ?? null }, team ? 'teams: channel reference stored for a Tandem team' : 'teams: channel reference stored; no Tandem team uses this channel yet');
      return;
    }
    if (scope !== 'personal') return;
    await this.remember(context);
    const user = activity.type === 'installationUpdate' ? activity.from : (activity.membersAdded ?? []).find((m) => m.id !== activity.recipient?.id);
    if (!user) return;
    try {
      const { person } = await this.identify(context, user, true);
      this.logger.info({ personId: person.id }, 'teams: 1:1 chat reference stored');
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'teams: could not map the person who installed Tandem');
    }
  }
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));
