import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUESTIONS } from '../../src/core/checkins/checkins.types.js';
import type { Person, Team } from '../../src/core/people/people.types.js';
import { dropTestData, startTestTandem } from '../support/stack.js';

// Thursday of ISO week 48: the week's check-in is open until Monday noon.
const clock = { now: () => new Date('2026-11-26T12:00:00Z') };
const PERIOD = '2026-W48';
const question = (id: string, text: string) => ({ id, text, kind: 'text' as const, optional: false });

/**
 * Two Tandem processes on one database and one queue prefix, each with its
 * own in-process cache of team and settings reads: a settings change made
 * through one is used by the other's next read, not up to 10 s later.
 */
describe('cache invalidation across Tandem processes', () => {
  let a: Awaited<ReturnType<typeof startTestTandem>>;
  let b: Awaited<ReturnType<typeof startTestTandem>>;
  let people: Person[];
  let team: Team;

  beforeAll(async () => {
    const env = { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false' };
    a = await startTestTandem(env, { clock, workers: false });
    b = await startTestTandem({ ...env, MONGODB_URI: a.config.MONGODB_URI, QUEUE_PREFIX: a.config.QUEUE_PREFIX }, { clock, workers: false });
    people = [];
    for (const name of ['Ana', 'Raj', 'Lena']) people.push(await a.store.people.create({ name, email: `${name.toLowerCase()}@example.com`, timeZone: 'UTC' }));
    team = await a.store.teams.create({ name: 'Platform', memberIds: people.map((p) => p.id) });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    if (a) await dropTestData(a.config);
  });

  const questionsOfPromptTo = async (person: Person) => (await b.core.checkins.prompt(person.id, team.id, PERIOD))?.questions.map((q) => q.id);

  it("uses a settings change made in one process in the other's next read", async () => {
    // Process B reads the team and its settings once: the read is now cached for 10 s.
    expect(await questionsOfPromptTo(people[0]!)).toEqual(DEFAULT_QUESTIONS.map((q) => q.id));

    // A write that tells nobody (straight to the store) is not seen within the cache's lifetime: there is a cache.
    await a.store.checkins.saveSettings(team.id, { ...(await a.core.checkins.settings(team.id)), questions: [question('silent', 'Unannounced?')] }, clock.now());
    expect(await questionsOfPromptTo(people[1]!)).toEqual(DEFAULT_QUESTIONS.map((q) => q.id));

    // The same kind of change through process A's use case reaches B's very next read.
    await a.core.checkins.updateSettings(team.id, { questions: [question('wins', 'What went well?'), question('next', 'What comes next?')] });
    expect(await questionsOfPromptTo(people[2]!)).toEqual(['wins', 'next']);
  });
});
