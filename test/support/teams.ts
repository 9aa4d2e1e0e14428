/**
 * Teams test helpers: Bot Framework activities shaped like the real ones in
 * ../shared/fixtures/teams (file named on each builder), pointed at a
 * FakeConnector's serviceUrl, and a sender that posts them to a running
 * Tandem's /api/messages as Teams does.
 *
 *   const connector = await FakeConnector.start({ members: [MEGAN] });
 *   const tandem = await startTestTandem();                        // Teams is on, open (no app id)
 *   const megan = await installFor(tandem, connector, MEGAN);      // a Person, with a stored 1:1 chat
 *   await postActivity(tandem.url, teamsMessage({ serviceUrl: connector.serviceUrl, from: MEGAN, text: 'checkin' }));
 *   const [sent] = connector.sentTo(personalConversationId(MEGAN));
 *   cardOf(sent)                                                   // the Adaptive Card Tandem sent
 *   const answer = await click(tandem.url, connector, MEGAN, sent, 'help.more', { someInput: 'value' });
 *   answer.value                                                   // the updated card (or a short text)
 *   await tandem.core.messenger.dm(megan.id, view, key)            // proactive: lands in connector.sentTo(personalConversationId(MEGAN))
 *
 * People: MEGAN, ANA, RIDO (FakeMember with Teams id, AAD object id, email) in TEAMS_TENANT.
 * Shortcuts: installFor (Tandem installed by a person: they exist, with a stored 1:1 chat),
 * cardOf / executeActions (the card of a recorded activity and its Action.Execute buttons),
 * click (press a button of a recorded card; resolves with the invoke response),
 * adaptiveCardProblems (what the official Adaptive Cards SDK reports about a card; [] when clean).
 *
 * Builders: teamsMessage (personal, groupChat or channel; optional bot and user mentions),
 * cardAction (adaptiveCard/action invoke), botAddedPersonal, botAddedToTeam, channelCreated, installationUpdateTeam.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Core } from '../../src/core/index.js';
import type { Person } from '../../src/core/people/people.types.js';
import { identityKey } from '../../src/core/people/people.types.js';
import type { FakeConnector, FakeMember, RecordedActivity } from './fake-connector.js';

export const TEAMS_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const BOT = { id: '28:c9e8c047-2a74-40a2-b28a-b162d5f5327c', name: 'Tandem' };

export const MEGAN: FakeMember = {
  id: '29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw',
  name: 'Megan Bowen',
  aadObjectId: '7faf8ab2-3d56-4244-b585-20c8a42ed2b8',
  email: 'megan.bowen@contoso.example',
  tenantId: TEAMS_TENANT,
};
export const ANA: FakeMember = {
  id: '29:1ana0000000000000000000000000000000000000000000000000000000000000000000000000000',
  name: 'Ana Silva',
  aadObjectId: '1b2c3d4e-0000-4000-8000-00000000a0a0',
  email: 'ana.silva@contoso.example',
  tenantId: TEAMS_TENANT,
};
export const RIDO: FakeMember = {
  id: '29:17bUvCasIPKfQIXHvNzcPjD86fwm6GkWc1PvCGP2-NSkNb7AyGYpjQ7Xw-XgTwaHW5JxZ4KMNDxn1kcL8fwX1Nw',
  name: 'Rido',
  aadObjectId: 'b15a9416-0ad3-4172-9210-7beb711d3f70',
  email: 'rido@contoso.example',
  tenantId: TEAMS_TENANT,
};

export type TeamsScope = 'personal' | 'groupChat' | 'channel';

export type Activity = Record<string, unknown> & { type: string; id: string; conversation: { id: string; [key: string]: unknown } };

const rand = () => randomBytes(6).toString('hex');

/** The 1:1 conversation id Teams would use for a person (stable per person, like Teams). */
export const personalConversationId = (m: FakeMember) => `a:1${m.aadObjectId.replace(/-/g, '')}`;
export const CHANNEL_ID = '19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2';
export const TEAM_ID = '19:zFLSDFWsesfzcmKArqKJ-65aOXJz@sgf462H2wz41@thread.tacv2';

const from = (m: FakeMember) => ({ id: m.id, name: m.name, aadObjectId: m.aadObjectId });

