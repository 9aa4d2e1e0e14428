import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../support/fake-slack.js';
import { slackEnv } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';
import { figures, PROBE_NOW, seedFanout, startOwnRedis, tally, waitForAll, waitForDelivered, type OwnServer } from './servers.js';
import { childEnv, killHard, spawnTandem } from './support.js';

const PEOPLE = 300;

/**
 * Redis killed (SIGKILL) in the middle of a 300-person check-in fan-out run by a worker in another process, then
 * started again: on its append-only file (what production runs), and empty (persistence lost, the worst case).
 * Every prompt arrives exactly once either way: the append-only file keeps the queue, and the reconciler each
 * process runs after a Redis reconnect puts back the recurring schedules and, through the check-ins' sweep, the
 * prompts of people the database says are due and were not sent.
 */
describe('Redis restarted during a fan-out', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function probe(empty: boolean) {
    const redis: OwnServer = await startOwnRedis();
    cleanups.push(() => redis.dispose());
    // A rate limit stretches the fan-out so that the kill lands in the middle of it.
    const fake = await FakeSlack.start({ rateLimit: { perSecond: 60, methods: ['chat.postMessage'] } });
    cleanups.push(() => fake.close());
    const env = slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false', REDIS_URL: redis.url });
    const tandem = await startTestTandem(env, { workers: false, clock: { now: () => new Date(PROBE_NOW) } });
    cleanups.push(() => tandem.cleanup());
    const child: ChildProcess = await spawnTandem(childEnv(tandem.config, { ...env, TEST_NOW: PROBE_NOW }));
    cleanups.push(() => killHard(child));

    const { teamId, keys } = await seedFanout(tandem, PEOPLE, empty ? 'redis-empty' : 'redis-aof');
    await tandem.core.checkins.reconcileTeam(teamId);
    const schedulers = async () => (await tandem.jobs.queue('checkins').getJobSchedulers()).map((s) => s.key).sort();
    const before = await schedulers();
    expect(before).toContain(`checkin|${teamId}|UTC`);
    await tandem.jobs.enqueue('checkin.fire', { teamId, timeZone: 'UTC' }, { jobId: `checkin.fire:${teamId}:probe` });

    await waitForDelivered(fake, keys, 100);
    const atKill = tally(fake, keys).delivered;
    await redis.restart({ empty });
    const took = await waitForAll(fake, keys, 120_000);
    const result = tally(fake, keys);
    figures(`redis restart (${empty ? 'empty' : 'append-only file'})`, { people: PEOPLE, atKill, ...result, msToAllAfterRestart: took });

    expect(atKill, 'Redis was killed before the fan-out finished').toBeLessThan(PEOPLE);
    expect(result).toEqual({ delivered: PEOPLE, lost: 0, duplicated: 0 });
    // The schedules are back without a reboot (after an empty restart only the reconciler can have put them back).
    expect(await schedulers()).toEqual(before);
  }

  it('on its append-only file: every prompt arrives once', { timeout: 180_000 }, () => probe(false));
  it('empty: the reconciler and the sweep put everything back, every prompt arrives once', { timeout: 180_000 }, () => probe(true));
});
