import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Person } from '../../src/core/people/people.types.js';
import { FakeSlack } from '../support/fake-slack.js';
import { blockKitViolations, interactionBody, sendSlack, SLACK_TEAM, slackEnv, slashCommand, viewSubmission } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../../shared/fixtures/slack/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

type Block = { type: string; text?: { text: string }; elements?: { text?: string }[]; element?: Record<string, unknown>; block_id?: string };
const textOf = (payload: Record<string, unknown>): string =>
  [String(payload.text ?? ''), ...((payload.blocks ?? []) as Block[]).map((b) => [b.text?.text ?? '', ...(b.elements ?? []).map((e) => e.text ?? '')].join(' '))].join('\n');

describe('kudos in Slack over signed HTTP, through Bolt, into the fake Slack Web API', () => {
  let fake: FakeSlack;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let ana: Person, zoe: Person;
  let teamId: string;

  const command = async (text: string, opts: { userId?: string; triggerId?: string } = {}) => {
    const responseUrl = fake.responseUrl();
    const before = fake.responses.length;
    const res = await sendSlack(
      tandem.url,
      slashCommand({ command: '/kudos', text, userId: opts.userId ?? 'UGIVER', responseUrl, ...(opts.triggerId ? { triggerId: opts.triggerId } : {}) }),
    );
    expect(res.status).toBe(200);
    return { responseUrl, before };
  };
  /** The private answer to a slash command, posted to its response_url. */
  const answer = async (text: string, opts: { userId?: string; triggerId?: string } = {}) => {
    const { before } = await command(text, opts);
    const [response] = (await fake.waitForResponses(before + 1)).slice(before);
    expect(response?.body.response_type).toBe('ephemeral');
    return textOf(response!.body);
  };

  beforeAll(async () => {
    fake = await FakeSlack.start();
    fake.addUser({ id: 'UGIVER', realName: 'Road Runner', email: 'giver@example.com', tz: 'Europe/Paris' });
    fake.addUser({ id: 'UANA', realName: 'Ana Lima', email: 'ana@example.com', tz: 'America/Sao_Paulo' });
    fake.addUser({ id: 'UZOE', realName: 'Zoë Łukasz 李雷', email: 'zoe@example.com', tz: 'Asia/Shanghai' });
    fake.addUser({ id: 'UBOT', realName: 'Deploy Bot', isBot: true });
    tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false' }));
    await tandem.core.recognition.updateSettings({ values: [{ name: 'ownership' }, { name: 'customers' }] });
    // Ana and Zoë are known to Tandem already and share a team with a Slack channel.
    ana = await tandem.core.people.identify({ platform: 'slack', key: `slack:${SLACK_TEAM}:UANA`, teamId: SLACK_TEAM, userId: 'UANA' }, async () => ({ name: 'Ana Lima', email: 'ana@example.com' }));
    zoe = await tandem.core.people.identify({ platform: 'slack', key: `slack:${SLACK_TEAM}:UZOE`, teamId: SLACK_TEAM, userId: 'UZOE' }, async () => ({ name: 'Zoë Łukasz 李雷', email: 'zoe@example.com' }));
    teamId = (await tandem.store.teams.create({ name: 'Platform', memberIds: [ana.id, zoe.id], channels: { slack: { teamId: SLACK_TEAM, channelId: 'CTEAM' } } })).id;
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await fake?.close();
  });
  beforeEach(() => {
    expect(fake.invalidPayloads).toEqual([]);
    fake.reset();
  });

  it('/kudos @ana @zoë for … #ownership: confirms privately, DMs each recipient and posts to the team channel', async () => {
    const reply = await answer('<@UANA|ana> <@UZOE|zoë> for shipping the migration without downtime 🚀 #ownership');
    expect(reply).toContain('Kudos sent to <@UANA> and <@UZOE> for *Ownership*');
    expect(reply).toMatch(/You have 3 kudos left this week \(of 5\); your budget resets Monday \d+ \w+ at 00:00 \(Europe\/Paris\)/);

    const posts = await fake.waitFor('chat.postMessage', 3, 10_000);
    const byChannel = new Map(posts.map((c) => [String(c.args.channel), textOf(c.args)]));
    expect([...byChannel.keys()].sort()).toEqual(['CTEAM', 'DANA', 'DZOE']);
    expect(byChannel.get('DANA')).toContain('gave you kudos (with 1 other)');
    expect(byChannel.get('DANA')).toContain('shipping the migration without downtime 🚀');
    expect(byChannel.get('CTEAM')).toMatch(/recognised <@UANA> and <@UZOE>/);
    for (const c of posts) expect(blockKitViolations({ blocks: c.args.blocks }, 'message')).toEqual([]);

    // An admin revokes it: every posted copy says it was withdrawn, in place.
    const [kudos] = (await tandem.core.recognition.list({ limit: 5, recipientId: zoe.id })).items;
    await tandem.core.recognition.revoke(kudos!.id, 'people-ops', 'posted by mistake');
    const updates = await fake.waitFor('chat.update', 3);
    expect(updates.map((c) => String(c.args.channel)).sort()).toEqual(['CTEAM', 'DANA', 'DZOE']);
    for (const u of updates) expect(textOf(u.args)).toContain('This kudos was withdrawn by an administrator.');
  });

  it('tells the giver each rule clearly: self, bots, a mistyped value, a short reason', async () => {
    expect(await answer('<@UGIVER> for being me all week long #ownership')).toContain('You can’t give kudos to yourself.');
    expect(await answer('<@UANA> <@UBOT> for the release train #ownership')).toContain('Deploy Bot is a bot: kudos are for people.');
    const typo = await answer('<@UANA> for the customer call notes #custmers');
    expect(typo).toContain('Did you mean #customers?');
    expect(await answer('<@UANA> for it #ownership')).toContain('a reason needs at least 10 characters');
    expect(fake.callsTo('chat.postMessage')).toEqual([]);
  });

  it('counts a slash command delivered twice (same trigger id) once', async () => {
    const line = '<@UANA> for reviewing every pull request this week #customers';
    expect(await answer(line, { triggerId: '111.222.same' })).toContain('Kudos sent');
    expect(await answer(line, { triggerId: '111.222.same' })).toContain('was already recorded, so I counted it once');
    const page = await tandem.core.recognition.list({ limit: 50, recipientId: ana.id, value: 'customers' });
    expect(page.items.filter((k) => k.reason === 'reviewing every pull request this week')).toHaveLength(1);
    await fake.waitFor('chat.postMessage', 2, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.callsTo('chat.postMessage').filter((c) => c.args.channel === 'DANA')).toHaveLength(1);
  });

  it('opens the modal for an empty /kudos, and a submitted private kudos reaches only the recipients', async () => {
    const triggerId = '398738663015.47445629121.modal';
    await command('', { triggerId });
    const [open] = await fake.waitFor('views.open');
    expect(open?.args.trigger_id).toBe(triggerId);
    const view = open!.args.view as { callback_id: string; blocks: Block[] };
    expect(view.callback_id).toBe('kudos.give');
    expect(view.blocks.find((b) => b.block_id === 'recipients')?.element?.type).toBe('multi_users_select');
    expect(blockKitViolations(view, 'modal')).toEqual([]);

    const res = await sendSlack(
      tandem.url,
      viewSubmission({
        userId: 'UGIVER',
        callbackId: 'kudos.give',
        values: {
          recipients: { recipients: { type: 'multi_users_select', selected_users: ['UANA', 'UZOE'] } },
          reason: { reason: { type: 'plain_text_input', value: 'for covering my on-call shift at short notice' } },
          companyValue: { companyValue: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Ownership' }, value: 'ownership' } } },
          private: { private: { type: 'checkboxes', selected_options: [{ text: { type: 'plain_text', text: 'Private' }, value: 'private' }] } },
        },
      }),
    );
    expect(res.status).toBe(200);
    const posts = await fake.waitFor('chat.postMessage', 3, 10_000);
    const channels = posts.map((c) => String(c.args.channel));
    // The giver's confirmation (a DM, as modals have no channel) and the two recipients' DMs; no team post.
    expect(channels.sort()).toEqual(['DANA', 'DZOE', 'UGIVER']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.callsTo('chat.postMessage').some((c) => c.args.channel === 'CTEAM')).toBe(false);
    expect(textOf(posts.find((c) => c.args.channel === 'DANA')!.args)).toContain('This kudos is private');
  });

  it('keeps the modal open with the error on the field at fault', async () => {
    const res = await sendSlack(
      tandem.url,
      viewSubmission({
        userId: 'UGIVER',
        callbackId: 'kudos.give',
        values: {
          recipients: { recipients: { type: 'multi_users_select', selected_users: ['UGIVER'] } },
          reason: { reason: { type: 'plain_text_input', value: 'for being wonderful to myself' } },
          companyValue: { companyValue: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Ownership' }, value: 'ownership' } } },
          private: { private: { type: 'checkboxes', selected_options: [] } },
        },
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors.recipients).toContain('You can’t give kudos to yourself.');
  });

  it('"Give kudos for this message" opens the same form prefilled with the message and its author', async () => {
    const shortcut = fixture('message_shortcut.json');
    Object.assign(shortcut, {
      callback_id: 'kudos.compose',
      trigger_id: '123.456.shortcut',
      team: { id: SLACK_TEAM, domain: 'testteamnow' },
      user: { id: 'UGIVER', name: 'roadrunner', team_id: SLACK_TEAM },
      channel: { id: 'CTEAM', name: 'platform' },
      message: { ...(shortcut.message as object), user: 'UZOE', text: 'Fixed the flaky checkout test with <@UANA> 🎉' },
    });
    expect((await sendSlack(tandem.url, interactionBody(shortcut))).status).toBe(200);
    const [open] = await fake.waitFor('views.open');
    const view = open!.args.view as { callback_id: string; blocks: Block[] };
    expect(open!.args.trigger_id).toBe('123.456.shortcut');
    expect(view.callback_id).toBe('kudos.give');
    const recipients = view.blocks.find((b) => b.block_id === 'recipients')?.element;
    expect(recipients?.initial_users).toEqual(['UZOE', 'UANA']);
    const reason = view.blocks.find((b) => b.block_id === 'reason')?.element;
    expect(reason?.initial_value).toBe('For this message: “Fixed the flaky checkout test with @Ana Lima 🎉”');
    expect(blockKitViolations(view, 'modal')).toEqual([]);
  });

  it('20 simultaneous signed /kudos from one giver never exceed the weekly budget', async () => {
    fake.addUser({ id: 'URUSH', realName: 'Rush Hour', email: 'rush@example.com', tz: 'UTC' });
    const responseUrls = Array.from({ length: 20 }, (_, i) => fake.responseUrl(`rush-${i}`));
    const results = await Promise.all(
      responseUrls.map((responseUrl, i) =>
        sendSlack(tandem.url, slashCommand({ command: '/kudos', userId: 'URUSH', text: `<@${i % 2 ? 'UANA' : 'UZOE'}> for answering support ticket number ${i} #customers`, responseUrl })),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const responses = await fake.waitForResponses(20, 20_000);
    const texts = responses.map((r) => textOf(r.body));
    expect(texts.filter((t) => !t.includes('Kudos sent') && !t.includes('You’ve used all'))).toEqual([]);
    expect(texts.filter((t) => t.includes('Kudos sent'))).toHaveLength(5);
    expect(texts.filter((t) => t.includes('You’ve used all 5 kudos of your weekly budget.'))).toHaveLength(15);
    const rush = await tandem.core.people.byIdentityKey(`slack:${SLACK_TEAM}:URUSH`);
    expect((await tandem.core.recognition.list({ limit: 50, giverId: rush!.id })).items).toHaveLength(5);
  });

  it('posts to the recognition channel configured for the team, or nowhere when it is off', async () => {
    const posted = async (reason: string) => {
      expect(await answer(`<@UANA> for ${reason} #ownership`, { userId: 'UZOE' })).toContain('Kudos sent');
      await fake.waitUntil(() => fake.callsTo('chat.postMessage').some((c) => c.args.channel === 'DANA' && textOf(c.args).includes(reason)), 10_000, 'the DM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      return fake.callsTo('chat.postMessage').filter((c) => c.args.channel !== 'DANA' && textOf(c.args).includes(reason)).map((c) => String(c.args.channel));
    };
    await tandem.core.recognition.updateSettings({ teamChannels: { [teamId]: { slack: { teamId: SLACK_TEAM, channelId: 'CKUDOS' } } } });
    expect(await posted('the calmest release day this quarter')).toEqual(['CKUDOS']);
    await tandem.core.recognition.updateSettings({ teamChannels: { [teamId]: null } });
    expect(await posted('the tidy migration scripts')).toEqual([]);
    await tandem.core.recognition.updateSettings({ teamChannels: { [teamId]: {} }, channelPosts: false });
    expect(await posted('the thorough code review')).toEqual([]);
    await tandem.core.recognition.updateSettings({ channelPosts: true });
    expect(await posted('the onboarding buddy work')).toEqual(['CTEAM']);
  });

  it('/kudos stats shows what a person received and gave, by value', async () => {
    const stats = await answer('stats', { userId: 'UANA' });
    expect(stats).toContain('Your kudos');
    expect(stats).toMatch(/Ownership \d/);
    expect(stats).toContain('Tandem keeps no public leaderboard');
  });
});
