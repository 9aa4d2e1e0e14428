import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../support/fake-slack.js';
import { blockKitViolations, SLACK_TEAM, slackEnv } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';

describe('Slack in Socket Mode (SLACK_APP_TOKEN set)', () => {
  let fake: FakeSlack;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  beforeAll(async () => {
    fake = await FakeSlack.start();
    tandem = await startTestTandem(slackEnv(fake, { SLACK_APP_TOKEN: 'xapp-1-A111-test', TEAMS_ENABLED: 'false' }));
    await fake.waitForSocket();
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await fake?.close();
  });

  it('opens its WebSocket through apps.connections.open with the app token and serves no HTTP endpoint', async () => {
    const open = fake.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]?.token).toBe('xapp-1-A111-test');
    expect((await fetch(`${tandem.url}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('acks a slash command over the socket and answers at its response_url', async () => {
    const envelope = fake.socketSend('slash_commands', {
      token: 'xyzz0WbapA4vBCDEFasx0q6G',
      team_id: SLACK_TEAM,
      team_domain: 'testteamnow',
      channel_id: 'C8PSS9T3V',
      channel_name: 'foobar',
      user_id: 'USOCKET',
      user_name: 'socket',
      command: '/tandem',
      text: 'help',
      api_app_id: 'A111',
      response_url: fake.responseUrl('socket'),
      trigger_id: '398738663015.47445629121.socket',
    });
    await fake.waitForSocketAck(envelope);
    const [answer] = await fake.waitForResponses(1);
    expect(answer?.id).toBe('socket');
    expect(JSON.stringify(answer?.body.blocks)).toContain('/tandem');
    expect(blockKitViolations(answer?.body, 'message')).toEqual([]);
  });
});
