import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reply } from '../../src/core/chat/chat.port.js';
import { v } from '../../src/core/chat/views.js';
import { FakeConnector } from '../support/fake-connector.js';
import { FakeSlack } from '../support/fake-slack.js';
import { capturingLogger } from '../support/logs.js';
import { interactionBody, jsonBody, sendSlack, slackEnv, viewSubmission } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';
import { BOT, MEGAN, personalConversationId, postActivity, teamsMessage, type Activity } from '../support/teams.js';

/**
 * Probes of issue 11 point 4 (and the Teams redelivery of point 3): every
 * malformed or unexpected input gets a 2xx with nothing done or a clear 4xx;
 * never a 5xx, an error-level log line or a timeout.
 */
describe('malformed and unexpected platform input', () => {
  let fake: FakeSlack;
  let connector: FakeConnector;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  const logs = capturingLogger();
  const submitted: string[] = [];

  beforeAll(async () => {
    fake = await FakeSlack.start();
    connector = await FakeConnector.start({ members: [MEGAN] });
    tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'true' }), { workers: false, logger: logs.logger });
    tandem.core.interactions.form('probe.form', async (ctx) => {
      submitted.push(ctx.actor.id);
      return reply.none();
    });
    tandem.core.interactions.command('slow', 'a command that takes a while', async () => {
      await new Promise((r) => setTimeout(r, 300));
      return reply.public(v.view('slow answer', v.section('slow answer')));
    });
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await fake?.close();
    await connector?.close();
  });
  beforeEach(() => {
    logs.clear();
  });
  const settle = () => new Promise((r) => setTimeout(r, 300));

  describe('Slack', () => {
    it('acknowledges signed JSON of an unknown type with a null event (500 before): 200, nothing done', async () => {
      const res = await sendSlack(tandem.url, { body: '{"type":"zzz","event":null}', contentType: 'application/json' });
      expect(res.status).toBe(200);
      await settle();
      expect(logs.errors()).toEqual([]);
      expect(fake.calls.filter((c) => c.method !== 'auth.test')).toHaveLength(0);
    });

    it('refuses an event_callback whose event is null or has no type, and a message event without a user: 400', async () => {
      for (const body of [
        { type: 'event_callback', event: null, event_id: 'Ev1' },
        { type: 'event_callback', event: { user: 'U1' }, event_id: 'Ev2' },
        { type: 'event_callback', event: { type: 'message', channel: 'D1', channel_type: 'im', text: 'hi' }, event_id: 'Ev3' },
        { type: 'block_actions', user: { id: 'U1' }, actions: [] },
        { type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'x' }] },
        { type: 'view_submission', user: null, view: {} },
      ]) {
        const res = await sendSlack(tandem.url, jsonBody(body));
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
      await settle();
      expect(logs.errors()).toEqual([]);
    });

    it('refuses a timestamp more than 5 minutes in the future (accepted before), and still one 5 minutes old', async () => {
      const now = Math.floor(Date.now() / 1000);
      expect((await sendSlack(tandem.url, jsonBody({ type: 'zzz' }), { timestamp: now + 6 * 60 })).status).toBe(401);
      expect((await sendSlack(tandem.url, jsonBody({ type: 'zzz' }), { timestamp: now - 6 * 60 })).status).toBe(401);
      expect((await sendSlack(tandem.url, jsonBody({ type: 'zzz' }), { timestamp: now + 60 })).status).toBe(200);
    });

    it('answers a view_submission whose view.state has no values (threw before the ack) in time, as a form with no inputs', async () => {
      const base = JSON.parse(new URLSearchParams(viewSubmission({ callbackId: 'probe.form', values: {} }).body).get('payload') ?? '{}') as { view: Record<string, unknown> };
      for (const state of [{}, undefined, null]) {
        const payload = { ...base, view: { ...base.view, state } };
        const started = Date.now();
        const res = await sendSlack(tandem.url, interactionBody(payload));
        expect(res.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(2_500);
      }
      expect(submitted).toHaveLength(3);
      expect(logs.errors()).toEqual([]);
    });
  });

  describe('Teams', () => {
    const message = (extra: Partial<Activity> = {}, drop: string[] = []): Activity => {
      const a: Record<string, unknown> = { ...teamsMessage({ serviceUrl: connector.serviceUrl, from: MEGAN, text: 'help' }), ...extra };
      for (const key of drop) delete a[key];
      return a as Activity;
    };

    it('refuses a message without `from`, `conversation`, `recipient` or `serviceUrl` (TypeError before) with a 400 that names it', async () => {
      for (const field of ['from', 'conversation', 'recipient', 'serviceUrl']) {
        const res = await postActivity(tandem.url, message({}, [field]));
        expect(res.status, field).toBe(400);
        expect(((await res.json()) as { error: { message: string } }).error.message).toContain(field);
      }
      const res = await postActivity(tandem.url, message({ from: { name: 'no id' } as unknown as Activity['conversation'] }));
      expect(res.status).toBe(400);
      await settle();
      expect(logs.errors()).toEqual([]);
      expect(connector.activities).toHaveLength(0);
    });

    it('refuses ids longer than 1,024 characters with a 400 that names the field (the connector answered 431 to the reply before, found by the fuzz)', async () => {
      const long = 'x'.repeat(1_025);
      const base = message({});
      for (const [field, activity] of [
        ['conversation.id', { ...base, conversation: { ...base.conversation, id: long } }],
        ['from.id', { ...base, from: { id: long } }],
        ['replyToId', { ...base, replyToId: long }],
      ] as const) {
        const res = await postActivity(tandem.url, activity as Activity);
        expect(res.status, field).toBe(400);
        expect(((await res.json()) as { error: { message: string } }).error.message, field).toContain(field);
      }
      await settle();
      expect(logs.errors()).toEqual([]);
      expect(connector.activities).toHaveLength(0);
    });

    it('takes a message that mentions Tandem but has no text (an attachment alone; a TypeError in botbuilder before, found by the fuzz)', async () => {
      const mention = { type: 'mention', mentioned: BOT, text: '<at>Tandem</at>' };
      const res = await postActivity(tandem.url, message({ entities: [mention], attachments: [{ contentType: 'text/html', content: '<p>Tandem</p>' }] } as Partial<Activity>, ['text']));
      expect(res.status).toBe(200);
      await settle();
      expect(logs.errors()).toEqual([]);
      connector.clear();
    });

    it('answers a composeExtension/fetchTask invoke (501 before) as Teams expects of an app without the feature', async () => {
      const invoke = (name: string, value: unknown = {}) => message({ type: 'invoke', name, value, id: `f:${name}` });
      const fetchTask = await postActivity(tandem.url, invoke('composeExtension/fetchTask', { commandId: 'x', commandContext: 'message' }));
      expect(fetchTask.status).toBe(200);
      expect(await fetchTask.json()).toMatchObject({ task: { type: 'message', value: expect.stringContaining('does not offer') as unknown } });
      const query = await postActivity(tandem.url, invoke('composeExtension/query', { commandId: 'search', parameters: [] }));
      expect(query.status).toBe(200);
      expect(await query.json()).toMatchObject({ composeExtension: { type: 'message' } });
      const unknown = await postActivity(tandem.url, invoke('some/futureInvoke'));
      expect(unknown.status).toBe(200);
      await settle();
      expect(logs.errors()).toEqual([]);
    });

    it('acknowledges activity types Tandem does not serve with 200 and nothing done', async () => {
      for (const type of ['typing', 'messageReaction', 'event', 'endOfConversation', 'zzz']) {
        expect((await postActivity(tandem.url, { type, id: 'x', conversation: { id: 'c' } })).status, type).toBe(200);
      }
      await settle();
      expect(connector.activities).toHaveLength(0);
      expect(logs.errors()).toEqual([]);
    });

    it('processes the same activity delivered 5 times at once (and again later) once: one reply', async () => {
      connector.clear();
      const activity = message({ id: `dup-${Date.now()}` });
      const answers = await Promise.all(Array.from({ length: 5 }, () => postActivity(tandem.url, activity)));
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect((await postActivity(tandem.url, activity)).status).toBe(200);
      await settle();
      expect(connector.sentTo(personalConversationId(MEGAN))).toHaveLength(1);
      // The same activity id in another conversation is another activity.
      const elsewhere = message({ id: activity.id, conversation: { ...activity.conversation, id: `${activity.conversation.id}-other` }, recipient: BOT });
      expect((await postActivity(tandem.url, elsewhere)).status).toBe(200);
      await settle();
      expect(connector.activities.length).toBe(2);
    });

    it('lets a redelivery through when the first delivery failed (the claim is released)', async () => {
      connector.clear();
      const activity = message({ id: `fail-${Date.now()}` });
      connector.failNext(400, 1);
      expect((await postActivity(tandem.url, activity)).status).toBe(200);
      await settle();
      expect((await postActivity(tandem.url, activity)).status).toBe(200);
      await settle();
      const cards = connector.sentTo(personalConversationId(MEGAN)).filter((a) => a.activity.attachments?.some((x) => x.contentType === 'application/vnd.microsoft.card.adaptive'));
      expect(cards).toHaveLength(1);
    });
  });
});