function conversation(scope: TeamsScope, member: FakeMember, conversationId?: string, tenantId = TEAMS_TENANT) {
  if (scope === 'personal') return { conversationType: 'personal', tenantId, id: conversationId ?? personalConversationId(member) };
  if (scope === 'groupChat') return { isGroup: true, conversationType: 'groupChat', tenantId, id: conversationId ?? '19:meeting_group_chat@thread.v2' };
  return { isGroup: true, conversationType: 'channel', tenantId, id: conversationId ?? `${CHANNEL_ID};messageid=1759881511856` };
}

function channelData(scope: TeamsScope, tenantId = TEAMS_TENANT, channelId = CHANNEL_ID) {
  if (scope !== 'channel') return { tenant: { id: tenantId } };
  return { teamsChannelId: channelId, teamsTeamId: TEAM_ID, channel: { id: channelId }, team: { id: TEAM_ID }, tenant: { id: tenantId } };
}

const clientInfo = (timezone: string) => ({ locale: 'en-US', country: 'US', platform: 'Web', timezone, type: 'clientInfo' });

export interface MessageOptions {
  serviceUrl: string;
  from: FakeMember;
  /** The text typed after any mentions; `<at>` tags are added for `mentionBot` and `mentions`. */
  text: string;
  scope?: TeamsScope;
  conversationId?: string;
  /** Prefix the bot's own <at> mention, as Teams does in channels. Default: true outside personal chats. */
  mentionBot?: boolean;
  /** People (or bots, ids starting 28:) mentioned in the text: each `@Name` in `text` becomes `<at>Name</at>` with an entity. */
  mentions?: { id: string; name: string }[];
  timezone?: string;
  tenantId?: string;
}

/** A message, as in message_personal.json (1:1) or message_channel_mention_bot.json (channel). */
export function teamsMessage(o: MessageOptions): Activity {
  const scope = o.scope ?? 'personal';
  const tenantId = o.tenantId ?? TEAMS_TENANT;
  const timezone = o.timezone ?? 'America/Los_Angeles';
  const entities: Record<string, unknown>[] = [];
  let text = o.text;
  for (const m of o.mentions ?? []) {
    const tag = `<at>${m.name}</at>`;
    text = text.replace(`@${m.name}`, tag);
    entities.push({ mentioned: { id: m.id, name: m.name }, text: tag, type: 'mention' });
  }
  if (o.mentionBot ?? scope !== 'personal') {
    const tag = `<at>${BOT.name}</at>`;
    text = `${tag} ${text}`;
    entities.unshift({ mentioned: { id: BOT.id, name: BOT.name }, text: tag, type: 'mention' });
  }
  entities.push(clientInfo(timezone));
  return {
    type: 'message',
    id: `${Date.now()}${Math.floor(Math.random() * 1000)}`,
    timestamp: new Date().toISOString(),
    localTimestamp: new Date().toISOString(),
    serviceUrl: o.serviceUrl,
    channelId: 'msteams',
    from: from(o.from),
    conversation: conversation(scope, o.from, o.conversationId, tenantId),
    recipient: BOT,
    textFormat: 'plain',
    text,
    attachments: [{ contentType: 'text/html', content: `<p>${text}</p>` }],
    entities,
    channelData: channelData(scope, tenantId),
    locale: 'en-US',
    localTimezone: timezone,
  };
}

export interface CardActionOptions {
  serviceUrl: string;
  from: FakeMember;
  verb: string;
  data?: Record<string, unknown>;
  /** The id of the message carrying the card (the activity id Tandem got when it sent it). */
  replyToId: string;
  scope?: TeamsScope;
  conversationId?: string;
  tenantId?: string;
}

/** A Universal Action click, as in invoke_adaptive_card_action.json. */
export function cardAction(o: CardActionOptions): Activity {
  const scope = o.scope ?? 'personal';
  const tenantId = o.tenantId ?? TEAMS_TENANT;
  return {
    type: 'invoke',
    channelId: 'msteams',
    id: `f:${rand()}`,
    serviceUrl: o.serviceUrl,
    channelData: { ...channelData(scope, tenantId), source: { name: 'message' }, legacy: { replyToId: o.replyToId } },
    from: from(o.from),
    recipient: BOT,
    conversation: conversation(scope, o.from, o.conversationId, tenantId),
    entities: [clientInfo('America/Los_Angeles')],
    value: { action: { type: 'Action.Execute', title: o.verb, verb: o.verb, data: o.data ?? {} }, trigger: 'manual' },
    name: 'adaptiveCard/action',
    timestamp: new Date().toISOString(),
    replyToId: o.replyToId,
    locale: 'en-US',
    localTimezone: 'America/Los_Angeles',
  };
}

