import type { ChildProcess } from 'node:child_process';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../support/fake-slack.js';
import { SLACK_TEAM, slackEnv } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';
import { childEnv, killHard, sleep, spawnTandem } from './support.js';

const PEOPLE = 1_000;
const KILLS = 5;
// Friday 2026-11-27 15:00 UTC: everyone (in UTC) is due for the week's check-in.
const NOW = '2026-11-27T15:00:00Z';
const PERIOD = '2026-W48';

/**
 * kill -9 during a 1,000-person check-in fan-out, five times at random points, then one worker left to finish:
 * every prompt arrives, none twice, on Slack and on the console, and every sent message is recorded.
 */
describe('a worker killed with SIGKILL during a fan-out', () => {
  let fake: FakeSlack;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // A rate limit stretches the fan-out so that every kill lands in the middle of it.
    fake = await FakeSlack.start({ rateLimit: { perSecond: 100, methods: ['chat.postMessage'] } });
    const env = slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'true' });
    tandem = await startTestTandem(env, { workers: false, clock: { now: () => new Date(NOW) } });
  });
  afterAll(async () => {
    for (const child of children) await killHard(child);
    await tandem?.cleanup();
    await fake?.close();
  });

  it('loses no prompt and sends none twice', { timeout: 600_000 }, async () => {
    // Half the people on Slack, half on the console, in one team.
    const { Person, Identity, PersonAccount } = tandem.store.models;
    const ids = Array.from({ length: PEOPLE }, () => new Types.ObjectId().toString());
    await Person.insertMany(ids.map((_id, i) => ({ _id, name: `Person ${i}`, email: `p${i}@kill.example`, timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5], roles: ['employee'], active: true })));
    const identity = (id: string, i: number) => {
      if (i % 2 === 1) return { _id: `console:${id}`, key: `console:${id}`, platform: 'console', personId: id };
      const userId = `U${String(i).padStart(6, '0')}`;
      const key = `slack:${SLACK_TEAM}:${userId}`;
      return { _id: key, key, platform: 'slack', personId: id, teamId: SLACK_TEAM, userId };
    };
    const identities = ids.map(identity);
    await Identity.insertMany(identities);
    await PersonAccount.insertMany(identities.map((d) => ({ _id: `${d.personId}|${d.platform}`, key: d.key })));
    const team = await tandem.store.teams.create({ name: 'Everyone', memberIds: ids });
    await tandem.jobs.enqueue('checkin.fire', { teamId: team.id, timeZone: 'UTC' }, { jobId: `kill.fire:${team.id}` });

    const consoleMessages = tandem.store.conn.collection('console_messages');
    const delivered = async () => fake.callsTo('chat.postMessage').length + (await consoleMessages.countDocuments({ deliveryKey: { $ne: null } }));
    const env = childEnv(tandem.config, { ...slackEnv(fake), TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'true', TEST_NOW: NOW });

    const killedAt: number[] = [];
    for (let k = 0; k < KILLS; k += 1) {
      const child = await spawnTandem(env);
      children.push(child);
      // Somewhere in the next 20–150 deliveries (or after 15 s, should this worker be slow to start).
      const target = (await delivered()) + 20 + Math.floor(Math.random() * 130);
      const until = Date.now() + 15_000;
      while ((await delivered()) < target && Date.now() < until) await sleep(50);
      await killHard(child);
      killedAt.push(await delivered());
      if (process.env.DEBUG_KILL) process.stderr.write(`killed at ${killedAt.at(-1)} ${new Date().toISOString()}\n`);
    }
    expect(Math.min(...killedAt), 'the kills landed before the fan-out finished').toBeLessThan(PEOPLE);

    // One worker left: it recovers the jobs the dead ones held (BullMQ's stalled-job check) and finishes.
    children.push(await spawnTandem(env));
    const deadline = Date.now() + 420_000;
    while ((await delivered()) < PEOPLE && Date.now() < deadline) {
      await sleep(2000);
      if (process.env.DEBUG_KILL) process.stderr.write(`delivered ${await delivered()} at ${new Date().toISOString()}\n`);
    }
    await sleep(3_000); // time for a duplicate to show up

    const count = new Map<string, number>();
    const add = (key: unknown) => count.set(String(key), (count.get(String(key)) ?? 0) + 1);
    for (const call of fake.callsTo('chat.postMessage')) add((call.args.metadata as { event_payload: { key: string } }).event_payload.key);
    for (const m of await consoleMessages.find({ deliveryKey: { $ne: null } }).toArray()) add(m.deliveryKey);
    const expected = await tandem.store.conn.collection('checkins').find({ period: PERIOD }).toArray();
    const keys = expected.map((c) => `checkin.prompt:${String(c.personId)}:${PERIOD}`);
    const lost = keys.filter((key) => !count.has(key)).length;
    const duplicated = [...count.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    const recorded = await tandem.store.conn.collection('posted_messages').countDocuments({ status: 'sent', key: { $in: keys } });

    expect({ checkins: expected.length, lost, duplicated, recorded, kills: killedAt.length }).toEqual({ checkins: PEOPLE, lost: 0, duplicated: 0, recorded: PEOPLE, kills: KILLS });
  });
});
