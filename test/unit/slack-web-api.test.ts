import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { retryAfterOf } from '../../src/adapters/slack/rate-limits.js';
import { SlackWebApi, type RetryPolicy } from '../../src/adapters/slack/web-api.js';
import { FakeSlack } from '../support/fake-slack.js';

const quick = (retries: number): RetryPolicy => ({ retries, factor: 2, minTimeout: 5, maxTimeout: 20, randomize: true });

/**
 * Tandem's lean Web API caller for a page's calls answers and fails as the Web API client
 * (`rejectRateLimitedCalls: true`) does, so RateLimits and the unreachable codes work unchanged.
 */
describe('SlackWebApi (chat.postMessage, chat.update, conversations.open)', () => {
  let fake: FakeSlack;
  let client: webApi.WebClient;
  const apis: SlackWebApi[] = [];
  const lean = (retries = 0) => {
    const api = new SlackWebApi(client, quick(retries));
    apis.push(api);
    return api;
  };
  beforeAll(async () => {
    fake = await FakeSlack.start();
    client = new webApi.WebClient('xoxb-lean', { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    for (const api of apis) api.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  it('sends what the Web API client sends (token, text, blocks, metadata) and answers the same', async () => {
    const message = {
      channel: 'DPAGE',
      text: 'Checkout errors — 5% of requests & rising',
      blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: '*Checkout* <https://x.test/?a=1&b=2|errors>' } }],
      metadata: { event_type: 'tandem_message', event_payload: { key: 'alert:1:page' } },
    };
    const theirs = await client.chat.postMessage(message);
    const ours = await lean().postMessage(message);
    const [a, b] = fake.callsTo('chat.postMessage');
    expect(b?.token).toBe('xoxb-lean');
    expect(b?.args).toEqual(a?.args);
    expect(ours.channel).toBe(theirs.channel);
    expect(ours.ts).toMatch(/^\d+\.\d{6}$/);
    const opened = await lean().openConversation({ users: 'UANA' });
    expect(opened.channel?.id).toBe((await client.conversations.open({ users: 'UANA' })).channel?.id);
    await lean().update({ channel: 'DPAGE', ts: ours.ts!, text: 'Resolved' });
    expect(fake.messages.get(ours.ts!)?.text).toBe('Resolved');
  });

  it('a 429 is the client’s rate-limit error with its Retry-After, at once and not retried', async () => {
    fake.rateLimitNext('chat.postMessage', 7);
    const refused = await lean(3).postMessage({ channel: 'D1', text: 'hi' }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(webApi.WebAPIRateLimitedError);
    expect(retryAfterOf(refused)).toBe(7);
    expect(fake.calls).toHaveLength(1);
  });

  it('ok:false is the client’s platform error, its answer in data (data.error), not retried', async () => {
    fake.failNext('conversations.open', 'user_not_found');
    const refused = await lean(3).openConversation({ users: 'UGONE' }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(webApi.WebAPIPlatformError);
    expect(refused).toMatchObject({ code: 'slack_webapi_platform_error', data: { ok: false, error: 'user_not_found' } });
    expect(fake.calls).toHaveLength(1);
  });

  it('an HTTP error is retried with growing waits, then thrown as the client’s HTTP error', async () => {
    fake.httpErrorNext('chat.postMessage', 503, 2);
    const res = await lean(2).postMessage({ channel: 'D1', text: 'after two 503s' });
    expect(res.ok).toBe(true);
    expect(fake.calls.map((c) => c.status)).toEqual([503, 503, 200]);
    fake.reset();
    fake.httpErrorNext('chat.postMessage', 500, 2);
    const failed = await lean(1).postMessage({ channel: 'D1', text: 'x' }).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(webApi.WebAPIHTTPError);
    expect(failed).toMatchObject({ statusCode: 500, body: 'upstream trouble' });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
  });
});

describe('SlackWebApi over the network', () => {
  let server: http.Server;
  let url: string;
  let connections = 0;
  let dropNext = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (dropNext > 0) {
          dropNext -= 1;
          req.socket.destroy();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, channel: 'D1', ts: '1.000001' }));
      });
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('keeps its connection alive between calls, retries a dropped one, and throws the client’s request error when out of retries', async () => {
    const api = new SlackWebApi({ slackApiUrl: url, token: 'xoxb-net' }, quick(2));
    for (let i = 0; i < 20; i++) await api.postMessage({ channel: 'D1', text: `n${i}` });
    expect(connections).toBe(1);
    // Dropped on the kept connection (sent again at once on a new one), dropped there too (retried after a wait).
    dropNext = 2;
    await expect(api.postMessage({ channel: 'D1', text: 'dropped twice' })).resolves.toMatchObject({ ok: true });
    expect(connections).toBe(3);
    api.close();
    const once = new SlackWebApi({ slackApiUrl: url, token: 'xoxb-net' }, quick(0));
    dropNext = 1;
    await expect(once.postMessage({ channel: 'D1', text: 'dropped' })).rejects.toBeInstanceOf(webApi.WebAPIRequestError);
    once.close();
  });
});
