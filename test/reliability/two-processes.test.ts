import { afterAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../support/fake-slack.js';
import { slackEnv } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';
import { figures, PROBE_NOW, seedFanout, tally, waitForAll } from './servers.js';
import { childEnv, killHard, spawnTandem } from './support.js';

const PEOPLE = 300;

/**
 * Two Tandem processes sharing the database and Redis run one 300-person fan-out (and both sweep at boot):
 * each prompt goes out exactly once, and both processes did part of the work (each sends with its own token).
 */
describe('two processes sharing a fan-out', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('sends every prompt once', { timeout: 180_000 }, async () => {
    const fake = await FakeSlack.start({ rateLimit: { perSecond: 100, methods: ['chat.postMessage'] } });
    cleanups.push(() => fake.close());
    const env = slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false' });
    const tandem = await startTestTandem(env, { workers: false, clock: { now: () => new Date(PROBE_NOW) } });
    cleanups.push(() => tandem.cleanup());
    const { teamId, keys } = await seedFanout(tandem, PEOPLE, 'two');
    const started = Date.now();
    const children = await Promise.all(['xoxb-one', 'xoxb-two'].map((token) => spawnTandem(childEnv(tandem.config, { ...env, SLACK_BOT_TOKEN: token, TEST_NOW: PROBE_NOW }))));
    for (const child of children) cleanups.push(() => killHard(child));
    await tandem.jobs.enqueue('checkin.fire', { teamId, timeZone: 'UTC' }, { jobId: `checkin.fire:${teamId}:probe` });
    await waitForAll(fake, keys, 120_000);
    const result = tally(fake, keys);
    const byToken = new Map<string, number>();
    for (const call of fake.callsTo('chat.postMessage')) byToken.set(call.token ?? '', (byToken.get(call.token ?? '') ?? 0) + 1);
    figures('two processes', { people: PEOPLE, ...result, byProcess: Object.fromEntries(byToken), ms: Date.now() - started });

    expect(result).toEqual({ delivered: PEOPLE, lost: 0, duplicated: 0 });
    expect(byToken.get('xoxb-one'), 'the first process sent some').toBeGreaterThan(0);
    expect(byToken.get('xoxb-two'), 'the second process sent some').toBeGreaterThan(0);
  });
});
