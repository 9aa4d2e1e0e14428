import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_SPACING_MS } from '../../src/core/pages-first.js';
import { PROBE_NOW, promptsByKey, seedFanout } from '../reliability/servers.js';
import { FakeSlack } from '../support/fake-slack.js';
import { slackEnv } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';

const PEOPLE = 60;
const HOLD_MS = 1_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Pages first, on the real stack (Redis, FerretDB, the check-ins queue's workers, a fake Slack): while work a
 * page waits on is in flight in the process, a fan-out's prompts go one per BULK_SPACING_MS (slowed, never
 * stopped), and once it ends the rest go at full speed; every prompt arrives once.
 */
describe('a check-in fan-out yields to alert work in flight', () => {
  let fake: FakeSlack;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;

  beforeAll(async () => {
    fake = await FakeSlack.start();
    tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false' }), { clock: { now: () => new Date(PROBE_NOW) } });
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await fake?.close();
  });

  it('waits its turn while alert work runs, resumes after, and sends every prompt once', { timeout: 60_000 }, async () => {
    const { teamId, keys } = await seedFanout(tandem, PEOPLE, 'pages-first');
    const gate = tandem.core.pagesFirst;
    let end!: () => void;
    const heldAt = performance.now();
    const alertWork = gate.during(() => new Promise<void>((resolve) => (end = resolve)));
    await tandem.jobs.enqueue('checkin.fire', { teamId, timeZone: 'UTC' }, { jobId: `checkin.fire:${teamId}:pages-first` });

    // Slowed, not stopped: prompts keep going out while the alert work runs.
    await fake.waitUntil(() => promptsByKey(fake).size > 0, 20_000);
    await sleep(HOLD_MS);
    const sentWhileHeld = promptsByKey(fake).size;
    const turnsAtMost = Math.floor((performance.now() - heldAt) / BULK_SPACING_MS) + 1;
    expect(sentWhileHeld).toBeGreaterThan(0);
    expect(sentWhileHeld).toBeLessThanOrEqual(turnsAtMost);
    expect(sentWhileHeld).toBeLessThan(PEOPLE);
    expect(gate.delayedTurns).toBeGreaterThan(sentWhileHeld);

    end();
    await alertWork;
    const delayed = gate.delayedTurns;
    await fake.waitUntil(() => promptsByKey(fake).size === PEOPLE, 30_000);
    // After the alert work, no turn waited: the fan-out ran at full speed.
    expect(gate.delayedTurns).toBe(delayed);
    await sleep(500);
    const byKey = promptsByKey(fake);
    expect([...byKey.keys()].sort()).toEqual([...keys].sort());
    expect([...byKey.values()].every((n) => n === 1)).toBe(true);
    expect(await tandem.store.conn.collection('checkins').countDocuments({})).toBe(PEOPLE);
  });
});
