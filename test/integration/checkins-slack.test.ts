import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { identityKey, type Person, type Team } from '../../src/core/people/people.types.js';
import { FakeSlack } from '../support/fake-slack.js';
import { blockActions, blockKitViolations, messageIm, sendSlack, SLACK_TEAM, slackEnv, viewSubmission } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';

class HandClock implements Clock {
  constructor(private at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
}

type Blocks = { type: string; elements?: { action_id: string; value?: string }[]; text?: { text: string } }[];

describe('check-ins answered in Slack over HTTP (real Bolt stack, fake Slack Web API)', () => {
  // Friday 2026-11-27 15:00 in Lisbon.
  const clock = new HandClock(new Date('2026-11-27T15:00:00Z'));
  let fake: FakeSlack;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let ana: Person;
  let ben: Person;
  let team: Team;

  const slackPerson = (userId: string) =>
    tandem.core.people.identify({ platform: 'slack', key: identityKey.slack(SLACK_TEAM, userId), teamId: SLACK_TEAM, userId }, async () => ({}));

  beforeAll(async () => {
    fake = await FakeSlack.start();
    fake.addUser({ id: 'UANA', realName: 'Ana Lima', email: 'ana@example.com', tz: 'Europe/Lisbon' });
    fake.addUser({ id: 'UBEN', realName: 'Ben Ode', email: 'ben@example.com', tz: 'Europe/Lisbon' });
    fake.addUser({ id: 'UMIA', realName: 'Mia Chef', email: 'mia@example.com', tz: 'Europe/Lisbon' });
    tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false' }), { clock });
    ana = await slackPerson('UANA');
    ben = await slackPerson('UBEN');
    const mia = await slackPerson('UMIA');
    team = await tandem.store.teams.create({ name: 'Lisbon', managerId: mia.id, memberIds: [ana.id, ben.id] });
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await fake?.close();
  });

  it('DMs the prompt with buttons, opens the modal from the button, and takes the answer from the submitted modal', async () => {
    const c = await tandem.core.checkins.prompt(ana.id, team.id, '2026-W48');
    const [post] = await fake.waitFor('chat.postMessage');
    expect(post?.args.channel).toMatch(/^D/);
    const blocks = post?.args.blocks as Blocks;
    expect(blockKitViolations({ text: post?.args.text, blocks }, 'message')).toEqual([]);
    const buttons = blocks.find((b) => b.type === 'actions')?.elements ?? [];
    expect(buttons.map((b) => b.action_id)).toEqual(['checkin.open', 'checkin.snooze', 'checkin.skip']);
    const promptTs = post?.answer.ts as string;

    await sendSlack(
      tandem.url,
      blockActions({ userId: 'UANA', actionId: 'checkin.open', value: buttons[0]?.value ?? '', channelId: post?.args.channel as string, messageTs: promptTs, responseUrl: fake.responseUrl() }),
    );
    const [open] = await fake.waitFor('views.open');
    const modal = open?.args.view as Record<string, unknown>;
    expect(blockKitViolations(modal, 'modal')).toEqual([]);
    expect(modal).toMatchObject({ type: 'modal', callback_id: 'checkin.answer', private_metadata: c?.id });

    const values = (progress: string) => ({
      progress: { progress: { type: 'plain_text_input', value: progress } },
      obstacles: { obstacles: { type: 'plain_text_input', value: 'Flaky CI on the mobile app' } },
      needs_help: { needs_help: { type: 'checkboxes', selected_options: [{ value: 'yes' }] } },
      priorities: { priorities: { type: 'plain_text_input', value: 'Release 2.3' } },
      mood: { mood: { type: 'radio_buttons', selected_option: { value: '5' } } },
    });
    const bad = await sendSlack(tandem.url, viewSubmission({ userId: 'UANA', callbackId: 'checkin.answer', privateMetadata: c?.id ?? '', values: values('') }));
    expect(await bad.json()).toMatchObject({ response_action: 'errors', errors: { progress: expect.any(String) } });

    const ok = await sendSlack(tandem.url, viewSubmission({ userId: 'UANA', callbackId: 'checkin.answer', privateMetadata: c?.id ?? '', values: values('Shipped 2.2') }));
    expect(ok.status).toBe(200);
    await fake.waitUntil(() => (fake.messages.get(promptTs)?.updates ?? 0) >= 1, 5000);
    expect(JSON.stringify(fake.messages.get(promptTs)?.blocks)).toContain('Shipped 2.2');
    const saved = await tandem.store.checkins.byPersonPeriod(ana.id, '2026-W48');
    expect(saved).toMatchObject({ status: 'answered', needsHelp: true, answers: { progress: 'Shipped 2.2', priorities: 'Release 2.3', mood: '5' } });
    // The manager got the blocker with its buttons, in Slack.
    await fake.waitUntil(() => fake.callsTo('chat.postMessage').some((p) => JSON.stringify(p.args.blocks).includes('checkin.blocker.ack')), 5000);
  });

  it('takes step-by-step answers as plain DMs', async () => {
    await tandem.core.checkins.prompt(ben.id, team.id, '2026-W48');
    const before = fake.callsTo('chat.postMessage').length;
    const lines = ['Reviewed the API', 'none', 'Pairing with Ana', '3'];
    for (const [i, text] of lines.entries()) {
      await sendSlack(tandem.url, messageIm({ userId: 'UBEN', text, channel: 'DBEN' }));
      await fake.waitUntil(() => fake.callsTo('chat.postMessage').slice(before).filter((p) => p.args.channel === 'DBEN').length >= i + 1, 5000);
    }
    const posts = fake.callsTo('chat.postMessage').slice(before);
    const replies = posts.filter((p) => p.args.channel === 'DBEN').map((p) => String(p.args.text));
    expect(replies[0]).toContain('2/4');
    expect(replies[1]).toContain('3/4');
    expect(replies[2]).toContain('4/4');
    expect(replies[3]).toContain('is in');
    // Everyone has answered: the manager's summary goes out before the deadline.
    expect(posts.filter((p) => String(p.args.text).startsWith('Lisbon: 2 of 2 check-ins for week 48'))).toHaveLength(1);
    expect(await tandem.store.checkins.byPersonPeriod(ben.id, '2026-W48')).toMatchObject({
      status: 'answered',
      needsHelp: false,
      answers: { progress: 'Reviewed the API', priorities: 'Pairing with Ana', mood: '3' },
    });
    expect(fake.invalidPayloads).toEqual([]);
  });
});
