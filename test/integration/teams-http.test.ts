import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reply } from '../../src/core/chat/chat.port.js';
import { mention, v } from '../../src/core/chat/views.js';
import type { FormValues } from '../../src/core/chat/views.js';
import { identityKey } from '../../src/core/people/people.types.js';
import { FakeConnector } from '../support/fake-connector.js';
import { startTestTandem } from '../support/stack.js';
import {
  ANA,
  BOT,
  CHANNEL_ID,
  MEGAN,
  RIDO,
  TEAMS_TENANT,
  botAddedPersonal,
  cardAction,
  cardOf,
  channelCreated,
  click,
  executeActions,
  installFor,
  installationUpdateTeam,
  personalConversationId,
  postActivity,
  teamsMessage,
} from '../support/teams.js';
import type { Card } from '../support/teams.js';

describe('Teams over the real botbuilder stack', () => {
  let connector: FakeConnector;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  const seen: { args: string[]; forms: FormValues[] } = { args: [], forms: [] };

  beforeAll(async () => {
    connector = await FakeConnector.start({ members: [MEGAN, ANA, RIDO] });
    tandem = await startTestTandem({ TEAMS_ENABLED: 'true' }, { workers: false });
    const { interactions } = tandem.core;
    interactions.command('echo', 'repeat what you say', async (_ctx, args) => {
      seen.args.push(args);
      return reply.public(v.view(args, v.section(args)));
    });
    interactions.action('probe', async (ctx) => reply.private(v.view(`Noted, *${mention(ctx.actor.id)}*`, v.section('Noted.'))));
    interactions.command('whisper', 'answer privately', async () => reply.private(v.view('Just for you', v.section('Just for you'))));
    interactions.command('survey', 'open a form', async () =>
      reply.form({
        id: 'test.survey',
        title: 'Quick survey',
        submitLabel: 'Send',
        metadata: 'week-47',
        blocks: [
          { type: 'input', id: 'mood', label: 'Mood', kind: 'radio', options: [{ label: 'Good', value: 'good' }, { label: 'Bad', value: 'bad' }] },
          { type: 'input', id: 'tags', label: 'Tags', kind: 'checkboxes', options: [{ label: 'A', value: 'a' }, { label: 'B', value: 'b' }] },
          { type: 'input', id: 'buddy', label: 'Buddy', kind: 'user' },
          { type: 'input', id: 'note', label: 'Note', kind: 'textarea', optional: true },
          { type: 'input', id: 'value', label: 'Company value', kind: 'select', options: [{ label: 'Ownership', value: 'ownership' }] },
        ],
      }),
    );
    interactions.form('test.survey', async (_ctx, values, metadata) => {
      seen.forms.push({ ...values, metadata });
      if (values.note === 'bad') return reply.formErrors({ note: 'Please be kind.' });
      return reply.none();
    });
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await connector?.close();
  });

  it('answers a "help" message with the help view as an Adaptive Card, and maps the person', async () => {
    const res = await postActivity(tandem.url, teamsMessage({ serviceUrl: connector.serviceUrl, from: MEGAN, text: 'help' }));
    expect(res.status).toBe(200);
    const [sent] = connector.sentTo(personalConversationId(MEGAN));
    expect(sent).toBeDefined();
    const card = cardOf(sent!);
    expect(card.version).toBe('1.5');
    expect(JSON.stringify(card)).toContain('Tandem');
    expect(executeActions(card).map((a) => a.verb)).toContain('help.more');
    // The same help view core renders everywhere: every command it lists is on the card.
    const commands = tandem.core.interactions.commandSummaries().concat(tandem.core.tandem.summaries());
    for (const c of commands) expect(JSON.stringify(card.body)).toContain(`• /${c.name} `);
    // Open like the Emulator: no token on any outgoing call (reply, member lookup).
    expect(connector.requests.length).toBeGreaterThanOrEqual(2);
    expect(connector.requests.filter((r) => r.authorization !== undefined)).toEqual([]);

    const person = await tandem.core.people.byIdentityKey(identityKey.teams(TEAMS_TENANT, MEGAN.aadObjectId));
    expect(person).toMatchObject({ name: 'Megan Bowen', email: 'megan.bowen@contoso.example', timeZone: 'America/Los_Angeles' });
  });

  it('answers 400 to a body that is not an activity', async () => {
    const res = await fetch(`${tandem.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hello: 'world' }) });
    expect(res.status).toBe(400);
    const notJson = await fetch(`${tandem.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(notJson.status).toBe(400);
  });

  it('takes null fields as absent (botbuilder would crash on a null channelData or entities): the 1:1 reference is stored, a message answered', async () => {
    const nora = { id: '29:1nullChannelData-Nora', name: 'Nora Null', aadObjectId: '0c0e5a2e-7d1f-4c39-9d0e-5b1f7f0a9c11', email: 'nora@contoso.example', tenantId: TEAMS_TENANT };
    connector.addMember(nora);
    const created = connector.created.length;
    // No tenant anywhere else either, so the tenant is read from channelData: none, the default one.
    const res = await postActivity(tandem.url, { ...botAddedPersonal({ serviceUrl: connector.serviceUrl, user: nora }), channelData: null });
    expect(res.status).toBe(200);
    const person = await tandem.core.people.byIdentityKey(identityKey.teams('default', nora.aadObjectId));
    expect(person).toMatchObject({ name: 'Nora Null' });
    expect(await tandem.core.messenger.dm(person!.id, v.view('Hello', v.section('Hello Nora')), 'test.dm:nora')).toBe(true);
    expect(connector.sentTo(personalConversationId(nora))).toHaveLength(1);
    expect(connector.created).toHaveLength(created);
    const help = await postActivity(tandem.url, { ...teamsMessage({ serviceUrl: connector.serviceUrl, from: nora, text: 'help' }), entities: null, channelData: null });
    expect(help.status).toBe(200);
    expect(connector.sentTo(personalConversationId(nora))).toHaveLength(2);
  });

  it('updates the card in place when its button is clicked', async () => {
    const [sent] = connector.sentTo(personalConversationId(MEGAN));
    const answer = await click(tandem.url, connector, MEGAN, sent!, 'help.more');
    expect(answer.statusCode).toBe(200);
    expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(answer.value)).toContain('How the week goes');
    expect(executeActions(answer.value)).toHaveLength(0);
  });

  it('answers a click whose reply is a message with a short plain text (names, no markup) and sends the message', async () => {
    connector.clear();
    const res = await postActivity(tandem.url, cardAction({ serviceUrl: connector.serviceUrl, from: MEGAN, verb: 'probe.ping', replyToId: 'any' }));
    expect(await res.json()).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Noted, Megan Bowen' });
    expect(JSON.stringify(cardOf(connector.sentTo(personalConversationId(MEGAN))[0]!))).toContain('Noted.');
  });

  it('in a channel, a click updates the card for everyone there (updateActivity), not just for the clicker', async () => {
    connector.clear();
    const res = await postActivity(
      tandem.url,
      cardAction({ serviceUrl: connector.serviceUrl, from: MEGAN, scope: 'channel', verb: 'help.more', data: { value: 'more' }, replyToId: '1759881511856' }),
    );
    const body = (await res.json()) as { type: string; value: Card };
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    const put = connector.activities.find((a) => a.method === 'PUT');
    expect(put).toMatchObject({ activityId: '1759881511856' });
    expect(put!.conversationId).toContain(CHANNEL_ID);
    expect(JSON.stringify(put!.activity)).toContain('How the week goes');
  });

  it('copes with a minimal activity (teamsnet_message_personal_min: no tenant, no AAD id, member unknown to the connector)', async () => {
    connector.clear();
    const activity = {
      id: '1',
      type: 'message',
      channelId: 'msteams',
      serviceUrl: connector.serviceUrl,
      text: 'help',
      from: { id: '1', role: 'user', name: 'test' },
      recipient: { id: '2', role: 'bot', name: 'test-bot' },
      conversation: { id: '1', conversationType: 'personal' },
    };
    expect((await postActivity(tandem.url, activity)).status).toBe(200);
    expect(JSON.stringify(cardOf(connector.sentTo('1')[0]!))).toContain('help.more');
    expect(await tandem.core.people.byIdentityKey(identityKey.teams('default', '1'))).toMatchObject({ name: 'test' });
  });

  it('stores the 1:1 reference from conversationUpdate and sends a proactive DM through it', async () => {
    connector.clear();
    const res = await postActivity(tandem.url, botAddedPersonal({ serviceUrl: connector.serviceUrl, user: RIDO }));
    expect(res.status).toBe(200);
    const rido = await tandem.core.people.byIdentityKey(identityKey.teams(TEAMS_TENANT, RIDO.aadObjectId));
    expect(rido).toMatchObject({ name: 'Rido', email: 'rido@contoso.example' });

    const sent = await tandem.core.messenger.dm(rido!.id, v.view('Time for your check-in', v.section('How did your week go?')), 'test.dm:rido');
    expect(sent).toBe(true);
    const [dm] = connector.sentTo(personalConversationId(RIDO));
    expect(JSON.stringify(cardOf(dm!))).toContain('How did your week go?');
    expect(dm!.activity.summary).toBe('Time for your check-in');
    expect(connector.created).toHaveLength(0);

    // Once per key; an update rewrites the same message in place.
    expect(await tandem.core.messenger.dm(rido!.id, v.view('again', v.section('again')), 'test.dm:rido')).toBe(false);
    expect(await tandem.core.messenger.update('test.dm:rido', v.view('Thanks!', v.section('Check-in received.')))).toBe(1);
    const put = connector.activities.find((a) => a.method === 'PUT');
    expect(put).toMatchObject({ conversationId: personalConversationId(RIDO), activityId: dm!.activityId });
    expect(JSON.stringify(put!.activity)).toContain('Check-in received.');
  });

  it('rides out throttling (429 + Retry-After) and lets a refused send be retried, so no message is lost', async () => {
    const KIM = { id: '29:kim-teams-id', name: 'Kim Lee', aadObjectId: '3c4d5e6f-0000-4000-8000-00000000c1c1', email: 'kim.lee@contoso.example', tenantId: TEAMS_TENANT };
    const kim = await installFor(tandem, connector, KIM);
    connector.clear();
    connector.failNext(429, 1);
    expect(await tandem.core.messenger.dm(kim.id, v.view('Throttled once', v.section('Still arrives')), 'test.dm:throttled')).toBe(true);
    expect(connector.sentTo(personalConversationId(KIM))).toHaveLength(1);
    expect(connector.requests.filter((r) => r.method === 'POST')).toHaveLength(2);

    // A refused send (403 is not retried by the connector client) frees the key, so a later retry sends it.
    connector.clear();
    connector.failNext(403, 1);
    await expect(tandem.core.messenger.dm(kim.id, v.view('Down', v.section('Connector down')), 'test.dm:down')).rejects.toThrow();
    expect(await tandem.core.messenger.dm(kim.id, v.view('Back', v.section('Connector back')), 'test.dm:down')).toBe(true);
    expect(connector.sentTo(personalConversationId(KIM))).toHaveLength(1);
  });

  it('resolves <at> mentions to people and bots, and renders mentions back as Teams mentions', async () => {
    connector.clear();
    const res = await postActivity(
      tandem.url,
      teamsMessage({
        serviceUrl: connector.serviceUrl,
        from: MEGAN,
        scope: 'channel',
        text: 'echo thanks @Ana Silva and @Helper Bot',
        mentions: [
          { id: ANA.id, name: ANA.name },
          { id: '28:other-bot', name: 'Helper Bot' },
        ],
      }),
    );
    expect(res.status).toBe(200);
    const ana = await tandem.core.people.byIdentityKey(identityKey.teams(TEAMS_TENANT, ANA.aadObjectId));
    expect(ana).toMatchObject({ name: 'Ana Silva', email: 'ana.silva@contoso.example' });
    expect(seen.args.at(-1)).toBe(`thanks <@person:${ana!.id}> and <@bot:Helper Bot>`);

    const [posted] = connector.activities;
    expect(posted?.conversationId).toContain(CHANNEL_ID);
    const card = cardOf(posted!);
    expect(JSON.stringify(card.body)).toContain('thanks <at>Ana Silva</at> and Helper Bot');
    expect((card.msteams as { entities: unknown[] }).entities).toEqual([{ type: 'mention', text: '<at>Ana Silva</at>', mentioned: { id: ANA.id, name: 'Ana Silva', role: 'user' } }]);
  });

  it('opens a 1:1 chat for a person with no stored reference (createConversation), then reuses it', async () => {
    connector.clear();
    const ana = await tandem.core.people.byIdentityKey(identityKey.teams(TEAMS_TENANT, ANA.aadObjectId));
    expect(await tandem.core.messenger.dm(ana!.id, v.view('Hello Ana', v.section('Welcome to Tandem')), 'test.dm:ana')).toBe(true);
    expect(connector.created).toHaveLength(1);
    expect(connector.created[0]!.parameters).toMatchObject({ isGroup: false, bot: { id: BOT.id }, members: [{ id: ANA.id }], tenantId: TEAMS_TENANT });
    const conversationId = connector.created[0]!.id;
    expect(connector.sentTo(conversationId)).toHaveLength(1);
    await tandem.core.messenger.dm(ana!.id, v.view('Again', v.section('Second')), 'test.dm:ana2');
    expect(connector.created).toHaveLength(1);
    expect(connector.sentTo(conversationId)).toHaveLength(2);
  });

  it('posts to a team channel through the reference stored at installation', async () => {
    connector.clear();
    expect((await postActivity(tandem.url, installationUpdateTeam({ serviceUrl: connector.serviceUrl, by: MEGAN }))).status).toBe(200);
    const team = await tandem.store.teams.create({ name: 'Delivery', channels: { teams: { conversationId: CHANNEL_ID } } });
    expect(await tandem.core.messenger.post(team, v.view('Weekly summary', v.header('Weekly summary'), v.section('All good')), 'test.post:delivery')).toBe(1);
    const [post] = connector.sentTo(CHANNEL_ID);
    expect(post).toBeDefined();
    expect(post!.replyToId).toBeUndefined(); // a new post, not a reply in some thread
    expect(JSON.stringify(cardOf(post!))).toContain('All good');
  });

  it('stores a channel created later in the team, and posts there', async () => {
    connector.clear();
    const channelId = '19:6d97d816470f481dbcda38244b98689a@thread.tacv2';
    expect((await postActivity(tandem.url, channelCreated({ serviceUrl: connector.serviceUrl, by: MEGAN, channelId }))).status).toBe(200);
    const team = await tandem.store.teams.create({ name: 'Fun', channels: { teams: { conversationId: channelId } } });
    expect(await tandem.core.messenger.post(team, v.view('Hello channel', v.section('Hello channel')), 'test.post:fun')).toBe(1);
    expect(connector.sentTo(channelId)).toHaveLength(1);
  });

  it('refuses clearly to post to a channel Tandem was never added to', async () => {
    const team = await tandem.store.teams.create({ name: 'Elsewhere', channels: { teams: { conversationId: '19:not-installed@thread.tacv2' } } });
    await expect(tandem.core.messenger.post(team, v.view('x', v.section('x')), 'test.post:elsewhere')).rejects.toThrow(/add the Tandem app to that team/);
  });

  it('sends a private answer asked for in a channel to the 1:1 chat, with a pointer in the channel', async () => {
    connector.clear();
    await postActivity(tandem.url, teamsMessage({ serviceUrl: connector.serviceUrl, from: MEGAN, scope: 'channel', text: 'whisper' }));
    const [dm] = connector.sentTo(personalConversationId(MEGAN));
    expect(JSON.stringify(cardOf(dm!))).toContain('Just for you');
    const pointer = connector.activities.find((a) => a.conversationId.startsWith(CHANNEL_ID));
    expect(pointer?.activity.text).toContain('private chat');
  });

  it('works in group chats too, and takes the time zone from the clientInfo entity when localTimezone is absent', async () => {
    connector.clear();
    const lee = { id: '29:lee-teams-id', name: 'Lee Wong', aadObjectId: '9d8c7b6a-0000-4000-8000-0000000000ee', email: 'lee.wong@contoso.example', tenantId: TEAMS_TENANT };
    connector.addMember(lee);
    const message = teamsMessage({ serviceUrl: connector.serviceUrl, from: lee, scope: 'groupChat', text: 'echo hello group', timezone: 'Europe/Paris' });
    delete message.localTimezone;
    expect((await postActivity(tandem.url, message)).status).toBe(200);
    expect(seen.args.at(-1)).toBe('hello group');
    const [posted] = connector.sentTo(message.conversation.id);
    expect(JSON.stringify(cardOf(posted!))).toContain('hello group');
    const person = await tandem.core.people.byIdentityKey(identityKey.teams(TEAMS_TENANT, lee.aadObjectId));
    expect(person).toMatchObject({ name: 'Lee Wong', timeZone: 'Europe/Paris' });
  });

  it('updates a card a feature recorded from a channel thread or a group chat (ctx.message), through the stored references', async () => {
    connector.clear();
    const { postedMessages } = tandem.store;
    const at = new Date();
    const places = [
      { key: 'test.update:thread', channel: `${CHANNEL_ID};messageid=1759881511856`, messageId: '1759881511856' },
      { key: 'test.update:group', channel: '19:meeting_group_chat@thread.v2', messageId: '1760000000000' },
    ];
    for (const p of places) {
      await postedMessages.reserve(p.key, 'teams', at, 30_000);
      await postedMessages.complete(p.key, 'teams', { platform: 'teams', channel: p.channel, messageId: p.messageId });
      expect(await tandem.core.messenger.update(p.key, v.view('Updated', v.section(`Updated ${p.key}`)))).toBe(1);
      const put = connector.activities.find((a) => a.method === 'PUT' && a.activityId === p.messageId);
      expect(put?.conversationId, p.key).toBe(p.channel);
      expect(JSON.stringify(put!.activity)).toContain(`Updated ${p.key}`);
    }
  });

  it('routes typed commands to core: "tandem checkin history" and "kudos @Ana … #ownership"', async () => {
    for (const [text, mentions] of [
      ['tandem checkin history', []],
      ['kudos @Ana Silva for the smooth release #ownership', [{ id: ANA.id, name: ANA.name }]],
    ] as const) {
      connector.clear();
      expect((await postActivity(tandem.url, teamsMessage({ serviceUrl: connector.serviceUrl, from: MEGAN, text, mentions: [...mentions] }))).status).toBe(200);
      const replies = connector.activities.map((a) => JSON.stringify(a.activity));
      expect(replies.length, text).toBeGreaterThan(0);
      expect(replies.join(' '), text).not.toMatch(/I don't know|Something went wrong|That button no longer works/);
    }
  });

  it('opens a form as a card, keeps it open with errors, and replaces it with a receipt', async () => {
    connector.clear();
    await postActivity(tandem.url, teamsMessage({ serviceUrl: connector.serviceUrl, from: MEGAN, text: 'survey' }));
    const [sent] = connector.sentTo(personalConversationId(MEGAN));
    const submit = executeActions(cardOf(sent!)).find((a) => a.verb === 'form.submit')!;
    expect(submit).toBeDefined();
    const megan = await tandem.core.people.byIdentityKey(identityKey.teams(TEAMS_TENANT, MEGAN.aadObjectId));
    const ana = await tandem.core.people.byIdentityKey(identityKey.teams(TEAMS_TENANT, ANA.aadObjectId));
    // Teams merges the inputs' values into the submit button's data.
    const inputs = { mood: 'good', tags: 'a,b', buddy: ANA.aadObjectId, note: 'bad', value: 'ownership' };
    const first = await postActivity(
      tandem.url,
      cardAction({ serviceUrl: connector.serviceUrl, from: MEGAN, verb: 'form.submit', data: { ...(submit.data as object), ...inputs }, replyToId: sent!.activityId }),
    );
    const errorCard = (await first.json()) as { type: string; value: Card };
    expect(errorCard.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(errorCard.value)).toContain('Please be kind.');
    expect(seen.forms.at(-1)).toEqual({ mood: 'good', tags: ['a', 'b'], buddy: ana!.id, note: 'bad', value: 'ownership', metadata: 'week-47' });
    expect(megan).not.toBeNull();

    const second = await postActivity(
      tandem.url,
      cardAction({ serviceUrl: connector.serviceUrl, from: MEGAN, verb: 'form.submit', data: { ...(submit.data as object), ...inputs, note: 'great week' }, replyToId: sent!.activityId }),
    );
    const receipt = (await second.json()) as { value: Card };
    expect(JSON.stringify(receipt.value)).toContain('Quick survey');
    expect(JSON.stringify(receipt.value)).toContain('sent');
  });

  it('forgets a team\'s channels when Tandem is removed from it, and refuses to post there clearly', async () => {
    expect((await postActivity(tandem.url, installationUpdateTeam({ serviceUrl: connector.serviceUrl, by: MEGAN, action: 'remove' }))).status).toBe(200);
    const team = await tandem.store.teams.findByName('Delivery');
    await expect(tandem.core.messenger.post(team!, v.view('x', v.section('x')), 'test.post:after-removal')).rejects.toThrow(/add the Tandem app to that team/);
    const fun = await tandem.store.teams.findByName('Fun');
    await expect(tandem.core.messenger.post(fun!, v.view('x', v.section('x')), 'test.post:after-removal-fun')).rejects.toThrow(/add the Tandem app/);
  });
});

describe('Teams with a Microsoft App ID', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'true', MICROSOFT_APP_ID: '00000000-0000-4000-8000-0000000000aa', MICROSOFT_APP_PASSWORD: 'not-a-real-secret' }, { workers: false });
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  it('refuses an unauthenticated request with 401 and reaches no handler', async () => {
    const connector = await FakeConnector.start({ members: [MEGAN] });
    try {
      const res = await postActivity(tandem.url, teamsMessage({ serviceUrl: connector.serviceUrl, from: MEGAN, text: 'help' }));
      expect(res.status).toBe(401);
      expect(connector.requests).toHaveLength(0);
      expect(await tandem.core.people.byIdentityKey(identityKey.teams(TEAMS_TENANT, MEGAN.aadObjectId))).toBeNull();
    } finally {
      await connector.close();
    }
  });
});
