import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEND_LEASE_MS } from '../../src/core/chat/messenger.js';
import { v } from '../../src/core/chat/views.js';
import { identityKey } from '../../src/core/people/people.types.js';
import { METADATA_EVENT_TYPE } from '../../src/adapters/slack/chat.js';
import { FakeSlack } from '../support/fake-slack.js';
import { SLACK_TEAM, SLACK_TEST_TOKEN, slackEnv } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';

type TestTandem = Awaited<ReturnType<typeof startTestTandem>>;

/**
 * A worker killed between sending a message and recording it leaves a `sending` reservation. These tests leave
 * such reservations behind by hand (the kill -9 version is test/reliability/) and check what the next worker does.
 */
describe('delivery after a crashed send', () => {
  let fake: FakeSlack;
  let tandem: TestTandem;
  let n = 0;

  beforeAll(async () => {
    fake = await FakeSlack.start();
    tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'true' }), { workers: false });
  });
  afterAll(async () => {
    await tandem.cleanup();
    await fake.close();
  });

  /** A person reachable on Slack (or the console) and a message key of their own. */
  async function person(platform: 'slack' | 'console' = 'slack') {
    n += 1;
    const p = await tandem.store.people.create({ name: `Person ${n}`, email: `p${n}@example.com` });
    const userId = `U9${String(n).padStart(5, '0')}`;
    await tandem.store.identities.link(
      platform === 'slack'
        ? { platform: 'slack', personId: p.id, key: identityKey.slack(SLACK_TEAM, userId), teamId: SLACK_TEAM, userId }
        : { platform: 'console', personId: p.id, key: identityKey.console(p.id) },
    );
    return { id: p.id, channel: `D${userId.slice(1)}`, key: `test.delivery:${p.id}` };
  }

  /** What a dead worker left: a reservation whose lease ran out. */
  const expiredReservation = (key: string, platform: 'slack' | 'console') =>
    tandem.store.postedMessages.reserve(key, platform, new Date(Date.now() - 2 * SEND_LEASE_MS), SEND_LEASE_MS);

  const postsTo = (channel: string) => fake.callsTo('chat.postMessage').filter((c) => c.args.channel === channel);

  it('tags every Slack message with its key in the message metadata', async () => {
    const p = await person();
    expect(await tandem.core.messenger.dm(p.id, v.view('Hello', v.section('Hello')), p.key)).toBe(true);
    const [post] = postsTo(p.channel);
    expect(post?.args.metadata).toEqual({ event_type: METADATA_EVENT_TYPE, event_payload: { key: p.key } });
  });

  it('finds a message the dead worker did send, records it, and does not send it again', async () => {
    const p = await person();
    await expiredReservation(p.key, 'slack');
    // The dead worker's message reached Slack before it died.
    const res = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SLACK_TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: p.channel, text: 'Hello', metadata: { event_type: METADATA_EVENT_TYPE, event_payload: { key: p.key } } }),
    });
    const { ts } = (await res.json()) as { ts: string };

    expect(await tandem.core.messenger.dm(p.id, v.view('Hello', v.section('Hello')), p.key)).toBe(false);
    expect(postsTo(p.channel)).toHaveLength(1);
    // Recorded, so a later change updates it in place.
    expect(await tandem.core.messenger.addresses(p.key)).toEqual([{ platform: 'slack', channel: p.channel, messageId: ts }]);
    expect(await tandem.core.messenger.update(p.key, v.view('Updated', v.section('Updated')))).toBe(1);
    expect(fake.messages.get(ts)?.updates).toBe(1);
  });

  it('sends a message the dead worker did not send, exactly once among ten workers taking over at once', async () => {
    const p = await person();
    await expiredReservation(p.key, 'slack');
    const results = await Promise.all(Array.from({ length: 10 }, () => tandem.core.messenger.dm(p.id, v.view('Hello', v.section('Hello')), p.key)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(postsTo(p.channel)).toHaveLength(1);
    expect(await tandem.core.messenger.addresses(p.key)).toHaveLength(1);
  });

  it('waits for a live reservation to be recorded instead of sending beside it', async () => {
    const p = await person();
    expect(await tandem.store.postedMessages.reserve(p.key, 'slack', new Date(), SEND_LEASE_MS)).toEqual({ state: 'reserved' });
    const waiting = tandem.core.messenger.dm(p.id, v.view('Hello', v.section('Hello')), p.key);
    await new Promise((r) => setTimeout(r, 300));
    await tandem.store.postedMessages.complete(p.key, 'slack', { platform: 'slack', channel: p.channel, messageId: '1.000001' });
    expect(await waiting).toBe(false);
    expect(postsTo(p.channel)).toHaveLength(0);
  });

  it('a held key (an alert\'s first page): its holder sends without a reservation and records it; anyone else waits out the hold, then looks first', async () => {
    const p = await person();
    const view = v.view('Hello', v.section('Hello'));
    const hold = (fresh: boolean, ms: number) => ({ hold: { since: new Date(), until: new Date(Date.now() + ms), fresh } });
    // The holder (the process that inserted the alert) sends and records: anyone after it finds the key sent.
    expect(await tandem.core.messenger.dm(p.id, view, p.key, hold(true, SEND_LEASE_MS + 10_000))).toBe(true);
    expect(await tandem.core.messenger.addresses(p.key)).toHaveLength(1);
    expect(await tandem.core.messenger.dm(p.id, view, p.key, hold(false, SEND_LEASE_MS + 10_000))).toBe(false);
    expect(postsTo(p.channel)).toHaveLength(1);

    // A holder that died after sending, before recording: whoever comes after its lease finds the message on Slack.
    const sent = `${p.key}:sent`;
    const res = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SLACK_TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: p.channel, text: 'Hello', metadata: { event_type: METADATA_EVENT_TYPE, event_payload: { key: sent } } }),
    });
    expect(res.ok).toBe(true);
    const started = Date.now();
    expect(await tandem.core.messenger.dm(p.id, view, sent, hold(false, 400))).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(postsTo(p.channel)).toHaveLength(2);
    expect(await tandem.core.messenger.addresses(sent)).toHaveLength(1);

    // A holder too late to start its send within the lease sends as anyone would, under a reservation of its own.
    const late = `${p.key}:late`;
    expect(await tandem.core.messenger.dm(p.id, view, late, hold(true, 1_000))).toBe(true);
    expect(await tandem.core.messenger.dm(p.id, view, late, hold(false, 1_000))).toBe(false);
    expect(postsTo(p.channel)).toHaveLength(3);

    // A held send that fails leaves its key to be taken over at once (looked for first), not after the lease.
    const failed = `${p.key}:failed`;
    await tandem.store.postedMessages.abandon(failed, 'slack', new Date());
    expect(await tandem.core.messenger.dm(p.id, view, failed, hold(false, 60_000))).toBe(true);
    expect(postsTo(p.channel)).toHaveLength(4);
  });

  it('on the console: finds the message in its own store, else sends it once', async () => {
    const p = await person('console');
    const messages = tandem.store.models.Person.db.collection('console_messages');
    const before = await messages.countDocuments({});
    // The dead worker's message reached the console, and its record of the send was lost with it.
    const first = `${p.key}:first`;
    expect(await tandem.core.messenger.dm(p.id, v.view('One', v.section('One')), first)).toBe(true);
    await tandem.store.models.PostedMessage.deleteOne({ _id: `${first}|console` });
    await expiredReservation(first, 'console');
    expect(await tandem.core.messenger.dm(p.id, v.view('One', v.section('One')), first)).toBe(false);
    expect(await tandem.core.messenger.addresses(first)).toHaveLength(1);

    // Nothing reached the console before the worker died: sent now, once.
    await expiredReservation(p.key, 'console');
    expect(await tandem.core.messenger.dm(p.id, v.view('Two', v.section('Two')), p.key)).toBe(true);
    expect((await messages.countDocuments({})) - before).toBe(2);
  });
});
