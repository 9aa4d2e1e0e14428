import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../support/fake-slack.js';
import { slackEnv } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';
import { ferretdbBinary, figures, PROBE_NOW, seedFanout, startOwnFerretDB, tally, waitForAll, waitForDelivered } from './servers.js';
import { childEnv, killHard, spawnTandem } from './support.js';

const PEOPLE = 300;
const bin = ferretdbBinary();

/**
 * FerretDB killed (SIGKILL) in the middle of a 300-person check-in fan-out and started again on its data two
 * seconds later: jobs that failed against the missing database are retried, a send whose record could not be
 * written is found on Slack by its key once its lease runs out and recorded, and every prompt arrives exactly once.
 * Runs on a FerretDB of its own (the binary `scripts/stack.sh` builds), never the shared one.
 */
describe.skipIf(!bin)('FerretDB restarted during a fan-out', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('every prompt arrives once', { timeout: 240_000 }, async () => {
    const ferretdb = await startOwnFerretDB(bin ?? '');
    cleanups.push(() => ferretdb.dispose());
    const fake = await FakeSlack.start({ rateLimit: { perSecond: 60, methods: ['chat.postMessage'] } });
    cleanups.push(() => fake.close());
    const env = slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false', MONGODB_URI: ferretdb.url });
    const tandem = await startTestTandem(env, { workers: false, clock: { now: () => new Date(PROBE_NOW) } });
    cleanups.push(() => tandem.cleanup());
    const child: ChildProcess = await spawnTandem(childEnv(tandem.config, { ...env, TEST_NOW: PROBE_NOW }));
    cleanups.push(() => killHard(child));

    const { teamId, keys } = await seedFanout(tandem, PEOPLE, 'ferretdb');
    await tandem.jobs.enqueue('checkin.fire', { teamId, timeZone: 'UTC' }, { jobId: `checkin.fire:${teamId}:probe` });
    await waitForDelivered(fake, keys, 100);
    const atKill = tally(fake, keys).delivered;
    await ferretdb.kill();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await ferretdb.restart();
    const took = await waitForAll(fake, keys, 180_000);
    // A prompt sent while its record could not be written stays reserved until its send lease (30 s) runs out;
    // the job's retry then finds it on Slack by its key and records it.
    const posted = tandem.store.conn.collection('posted_messages');
    const recorded = () => posted.countDocuments({ status: 'sent', key: { $in: keys } });
    const unrecordedAfterDelivery = PEOPLE - (await recorded());
    const until = Date.now() + 120_000;
    while ((await recorded()) < PEOPLE && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 1_000));
    const result = tally(fake, keys);
    figures('ferretdb restart', { people: PEOPLE, atKill, ...result, msToAllAfterRestart: took, unrecordedAfterDelivery, recorded: await recorded() });

    expect(atKill, 'FerretDB was killed before the fan-out finished').toBeLessThan(PEOPLE);
    expect(result).toEqual({ delivered: PEOPLE, lost: 0, duplicated: 0 });
    expect(await recorded(), 'every sent prompt is recorded').toBe(PEOPLE);
  });
});
