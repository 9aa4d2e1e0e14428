import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Person } from '../../src/core/people/people.types.js';
import { identityKey } from '../../src/core/people/people.types.js';
import { FORM_DATA, FORM_SUBMIT_VERB } from '../../src/adapters/teams/cards.js';
import { FakeConnector } from '../support/fake-connector.js';
import type { RecordedActivity } from '../support/fake-connector.js';
import { startTestTandem } from '../support/stack.js';
import { ANA, CHANNEL_ID, MEGAN, RIDO, TEAMS_TENANT, botAddedPersonal, botAddedToTeam, cardAction, personalConversationId, postActivity, teamsMessage } from '../support/teams.js';

/** A colleague whose name is not ASCII, mentioned as `<at>Zoë Łukasz 李雷</at>`. */
const ZOE = {
  id: '29:1zoe0000000000000000000000000000000000000000000000000000000000000000000000000000',
  name: 'Zoë Łukasz 李雷',
  aadObjectId: '2c3d4e5f-0000-4000-8000-00000000b1b1',
  email: 'zoe@contoso.example',
  tenantId: TEAMS_TENANT,
};

const textOf = (a: RecordedActivity): string => `${a.activity.text ?? ''} ${a.activity.summary ?? ''} ${JSON.stringify(a.activity.attachments ?? [])}`;