/** Tandem installed in a person's 1:1 chat, as in conversation_update_bot_added_personal.json. */
export function botAddedPersonal(o: { serviceUrl: string; user: FakeMember; tenantId?: string }): Activity {
  return {
    membersAdded: [{ id: BOT.id }, { id: o.user.id, aadObjectId: o.user.aadObjectId }],
    type: 'conversationUpdate',
    timestamp: new Date().toISOString(),
    id: `f:${rand()}`,
    channelId: 'msteams',
    serviceUrl: o.serviceUrl,
    from: { id: o.user.id, aadObjectId: o.user.aadObjectId },
    conversation: { conversationType: 'personal', id: personalConversationId(o.user) },
    recipient: BOT,
    channelData: { tenant: { id: o.tenantId ?? TEAMS_TENANT } },
  };
}

/** Tandem added to a team (its General channel), as in conversation_update_bot_added_team.json. */
export function botAddedToTeam(o: { serviceUrl: string; by: FakeMember; channelId?: string; tenantId?: string }): Activity {
  const channelId = o.channelId ?? CHANNEL_ID;
  const tenantId = o.tenantId ?? TEAMS_TENANT;
  return {
    type: 'conversationUpdate',
    membersAdded: [{ id: BOT.id }],
    timestamp: new Date().toISOString(),
    id: `f:${rand()}`,
    channelId: 'msteams',
    serviceUrl: o.serviceUrl,
    from: { id: o.by.id, aadObjectId: o.by.aadObjectId },
    conversation: { isGroup: true, conversationType: 'channel', tenantId, id: channelId, name: 'Delivery' },
    recipient: BOT,
    channelData: {
      settings: { selectedChannel: { id: channelId } },
      team: { aadGroupId: 'f3ec8cd2-e704-4344-8c47-9a3a21d683c0', name: 'Delivery', id: TEAM_ID },
      eventType: 'teamMemberAdded',
      tenant: { id: tenantId },
    },
  };
}

/** A channel created in a team that has Tandem, as in conversation_update_channel_created.json. */
export function channelCreated(o: { serviceUrl: string; by: FakeMember; channelId: string; name?: string; tenantId?: string }): Activity {
  return {
    type: 'conversationUpdate',
    timestamp: new Date().toISOString(),
    localTimestamp: new Date().toISOString(),
    id: `f:${rand()}`,
    channelId: 'msteams',
    serviceUrl: o.serviceUrl,
    from: { id: o.by.id },
    conversation: { isGroup: true, conversationType: 'channel', id: TEAM_ID },
    recipient: BOT,
    channelData: {
      channel: { id: o.channelId, name: o.name ?? 'FunDiscussions' },
      team: { id: TEAM_ID },
      eventType: 'channelCreated',
      tenant: { id: o.tenantId ?? TEAMS_TENANT },
    },
  };
}

/** The app installed in (or, with action 'remove', removed from) a team, as in installation_update_add_team.json. */
export function installationUpdateTeam(o: { serviceUrl: string; by: FakeMember; channelId?: string; tenantId?: string; action?: 'add' | 'remove' }): Activity {
  const channelId = o.channelId ?? CHANNEL_ID;
  const tenantId = o.tenantId ?? TEAMS_TENANT;
  return {
    type: 'installationUpdate',
    id: `f:${rand()}`,
    timestamp: new Date().toISOString(),
    serviceUrl: o.serviceUrl,
    channelId: 'msteams',
    from: { id: o.by.id, aadObjectId: o.by.aadObjectId },
    recipient: BOT,
    locale: 'en-US',
    entities: [{ type: 'clientInfo', locale: 'en-US' }],
    conversation: { isGroup: true, id: channelId, name: 'Delivery', conversationType: 'channel', tenantId },
    channelData: {
      settings: { selectedChannel: { id: channelId } },
      channel: { id: channelId },
      team: { aadGroupId: 'da849743-4259-475f-ae7a-4f4b0fb49943', name: 'Delivery', id: TEAM_ID },
      tenant: { id: tenantId },
      source: { name: 'message' },
    },
    action: o.action ?? 'add',
  };
}

