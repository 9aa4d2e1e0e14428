import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reply } from '../../src/core/chat/chat.port.js';
import { mention, v } from '../../src/core/chat/views.js';
import { identityKey } from '../../src/core/people/people.types.js';
import { FakeSlack } from '../support/fake-slack.js';
import {
  appHomeOpened,
  blockActions,
  blockKitViolations,
  eventCallback,
  formBody,
  jsonBody,
  messageIm,
  sendSlack,
  SLACK_TEAM,
  slackEnv,
  slashCommand,
  viewSubmission,
} from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';

const fixture = (name: string) => readFileSync(new URL(`../../../shared/fixtures/slack/${name}`, import.meta.url), 'utf8');

describe('Slack over HTTP through the real Bolt stack', () => {
  let fake: FakeSlack;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  /** Every interaction core saw, to prove refused requests reach no handler. */
  const seen: string[] = [];

  beforeAll(async () => {
    fake = await FakeSlack.start();
    fake.addUser({ id: 'U2CERLKJA', realName: 'Road Runner', email: 'roadrunner@example.com', tz: 'America/Los_Angeles' });
    fake.addUser({ id: 'UANA', realName: 'Ana Lima', email: 'ana@example.com', tz: 'Europe/Lisbon' });
    fake.addUser({ id: 'UHELPER', realName: 'Helper Bot', isBot: true });
    tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'false' }));
    const { interactions, tandem: command } = tandem.core;
    command.sub('echo', 'repeat what you typed', async (ctx, args) => {
      seen.push(`echo:${ctx.actor.id}:${args}`);
      return reply.private(v.view(`you said ${args}`, v.section(`${mention(ctx.actor.id)} said: ${args}`)));
    });
    command.sub('form', 'open a test form', async () => {
      seen.push('form');
      return reply.form({
        id: 'test.form',
        title: 'A test form with a very long title indeed',
        submitLabel: 'Send',
        metadata: 'period:2026-W47',
        blocks: [
          { type: 'input', id: 'who', label: 'Who', kind: 'user' },
          { type: 'input', id: 'score', label: 'Score', kind: 'number', min: 1, max: 5 },
          { type: 'input', id: 'note', label: 'Note', kind: 'textarea', optional: true },
          { type: 'input', id: 'mood', label: 'Mood', kind: 'radio', options: [{ label: 'Good', value: 'good' }, { label: 'Bad', value: 'bad' }] },
          { type: 'input', id: 'tags', label: 'Tags', kind: 'checkboxes', options: [{ label: 'A', value: 'a' }, { label: 'B', value: 'b' }] },
          { type: 'input', id: 'when', label: 'When', kind: 'date' },
          { type: 'input', id: 'pick', label: 'Pick', kind: 'select', options: [{ label: 'One', value: '1' }] },
        ],
      });
    });
    interactions.form('test.form', async (ctx, values, metadata) => {
      seen.push(`submit:${JSON.stringify(values)}:${metadata}`);
      if (values.score === '0') return reply.formErrors({ score: 'Please give a score from 1 to 5.' });
      return reply.private(v.view('Thanks', v.section('Thanks, noted.')));
    });
    interactions.action('test', async (ctx, actionId, value) => {
      seen.push(`action:${actionId}:${value}:${ctx.message?.messageId ?? '-'}`);
      return reply.update(v.view('updated', v.section(`Clicked ${value}`)));
    });
  });

  afterAll(async () => {
    await tandem?.cleanup();
    await fake?.close();
  });

  const invalid: unknown[] = [];
  beforeEach(() => {
    invalid.push(...fake.invalidPayloads);
    fake.reset();
    seen.length = 0;
  });

  it('answers url_verification with the challenge', async () => {
    const challenge = JSON.parse(fixture('url_verification.json')) as { challenge: string };
    const res = await sendSlack(tandem.url, jsonBody(challenge));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(challenge.challenge);
  });

  it('refuses unsigned, wrongly signed and stale requests with 401 before any handler', async () => {
    const body = () => slashCommand({ text: 'echo hi', responseUrl: fake.responseUrl() });
    expect((await sendSlack(tandem.url, body(), { unsigned: true })).status).toBe(401);
    expect((await sendSlack(tandem.url, body(), { secret: 'not-the-secret' })).status).toBe(401);
    expect((await sendSlack(tandem.url, body(), { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    // The fixture's genuine 2018 signature is stale too.
    const headers = JSON.parse(fixture('slash_command.headers.json')) as Record<string, string>;
    const stale = await fetch(`${tandem.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': headers['Content-Type'] as string, 'x-slack-request-timestamp': headers['X-Slack-Request-Timestamp'] as string, 'x-slack-signature': headers['X-Slack-Signature'] as string },
      body: fixture('slash_command.txt'),
    });
    expect(stale.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([]);
    expect(fake.calls).toEqual([]);
  });

  it("answers Slack's SSL check unsigned, and refuses a malformed or oversized body", async () => {
    const ssl = await fetch(`${tandem.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ssl_check=1&token=x&command=%2Ftandem&text=echo+injected' });
    expect(ssl.status).toBe(200);
    expect((await sendSlack(tandem.url, { body: '{"type":', contentType: 'application/json' })).status).toBe(400);
    const huge = { body: JSON.stringify({ type: 'event_callback', padding: 'x'.repeat(4 * 1024 * 1024) }), contentType: 'application/json' as const };
    expect((await sendSlack(tandem.url, huge)).status).toBe(413);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([]);
  });

  it('acknowledges a slash command with an empty 200 before the command runs', async () => {
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    tandem.core.tandem.sub('slow', 'waits until the test lets it go', async () => {
      await gate;
      seen.push('slow');
      return reply.private(v.view('done', v.section('done')));
    });
    const res = await sendSlack(tandem.url, slashCommand({ text: 'slow', responseUrl: fake.responseUrl() }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(seen).toEqual([]);
    release();
    const [answer] = await fake.waitForResponses(1, 10_000);
    expect(JSON.stringify(answer?.body.blocks)).toContain('done');
    expect(seen).toEqual(['slow']);
    // Served ahead of express, and still timed.
    expect(await (await fetch(`${tandem.url}/metrics`)).text()).toMatch(/tandem_http_request_duration_seconds_count\{method="POST",route="\/slack\/events",status="200"\} [1-9]/);
  });

  it('answers a signed /tandem help with the help view in Block Kit, and a click updates it in place', async () => {
    const responseUrl = fake.responseUrl('help');
    const res = await sendSlack(tandem.url, slashCommand({ text: 'help', responseUrl }));
    expect(res.status).toBe(200);
    const [help] = await fake.waitForResponses(1);
    expect(help?.body.response_type).toBe('ephemeral');
    expect(blockKitViolations(help?.body, 'message')).toEqual([]);
    const blocks = help?.body.blocks as { type: string; text?: { text: string }; elements?: { action_id: string; value: string }[] }[];
    expect(blocks[0]).toMatchObject({ type: 'header', text: { text: 'Tandem' } });
    expect(JSON.stringify(blocks)).toContain('/tandem');
    const button = blocks.find((b) => b.type === 'actions')?.elements?.[0];
    expect(button?.action_id).toBe('help.more');

    // The click, shaped like fixtures/slack/block_actions_button.json on the ephemeral message.
    const click = JSON.parse(fixture('block_actions_button.json')) as Record<string, unknown> & { actions: Record<string, unknown>[]; user: Record<string, unknown> };
    click.response_url = fake.responseUrl('click');
    click.actions = [{ ...click.actions[0], action_id: button?.action_id, value: button?.value }];
    click.user = { ...click.user, id: 'U2CERLKJA', team_id: SLACK_TEAM };
    const clicked = await sendSlack(tandem.url, formBody({ payload: JSON.stringify(click) }));
    expect(clicked.status).toBe(200);
    const responses = await fake.waitForResponses(2);
    const update = responses[1];
    expect(update?.id).toBe('click');
    expect(update?.body.replace_original).toBe(true);
    expect(JSON.stringify(update?.body.blocks)).toContain('How the week goes');
    expect(blockKitViolations(update?.body, 'message')).toEqual([]);
  });

  it('updates a normal (non-ephemeral) message with chat.update and hands core the clicked message', async () => {
    const posted = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-x', 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C111', text: 'hello' }),
    });
    const { ts } = (await posted.json()) as { ts: string };
    const res = await sendSlack(tandem.url, blockActions({ userId: 'UANA', actionId: 'test.go#1', value: 'v1', channelId: 'C111', messageTs: ts, responseUrl: fake.responseUrl() }));
    expect(res.status).toBe(200);
    await fake.waitFor('chat.update');
    expect(seen).toEqual([`action:test.go:v1:${ts}`]);
    expect(fake.messages.get(ts)?.updates).toBe(1);
    expect(JSON.stringify(fake.messages.get(ts)?.blocks)).toContain('Clicked v1');
  });

  it('identifies a Slack user once, with their Slack time zone, and resolves mentions both ways', async () => {
    fake.addUser({ id: 'UKAI', realName: 'Kai Sato', email: 'kai@example.com', tz: 'Asia/Tokyo' });
    const send = (text: string) => sendSlack(tandem.url, slashCommand({ userId: 'UKAI', text, responseUrl: fake.responseUrl() }));
    await send('echo hello <@UANA|ana> and <@UHELPER>');
    await fake.waitForResponses(1);
    await send('echo again');
    await fake.waitForResponses(2);
    const person = await tandem.core.people.byIdentityKey(identityKey.slack(SLACK_TEAM, 'UKAI'));
    expect(person).toMatchObject({ name: 'Kai Sato', email: 'kai@example.com', timeZone: 'Asia/Tokyo' });
    expect(await tandem.store.people.findByEmail('kai@example.com')).toMatchObject({ id: person?.id });
    const ana = await tandem.core.people.byIdentityKey(identityKey.slack(SLACK_TEAM, 'UANA'));
    expect(ana?.timeZone).toBe('Europe/Lisbon');
    expect(seen[0]).toBe(`echo:${person?.id}:hello <@person:${ana?.id}> and <@bot:Helper Bot>`);
    expect(fake.callsTo('users.info').filter((c) => c.args.user === 'UKAI')).toHaveLength(1);
    // Rendering turns the actor's mention back into their Slack user.
    expect(JSON.stringify(fake.responses[0]?.body.blocks)).toContain('<@UKAI> said');
  });

  it('processes an event Slack retries (X-Slack-Retry-Num) exactly once', async () => {
    const body = messageIm({ userId: 'UANA', text: 'tandem echo once', eventId: 'EvRETRY1' });
    const first = await sendSlack(tandem.url, body);
    const retry = await sendSlack(tandem.url, body, { retryNum: 1 });
    const again = await sendSlack(tandem.url, body, { retryNum: 2 });
    expect([first.status, retry.status, again.status]).toEqual([200, 200, 200]);
    await fake.waitFor('chat.postMessage');
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.filter((s) => s.startsWith('echo:'))).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('answers a DM in the DM, and ignores bots and edits', async () => {
    await sendSlack(tandem.url, messageIm({ userId: 'UANA', text: 'help', channel: 'DANA' }));
    const [post] = await fake.waitFor('chat.postMessage');
    expect(post?.args.channel).toBe('DANA');
    expect(JSON.stringify(post?.args.blocks)).toContain('Commands');
    expect(blockKitViolations({ text: post?.args.text, blocks: post?.args.blocks }, 'message')).toEqual([]);

    fake.reset();
    await sendSlack(tandem.url, eventCallback({ type: 'message', subtype: 'message_changed', channel: 'DANA', channel_type: 'im', ts: '1.2', event_ts: '1.2' }));
    await sendSlack(tandem.url, eventCallback({ type: 'message', bot_id: 'B1', user: 'UHELPER', text: 'help', channel: 'DANA', channel_type: 'im', ts: '1.3', event_ts: '1.3' }));
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('opens a form as a modal, maps every input kind on submit, and shows form errors', async () => {
    await sendSlack(tandem.url, slashCommand({ text: 'form', responseUrl: fake.responseUrl(), triggerId: 'trigger-1' }));
    const [open] = await fake.waitFor('views.open');
    expect(open?.args.trigger_id).toBe('trigger-1');
    const modal = open?.args.view as Record<string, unknown>;
    expect(blockKitViolations(modal, 'modal')).toEqual([]);
    expect(modal).toMatchObject({ type: 'modal', callback_id: 'test.form', private_metadata: 'period:2026-W47', title: { text: 'A test form with a very…' } });

    const values = (score: string) => ({
      who: { who: { type: 'users_select', selected_user: 'UANA' } },
      score: { score: { type: 'number_input', value: score } },
      note: { note: { type: 'plain_text_input', value: 'All good' } },
      mood: { mood: { type: 'radio_buttons', selected_option: { value: 'good' } } },
      tags: { tags: { type: 'checkboxes', selected_options: [{ value: 'a' }, { value: 'b' }] } },
      when: { when: { type: 'datepicker', selected_date: '2026-11-20' } },
      pick: { pick: { type: 'static_select', selected_option: { value: '1' } } },
    });
    const bad = await sendSlack(tandem.url, viewSubmission({ userId: 'U2CERLKJA', callbackId: 'test.form', privateMetadata: 'period:2026-W47', values: values('0') }));
    expect(await bad.json()).toEqual({ response_action: 'errors', errors: { score: 'Please give a score from 1 to 5.' } });

    const ok = await sendSlack(tandem.url, viewSubmission({ userId: 'U2CERLKJA', callbackId: 'test.form', privateMetadata: 'period:2026-W47', values: values('4') }));
    expect(ok.status).toBe(200);
    const ana = await tandem.core.people.byIdentityKey(identityKey.slack(SLACK_TEAM, 'UANA'));
    const submitted = seen.filter((s) => s.startsWith('submit:'));
    expect(submitted[1]).toBe(
      `submit:${JSON.stringify({ who: ana?.id, score: '4', note: 'All good', mood: 'good', tags: ['a', 'b'], when: '2026-11-20', pick: '1' })}:period:2026-W47`,
    );
    await fake.waitFor('chat.postMessage');
  });

  it('publishes the App Home tab (the help view when no feature provides one)', async () => {
    await sendSlack(tandem.url, appHomeOpened({ userId: 'UANA' }));
    const [publish] = await fake.waitFor('views.publish');
    expect(publish?.args.user_id).toBe('UANA');
    const view = publish?.args.view as Record<string, unknown>;
    expect(view.type).toBe('home');
    expect(blockKitViolations(view, 'home')).toEqual([]);
  });

  it('sends through the chat port: DM, team channel and update, waiting out a 429', async () => {
    const ana = await tandem.core.people.identify({ platform: 'slack', key: identityKey.slack(SLACK_TEAM, 'UANA'), teamId: SLACK_TEAM, userId: 'UANA' }, async () => ({}));
    fake.rateLimitNext('chat.postMessage', 1);
    const started = Date.now();
    const sent = await tandem.core.messenger.dm(ana.id, v.view('Hi', v.section(`Hello ${mention(ana.id)}`)), `slack-test:${started}`);
    expect(sent).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fake.rateLimited).toBe(1);
    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.args.channel).toBe('DANA');
    expect(JSON.stringify(posts[0]?.args.blocks)).toContain('<@UANA>');

    const [address] = await tandem.core.messenger.addresses(`slack-test:${started}`);
    expect(address).toMatchObject({ platform: 'slack', channel: 'DANA' });
    await tandem.core.messenger.update(`slack-test:${started}`, v.view('Bye', v.section('Updated')));
    expect(fake.messages.get(address?.messageId as string)?.updates).toBe(1);

    const team = await tandem.store.teams.create({ name: `slack-team-${started}`, channels: { slack: { teamId: SLACK_TEAM, channelId: 'CTEAM' } } });
    expect(await tandem.core.messenger.post(team, v.view('Team news', v.section('Hello team')), `slack-team:${started}`)).toBe(1);
    expect(fake.callsTo('chat.postMessage').at(-1)?.args.channel).toBe('CTEAM');
  });

  it('delivers every DM exactly once through a token-bucket rate limit (429 + Retry-After)', async () => {
    const people = await Promise.all(
      ['UR1', 'UR2', 'UR3', 'UR4', 'UR5', 'UR6'].map((userId) =>
        tandem.core.people.identify({ platform: 'slack', key: identityKey.slack(SLACK_TEAM, userId), teamId: SLACK_TEAM, userId }, async () => ({ name: userId, email: `${userId}@example.com` })),
      ),
    );
    fake.setRateLimit({ perSecond: 4, burst: 2, methods: ['chat.postMessage'] });
    try {
      const key = `bucket:${Date.now()}`;
      const sent = await Promise.all(people.map((p) => tandem.core.messenger.dm(p.id, v.view('Hi', v.section('Rate-limited hello')), `${key}:${p.id}`)));
      expect(sent).toEqual(people.map(() => true));
      expect(fake.rateLimited).toBeGreaterThan(0);
      const channels = fake.callsTo('chat.postMessage').map((c) => c.args.channel);
      expect(channels.sort()).toEqual(['DR1', 'DR2', 'DR3', 'DR4', 'DR5', 'DR6']);
    } finally {
      fake.setRateLimit(null);
    }
  });

  it('reads "@Tandem help" in a channel as a command and answers only the person', async () => {
    await sendSlack(tandem.url, eventCallback({ type: 'app_mention', user: 'UANA', text: '<@UTANDEMBOT> help', channel: 'CGENERAL', ts: '5.6', event_ts: '5.6' }));
    const [ephemeral] = await fake.waitFor('chat.postEphemeral');
    expect(ephemeral?.args).toMatchObject({ channel: 'CGENERAL', user: 'UANA' });
    expect(JSON.stringify(ephemeral?.args.blocks)).toContain('Commands');
  });

  it('tells the person kindly when their command fails after the ack', async () => {
    fake.failNext('users.info', 'fatal_error', 10);
    const res = await sendSlack(tandem.url, slashCommand({ userId: 'UBROKEN', text: 'help', responseUrl: fake.responseUrl() }));
    expect(res.status).toBe(200);
    const [answer] = await fake.waitForResponses(1, 10_000);
    expect(answer?.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(answer?.body.blocks)).toContain('Something went wrong on our side');
    expect(fake.calls.filter((c) => c.method === 'users.info')).toHaveLength(4);
  });

  it('never sent a payload that breaks Block Kit limits', () => {
    expect([...invalid, ...fake.invalidPayloads]).toEqual([]);
  });
});