describe('kudos in Microsoft Teams over HTTP, through botbuilder, into the fake connector', () => {
  let connector: FakeConnector;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let ana: Person, rido: Person, megan: Person;

  const say = async (from: typeof MEGAN, text: string, opts: { scope?: 'personal' | 'channel'; mentions?: (typeof MEGAN)[]; activityId?: string } = {}) => {
    const activity = teamsMessage({ serviceUrl: connector.serviceUrl, from, text, scope: opts.scope ?? 'personal', mentions: (opts.mentions ?? []).map((m) => ({ id: m.id, name: m.name })) });
    if (opts.activityId) activity.id = opts.activityId;
    const res = await postActivity(tandem.url, activity);
    expect(res.status).toBe(200);
    return activity;
  };
  const toMegan = () => connector.sentTo(personalConversationId(MEGAN)).map(textOf).join('\n');

  beforeAll(async () => {
    connector = await FakeConnector.start({ members: [MEGAN, ANA, RIDO, ZOE] });
    tandem = await startTestTandem({ CONSOLE_ENABLED: 'false' });
    await tandem.core.recognition.updateSettings({ values: [{ name: 'ownership' }, { name: 'customers' }] });
    for (const user of [MEGAN, ANA, RIDO, ZOE]) expect((await postActivity(tandem.url, botAddedPersonal({ serviceUrl: connector.serviceUrl, user }))).status).toBe(200);
    expect((await postActivity(tandem.url, botAddedToTeam({ serviceUrl: connector.serviceUrl, by: MEGAN }))).status).toBe(200);
    const of = async (m: typeof MEGAN) => (await tandem.core.people.byIdentityKey(identityKey.teams(TEAMS_TENANT, m.aadObjectId)))!;
    [megan, ana, rido] = [await of(MEGAN), await of(ANA), await of(RIDO)];
    await tandem.store.teams.create({ name: 'Delivery', memberIds: [ana.id, rido.id], channels: { teams: { conversationId: CHANNEL_ID } } });
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await connector?.close();
  });
  beforeEach(() => connector.clear());

  it('"@Tandem kudos @Ana @Rido … #ownership" in a channel: DMs each recipient, posts to the team channel, answers the giver privately', async () => {
    await say(MEGAN, 'kudos @Ana Silva @Rido for running the customer workshop in Łódź 🎉 #ownership', { scope: 'channel', mentions: [ANA, RIDO] });
    const dmAna = await connector.waitForActivity((a) => a.conversationId === personalConversationId(ANA), 10_000);
    expect(textOf(dmAna)).toContain('gave you kudos');
    expect(textOf(dmAna)).toContain('running the customer workshop in Łódź 🎉');
    await connector.waitForActivity((a) => a.conversationId === personalConversationId(RIDO), 10_000);
    const post = await connector.waitForActivity((a) => a.conversationId === CHANNEL_ID && a.method === 'POST' && textOf(a).includes('recognised'), 10_000);
    expect(textOf(post)).toContain('Ana Silva');
    // The confirmation goes to Megan's 1:1 chat, with a pointer left in the channel.
    expect(toMegan()).toContain('Kudos sent to');
    expect(toMegan()).toMatch(/You have 3 kudos left this week \(of 5\); your budget resets Monday \d+ \w+ at 00:00 \(UTC\)/);
  });

  it('answers every rule in the 1:1 chat: self, bots, typos', async () => {
    await say(MEGAN, 'kudos @Megan Bowen for my own great work this week #ownership', { mentions: [MEGAN] });
    expect(toMegan()).toContain('You can’t give kudos to yourself.');
    connector.clear();
    const botMention = teamsMessage({ serviceUrl: connector.serviceUrl, from: MEGAN, text: 'kudos @Ana Silva @Helper for the release notes #ownership', mentions: [{ id: ANA.id, name: ANA.name }, { id: '28:helper-bot', name: 'Helper' }] });
    await postActivity(tandem.url, botMention);
    expect(toMegan()).toContain('Helper is a bot: kudos are for people.');
    connector.clear();
    await say(MEGAN, 'kudos @Ana Silva for the release notes #ownrship', { mentions: [ANA] });
    expect(toMegan()).toContain('Did you mean #ownership?');
  });

  it('counts an activity delivered twice (a Teams retry) once, and answers it once', async () => {
    const activityId = `retry-${Date.now()}`;
    await say(MEGAN, 'kudos @Rido for pairing on the flaky pipeline all day #customers', { mentions: [RIDO], activityId });
    const answers = connector.sentTo(personalConversationId(MEGAN)).length;
    // The adapter drops the redelivery (its activity id is claimed); core's own delivery check stays as a second line.
    await say(MEGAN, 'kudos @Rido for pairing on the flaky pipeline all day #customers', { mentions: [RIDO], activityId });
    expect(connector.sentTo(personalConversationId(MEGAN))).toHaveLength(answers);
    const page = await tandem.core.recognition.list({ limit: 50, giverId: megan.id });
    expect(page.items.filter((k) => k.reason === 'pairing on the flaky pipeline all day')).toHaveLength(1);
  });

  it('"kudos" alone sends the card form; submitting it gives a private kudos to the picked people', async () => {
    await say(MEGAN, 'kudos');
    const [formCard] = connector.sentTo(personalConversationId(MEGAN));
    const card = JSON.stringify(formCard?.activity.attachments?.[0]?.content ?? {});
    expect(card).toContain('Give kudos');
    expect(card).toContain('"id":"recipients"');
    connector.clear();

    const form = await tandem.core.recognition.composeForm(undefined);
    const res = await postActivity(
      tandem.url,
      cardAction({
        serviceUrl: connector.serviceUrl,
        from: MEGAN,
        verb: FORM_SUBMIT_VERB,
        replyToId: formCard!.activityId,
        data: {
          [FORM_DATA.form]: 'kudos.give',
          [FORM_DATA.definition]: JSON.stringify(form),
          recipients: `${ANA.aadObjectId},${RIDO.aadObjectId}`,
          reason: 'for staying late to fix the invoice export',
          companyValue: 'customers',
          private: 'private',
        },
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { statusCode: number; value: unknown };
    expect(body.statusCode).toBe(200);
    expect(JSON.stringify(body.value)).toContain('sent');
    const dm = await connector.waitForActivity((a) => a.conversationId === personalConversationId(ANA) && textOf(a).includes('invoice export'), 10_000);
    expect(textOf(dm)).toContain('This kudos is private');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(connector.activities.some((a) => a.conversationId === CHANNEL_ID && textOf(a).includes('invoice export'))).toBe(false);
    const [last] = (await tandem.core.recognition.list({ limit: 50, giverId: megan.id })).items.slice(-1);
    expect(last).toMatchObject({ recipientIds: [ana.id, rido.id], private: true, values: ['customers'] });
  });

  it('20 simultaneous kudos messages from one giver never exceed the weekly budget; Unicode names resolve', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => say(RIDO, `kudos @${ZOE.name} for answering question number ${i} in the help channel #customers`, { mentions: [ZOE] })));
    const replies = connector.sentTo(personalConversationId(RIDO)).map(textOf);
    expect(replies.filter((t) => !t.includes('Kudos sent') && !t.includes('You’ve used all')).map((t) => t.slice(0, 300))).toEqual([]);
    expect(replies.filter((t) => t.includes('Kudos sent'))).toHaveLength(5);
    expect(replies.filter((t) => t.includes('You’ve used all 5 kudos of your weekly budget.'))).toHaveLength(15);
    const zoe = await tandem.core.people.byIdentityKey(identityKey.teams(TEAMS_TENANT, ZOE.aadObjectId));
    expect(zoe?.name).toBe('Zoë Łukasz 李雷');
    expect((await tandem.core.recognition.list({ limit: 50, giverId: rido.id, recipientId: zoe!.id })).items).toHaveLength(5);
    const dm = await connector.waitForActivity((a) => a.conversationId === personalConversationId(ZOE), 10_000);
    expect(textOf(dm)).toContain('gave you kudos');
  });

  it('a form with an error comes back with the message on the field', async () => {
    const form = await tandem.core.recognition.composeForm(undefined);
    const res = await postActivity(
      tandem.url,
      cardAction({
        serviceUrl: connector.serviceUrl,
        from: MEGAN,
        verb: FORM_SUBMIT_VERB,
        replyToId: 'card-1',
        data: { [FORM_DATA.form]: 'kudos.give', [FORM_DATA.definition]: JSON.stringify(form), recipients: ANA.aadObjectId, reason: 'short', companyValue: 'customers' },
      }),
    );
    expect(JSON.stringify(await res.json())).toContain('a reason needs at least 10 characters');
  });
});
