import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { View } from '../../src/core/chat/views.js';
import { isDomainError } from '../../src/core/errors.js';
import { identityKey, type PlatformIdentity } from '../../src/core/people/people.types.js';
import { SlackChat } from '../../src/adapters/slack/chat.js';
import type { SlackPeople } from '../../src/adapters/slack/people.js';
import { SlackWebApi } from '../../src/adapters/slack/web-api.js';
import { FakeSlack } from '../support/fake-slack.js';
import { SLACK_TEAM } from '../support/slack.js';

/**
 * The Slack chat adapter keeps each user's DM channel (conversations.open answers the same one every time), over
 * HTTP against the fake Slack Web API: a page is then one call; a kept channel Slack refuses is dropped and opened
 * again once; a person Slack cannot reach is still told apart (`not_found`), so escalation moves on at once.
 */
describe('Slack DM channels kept per user', () => {
  let fake: FakeSlack;
  let chat: SlackChat;
  let api: SlackWebApi;
  const view: View = { text: 'Checkout errors', blocks: [] };
  const identity = (userId: string): PlatformIdentity => ({ platform: 'slack', personId: `p-${userId}`, key: identityKey.slack(SLACK_TEAM, userId), teamId: SLACK_TEAM, userId });
  const opens = () => fake.calls.filter((c) => c.method === 'conversations.open').length;
  const posts = () => fake.callsTo('chat.postMessage');

  beforeAll(async () => {
    fake = await FakeSlack.start();
    // No mentions in these views: the people resolver is never asked for anyone.
    const people = { resolver: () => Promise.resolve(() => undefined) } as unknown as SlackPeople;
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    api = new SlackWebApi(client, { retries: 0, factor: 2, minTimeout: 10, maxTimeout: 10, randomize: false });
    chat = new SlackChat(client, api, people);
  });
  afterAll(async () => {
    api?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  it('opens a user’s DM channel once, then posts to it directly', async () => {
    const first = await chat.sendDirect(identity('UKEEP'), view, 'k1');
    const second = await chat.sendDirect(identity('UKEEP'), view, 'k2');
    expect(opens()).toBe(1);
    expect([first.channel, second.channel]).toEqual(['DKEEP', 'DKEEP']);
    expect(posts().map((c) => c.args.channel)).toEqual(['DKEEP', 'DKEEP']);
    // Another user has a channel of their own.
    expect((await chat.sendDirect(identity('UOTHER'), view, 'k3')).channel).toBe('DOTHER');
    expect(opens()).toBe(2);
  });

  it('a kept channel Slack refuses is dropped and opened again once; the page goes out once', async () => {
    await chat.sendDirect(identity('UMOVED'), view, 'm1');
    fake.reset();
    fake.failNext('chat.postMessage', 'channel_not_found');
    const address = await chat.sendDirect(identity('UMOVED'), view, 'm2');
    expect(address.channel).toBe('DMOVED');
    expect(opens()).toBe(1);
    expect(posts()).toHaveLength(1);
    // Kept again: the next page is one call.
    await chat.sendDirect(identity('UMOVED'), view, 'm3');
    expect(opens()).toBe(1);
  });

  it('a person Slack cannot reach is undeliverable (not_found), first through a kept channel, then without one', async () => {
    await chat.sendDirect(identity('UGONE'), view, 'g1');
    fake.reset();
    fake.failNext('chat.postMessage', 'account_inactive');
    fake.failNext('conversations.open', 'user_not_found');
    const refused = await chat.sendDirect(identity('UGONE'), view, 'g2').catch((err: unknown) => err);
    expect(isDomainError(refused) && refused.code === 'not_found' && refused.details?.slack).toBe('user_not_found');
    expect(posts()).toHaveLength(0);
    // Nothing kept for them now: the next page asks Slack for the channel again.
    fake.failNext('conversations.open', 'cannot_dm_bot');
    const again = await chat.sendDirect(identity('UGONE'), view, 'g3').catch((err: unknown) => err);
    expect(isDomainError(again) && again.code === 'not_found' && again.details?.slack).toBe('cannot_dm_bot');
    expect(opens()).toBe(2);
  });

  it('any other failure through a kept channel is thrown as it came (the job retries) and the channel kept', async () => {
    await chat.sendDirect(identity('UBUSY'), view, 'b1');
    fake.reset();
    fake.failNext('chat.postMessage', 'internal_error');
    const failed = await chat.sendDirect(identity('UBUSY'), view, 'b2').catch((err: unknown) => err);
    expect(isDomainError(failed)).toBe(false);
    expect((failed as { data?: { error?: string } }).data?.error).toBe('internal_error');
    await chat.sendDirect(identity('UBUSY'), view, 'b2');
    expect(opens()).toBe(0);
    expect(posts().map((c) => c.args.channel)).toEqual(['DBUSY']);
  });
});
