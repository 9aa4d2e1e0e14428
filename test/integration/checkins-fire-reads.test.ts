import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckinPrompts } from '../../src/core/checkins/prompt.js';
import { createLogger } from '../../src/logger.js';
import { PROBE_NOW, promptsByKey, seedFanout } from '../reliability/servers.js';
import { FakeSlack } from '../support/fake-slack.js';
import { slackEnv } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';

const PEOPLE = 600;

/**
 * A firing reads a large team a few hundred members at a time, each read its own turn of bulk work (see
 * PagesFirst), instead of all of them at once: one read of 5,000 people held FerretDB and the event loop for a
 * second while pages waited. Every member is still prompted, once.
 */
describe('a check-in firing reads its team in parts', () => {
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

  it('reads at most 250 members at a time and queues a prompt for each', { timeout: 60_000 }, async () => {
    const { teamId, keys } = await seedFanout(tandem, PEOPLE, 'fire-reads');
    const reads: number[] = [];
    // The real repository, its reads counted on the way through.
    const people = {
      get: (id: string) => tandem.store.people.get(id),
      getMany: (ids: readonly string[]) => {
        reads.push(ids.length);
        return tandem.store.people.getMany(ids);
      },
    };
    const prompts = new CheckinPrompts({
      checkins: tandem.store.checkins,
      teams: tandem.store.teams,
      people,
      messenger: tandem.core.messenger,
      scheduler: tandem.jobs,
      clock: { now: () => new Date(PROBE_NOW) },
      logger: createLogger('error'),
      pagesFirst: tandem.core.pagesFirst,
    });

    expect(await prompts.fire(teamId, 'UTC')).toBe(PEOPLE);
    expect(reads).toEqual([250, 250, 100]);
    // The jobs it queued are the real queue's: Tandem's workers send each prompt once.
    await fake.waitUntil(() => promptsByKey(fake).size === PEOPLE, 40_000);
    const byKey = promptsByKey(fake);
    expect([...byKey.keys()].sort()).toEqual([...keys].sort());
    expect([...byKey.values()].every((n) => n === 1)).toBe(true);
  });
});
