import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App, Logger, ReceiverEvent } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackHttpReceiver } from '../../src/adapters/slack/receiver.js';
import { sendSlack, signature, SLACK_TEST_SECRET, slashCommand } from '../support/slack.js';

const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => 'error' as ReturnType<Logger['getLevel']>,
  setName: () => undefined,
};

/**
 * The receiver in front of a stand-in for Bolt's App that records when each
 * request's work starts and ends (Bolt and Tandem's listeners are not what
 * is under test here: the order of acks and work is).
 */
async function start(hold: { quietMs: number; maxHoldMs: number }, work: (event: ReceiverEvent) => Promise<void> = async () => undefined) {
  const receiver = new SlackHttpReceiver({ signingSecret: SLACK_TEST_SECRET, logger: quiet, ...hold });
  const started: { text: string; at: number }[] = [];
  const done: string[] = [];
  const app = {
    processEvent: async (event: ReceiverEvent) => {
      const text = String(event.body.text);
      started.push({ text, at: performance.now() });
      await work(event);
      done.push(text);
    },
  };
  receiver.init(app as unknown as App);
  const server = http.createServer(receiver.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const send = async (text: string) => {
    const res = await sendSlack(url, slashCommand({ userId: 'U1', text, responseUrl: 'http://127.0.0.1:1/unused' }));
    return { status: res.status, body: await res.text(), at: performance.now() };
  };
  servers.push(server);
  return { receiver, started, done, send, url };
}

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('SlackHttpReceiver: acks of a burst before its work', () => {
  it('acknowledges every request of a burst before the work of any starts, then does all of it', async () => {
    const { started, done, send } = await start({ quietMs: 200, maxHoldMs: 5_000 });
    const acks = await Promise.all(Array.from({ length: 20 }, (_, i) => send(`cmd ${i}`)));
    expect(acks.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(acks.every((a) => a.body === '')).toBe(true);
    expect(started).toEqual([]);
    await expect.poll(() => done.length, { timeout: 5_000 }).toBe(20);
    const lastAck = Math.max(...acks.map((a) => a.at));
    expect(Math.min(...started.map((s) => s.at))).toBeGreaterThan(lastAck);
    expect(started.map((s) => s.text).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `cmd ${i}`).sort());
  });

  it('holds a request no longer than its maximum while arrivals do not pause', async () => {
    const { started, send } = await start({ quietMs: 60_000, maxHoldMs: 100 });
    const sent = performance.now();
    const ack = await send('alone');
    expect(ack.status).toBe(200);
    await expect.poll(() => started.length, { timeout: 2_000 }).toBe(1);
    // Held its maximum (timers may fire a ms early), far less than the quiet period it would otherwise wait for.
    const held = (started[0]?.at ?? 0) - sent;
    expect(held).toBeGreaterThanOrEqual(90);
    expect(held).toBeLessThan(1_000);
  });

  it('hands every held request to Bolt at stop, and stop resolves once their work is done', async () => {
    const { receiver, started, done, send } = await start({ quietMs: 60_000, maxHoldMs: 60_000 }, () => new Promise((resolve) => setTimeout(resolve, 50)));
    const acks = await Promise.all(['a', 'b', 'c'].map(send));
    expect(acks.map((a) => a.status)).toEqual([200, 200, 200]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(started).toEqual([]);
    await receiver.stop();
    expect(done.sort()).toEqual(['a', 'b', 'c']);
  });

  it('refuses a wrong signature of the right length, a signed one with more after it, and a timestamp that is not a number', async () => {
    const { started, url } = await start({ quietMs: 1, maxHoldMs: 10 });
    const { body, contentType } = slashCommand({ userId: 'U1', text: 'x', responseUrl: 'http://127.0.0.1:1/unused' });
    const ts = String(Math.floor(Date.now() / 1000));
    const post = (sig: string, timestamp = ts) => fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': contentType, 'x-slack-request-timestamp': timestamp, 'x-slack-signature': sig }, body });
    const good = signature(body, Number(ts));
    expect((await post(signature(body, Number(ts), 'another-secret'))).status).toBe(401);
    expect((await post(`${good}0`)).status).toBe(401);
    // Signed as sent: a number, but not the integer Slack sends.
    expect((await post(`v0=${createHmac('sha256', SLACK_TEST_SECRET).update(`v0:${ts}.0:${body}`).digest('hex')}`, `${ts}.0`)).status).toBe(401);
    expect((await post(good)).status).toBe(200);
    await expect.poll(() => started.length).toBe(1);
  });
});
