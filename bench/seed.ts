/**
 * Bulk seeding shared by the benchmarks: people with Slack identities and
 * the teams a check-in fan-out goes to, written straight through a store of
 * the benchmark's own (insertMany), so that seeding 10,000 people does not
 * go through 10,000 requests.
 */
import { Types } from 'mongoose';
import type { Team } from '../src/core/people/people.types.js';
import type { createStore } from '../src/store/index.js';
import { SLACK_TEAM } from '../test/support/slack.js';

type Store = ReturnType<typeof createStore>;

/** Slack user id of seeded person `i`, and the DM channel the fake Slack opens for it. */
export const userId = (i: number): string => `U${String(i).padStart(6, '0')}`;
export const dmChannel = (i: number): string => `D${String(i).padStart(6, '0')}`;

/** Largest team of a check-in fan-out. */
export const FANOUT_TEAM_SIZE = 5_000;

/** Inserts people `from` .. `from + count - 1` (names, e-mails and Slack user ids by index) with their Slack identities; returns their ids. */
export async function seedSlackPeople(store: Store, count: number, from = 0): Promise<string[]> {
  const { Person, Identity, PersonAccount } = store.models;
  const ids = Array.from({ length: count }, () => new Types.ObjectId());
  for (let offset = 0; offset < count; offset += 1_000) {
    const slice = ids.slice(offset, offset + 1_000);
    const index = (j: number) => from + offset + j;
    await Person.insertMany(
      slice.map((_id, j) => ({ _id, name: `Person ${index(j)}`, email: `p${index(j)}@bench.example`, timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5], roles: ['employee'], active: true })),
      { ordered: false },
    );
    const key = (j: number) => `slack:${SLACK_TEAM}:${userId(index(j))}`;
    await Identity.insertMany(
      slice.map((_id, j) => ({ _id: key(j), key: key(j), platform: 'slack', personId: _id.toString(), teamId: SLACK_TEAM, userId: userId(index(j)) })),
      { ordered: false },
    );
    // With the copy of its identity that Tandem writes with an account (see personAccountSchema).
    await PersonAccount.insertMany(
      slice.map((_id, j) => ({ _id: `${_id.toString()}|slack`, key: key(j), identity: { platform: 'slack', personId: _id.toString(), key: key(j), teamId: SLACK_TEAM, userId: userId(index(j)) } })),
      { ordered: false },
    );
  }
  return ids.map(String);
}

/** The check-in fan-out's audience: `people` seeded from index `from`, in teams of at most 5,000. */
export async function seedFanout(store: Store, people: number, from = 0): Promise<Team[]> {
  const ids = await seedSlackPeople(store, people, from);
  const teams: Team[] = [];
  for (let start = 0; start < people; start += FANOUT_TEAM_SIZE) {
    teams.push(await store.teams.create({ name: `Bench ${start / FANOUT_TEAM_SIZE + 1}`, memberIds: ids.slice(start, start + FANOUT_TEAM_SIZE) }));
  }
  return teams;
}