/** Posts an activity to Tandem's /api/messages, as the Bot Framework service does. */
export function postActivity(baseUrl: string, activity: Activity, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(activity) });
}

/** Tandem installed in `member`'s 1:1 chat: the person is mapped (created) and their 1:1 reference stored. */
export async function installFor(tandem: { url: string; core: Core }, connector: FakeConnector, member: FakeMember): Promise<Person> {
  if (!connector.members.some((m) => m.id === member.id)) connector.addMember(member);
  const res = await postActivity(tandem.url, botAddedPersonal({ serviceUrl: connector.serviceUrl, user: member, tenantId: member.tenantId }));
  if (res.status !== 200) throw new Error(`installing Tandem for ${member.name} answered ${res.status}`);
  const person = await tandem.core.people.byIdentityKey(identityKey.teams(member.tenantId ?? TEAMS_TENANT, member.aadObjectId));
  if (!person) throw new Error(`${member.name} was not mapped to a person`);
  return person;
}

export type Card = Record<string, unknown> & { body: unknown[] };

/** The Adaptive Card a recorded activity carries (throws if it has none). */
export function cardOf(recorded: RecordedActivity): Card {
  const attachment = recorded.activity.attachments?.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive');
  if (!attachment) throw new Error(`activity ${recorded.activityId} carries no Adaptive Card: ${JSON.stringify(recorded.activity).slice(0, 300)}`);
  return attachment.content as Card;
}

/** Every Action.Execute in a card, nested containers, action sets and ShowCards included. */
export function executeActions(node: unknown, out: Record<string, unknown>[] = []): (Record<string, unknown> & { verb: string; data?: Record<string, unknown> })[] {
  if (Array.isArray(node)) node.forEach((n) => executeActions(n, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type === 'Action.Execute') out.push(o);
    Object.values(o).forEach((n) => executeActions(n, out));
  }
  return out as (Record<string, unknown> & { verb: string; data?: Record<string, unknown> })[];
}

export interface InvokeAnswer {
  statusCode: number;
  type: string;
  /** The updated card (type application/vnd.microsoft.card.adaptive) or a short text (application/vnd.microsoft.activity.message). */
  value: unknown;
}

/**
 * Clicks the button with `verb` on the card Tandem sent in `recorded`, as
 * Teams does (an adaptiveCard/action invoke carrying the button's data plus
 * `inputs`, the card's input values). Resolves with the invoke response.
 */
export async function click(
  baseUrl: string,
  connector: FakeConnector,
  from: FakeMember,
  recorded: RecordedActivity,
  verb: string,
  inputs: Record<string, string> = {},
  scope: TeamsScope = 'personal',
): Promise<InvokeAnswer> {
  const button = executeActions(cardOf(recorded)).find((a) => a.verb === verb);
  if (!button) throw new Error(`no button with verb ${verb} on the card`);
  const conversationId = scope === 'personal' ? recorded.conversationId : undefined;
  const activity = cardAction({ serviceUrl: connector.serviceUrl, from, verb, data: { ...(button.data ?? {}), ...inputs }, replyToId: recorded.activityId, scope, ...(conversationId ? { conversationId } : {}) });
  const res = await postActivity(baseUrl, activity);
  if (res.status !== 200) throw new Error(`the click on ${verb} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as InvokeAnswer;
}

/**
 * The official Adaptive Cards SDK (package `adaptivecards`). Its dist bundle
 * loads in Node without a DOM as long as nothing is rendered: parsing and
 * validation only touch plain objects. (Its ESM `lib/` build has extension-less
 * imports Node cannot resolve, hence the CommonJS bundle.)
 */
interface SdkEvent {
  message: string;
}
interface AdaptiveCardsSdk {
  AdaptiveCard: new () => { parse(json: unknown, context: unknown): void; validateProperties(): { validationEvents: SdkEvent[] } };
  SerializationContext: new () => { eventCount: number; getEventAt(i: number): SdkEvent };
}
const sdk = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as AdaptiveCardsSdk;

/** Every parse event (errors and warnings) and validation event the official SDK reports for a card. */
export function adaptiveCardProblems(json: unknown): string[] {
  const card = new sdk.AdaptiveCard();
  const context = new sdk.SerializationContext();
  card.parse(json, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const e of card.validateProperties().validationEvents) problems.push(`validate: ${e.message}`);
  return problems;
}
