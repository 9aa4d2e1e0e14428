/**
 * Seeds a demo organisation (idempotent: run it as often as you like).
 *
 *   npm run seed:demo            # into MONGODB_URI (default mongodb://127.0.0.1:27017/tandem)
 *
 * Three teams in three time zones (Berlin, New York, Bangalore), their
 * managers, a leader, an admin, a console channel per team, a console
 * identity for everyone so proactive messages reach them in the console,
 * company values, a few weeks of kudos, three weeks of check-in history, and
 * per team an on-call schedule, an escalation policy and its routing rule; for the leader's scorecard, KPIs
 * in the four perspectives with five weeks of daily samples, a few alerts and three closed eNPS rounds.
 */
import { pathToFileURL } from 'node:url';
import { DateTime } from 'luxon';
import { loadConfig } from '../src/config.js';
import { checkinSettingsSchema, defaultSettings, type CheckinStatus } from '../src/core/checkins/checkins.types.js';
import { deadlineOf, periodMinus, periodOf } from '../src/core/checkins/schedule.js';
import type { Person, PersonInput, Role, Team } from '../src/core/people/people.types.js';
import { identityKey } from '../src/core/people/people.types.js';
import { layerInputSchema, policyInputSchema, type Routing } from '../src/core/oncall/oncall.types.js';
import { weekOf } from '../src/core/recognition/budget.js';
import { settingsPatchSchema } from '../src/core/recognition/recognition.types.js';
import { createLogger } from '../src/logger.js';
import { connectMongo } from '../src/store/connection.js';
import { createStore, type Store } from '../src/store/index.js';
import { syncIndexes } from '../src/store/models.js';
import { seedScorecard } from './seed-demo-scorecard.js';

interface DemoPerson {
  key: string;
  name: string;
  timeZone: string;
  roles: Role[];
  manager?: string;
}

interface DemoTeam {
  name: string;
  channel: string;
  timeZone: string;
  manager: string;
  members: string[];
}

const PEOPLE: DemoPerson[] = [
  { key: 'sofia', name: 'Sofia Lindqvist', timeZone: 'Europe/Berlin', roles: ['leader'] },
  { key: 'omar', name: 'Omar Haddad', timeZone: 'Europe/London', roles: ['admin'] },
  { key: 'lena', name: 'Lena Fischer', timeZone: 'Europe/Berlin', roles: ['manager'], manager: 'sofia' },
  { key: 'ana', name: 'Ana Souza', timeZone: 'Europe/Berlin', roles: ['employee'], manager: 'lena' },
  { key: 'jonas', name: 'Jonas Weber', timeZone: 'Europe/Berlin', roles: ['employee'], manager: 'lena' },
  { key: 'mia', name: 'Mia Schneider', timeZone: 'Europe/Berlin', roles: ['employee'], manager: 'lena' },
  { key: 'marcus', name: 'Marcus Johnson', timeZone: 'America/New_York', roles: ['manager'], manager: 'sofia' },
  { key: 'emily', name: 'Emily Chen', timeZone: 'America/New_York', roles: ['employee'], manager: 'marcus' },
  { key: 'diego', name: 'Diego Ramirez', timeZone: 'America/New_York', roles: ['employee'], manager: 'marcus' },
  { key: 'hannah', name: 'Hannah Lee', timeZone: 'America/New_York', roles: ['employee'], manager: 'marcus' },
  { key: 'priya', name: 'Priya Raman', timeZone: 'Asia/Kolkata', roles: ['manager'], manager: 'sofia' },
  { key: 'arjun', name: 'Arjun Mehta', timeZone: 'Asia/Kolkata', roles: ['employee'], manager: 'priya' },
  { key: 'kavya', name: 'Kavya Nair', timeZone: 'Asia/Kolkata', roles: ['employee'], manager: 'priya' },
  { key: 'rohan', name: 'Rohan Iyer', timeZone: 'Asia/Kolkata', roles: ['employee'], manager: 'priya' },
];

const TEAMS: DemoTeam[] = [
  { name: 'Platform', channel: 'platform', timeZone: 'Europe/Berlin', manager: 'lena', members: ['ana', 'jonas', 'mia'] },
  { name: 'Growth', channel: 'growth', timeZone: 'America/New_York', manager: 'marcus', members: ['emily', 'diego', 'hannah'] },
  { name: 'Mobile', channel: 'mobile', timeZone: 'Asia/Kolkata', manager: 'priya', members: ['arjun', 'kavya', 'rohan'] },
];

const VALUES = [
  { name: 'teamwork', description: 'We win together: we help, share and unblock each other.' },
  { name: 'ownership', description: 'We see things through, and say so when we cannot.' },
  { name: 'customers', label: 'Customers first', description: 'We start from what our customers need.' },
  { name: 'candour', description: 'We say what we think, kindly and early.' },
];

/** Kudos already given, so stats and channels are not empty: [giver, recipients, reason, values, days ago]. */
const KUDOS: [string, string[], string, string[], number][] = [
  ['lena', ['ana'], 'for untangling the flaky deploy pipeline on a Friday evening', ['ownership'], 18],
  ['jonas', ['mia'], 'for pairing with me on the cache rewrite all week', ['teamwork'], 16],
  ['marcus', ['emily', 'diego'], 'for the customer interviews that reshaped the onboarding flow', ['customers'], 12],
  ['kavya', ['arjun'], 'for the honest post-mortem of the release crash', ['candour'], 9],
  ['priya', ['rohan'], 'for shipping offline mode two days early', ['ownership'], 5],
  ['hannah', ['diego'], 'for answering every support ticket while we were at the offsite', ['customers', 'teamwork'], 3],
];

/** Past answers, picked per person and week so the history looks lived in. */
const ANSWERS: Record<string, string>[] = [
  { progress: 'Finished the API pagination work and the docs for it.', obstacles: 'none', priorities: 'Start on rate limiting.', mood: '4' },
  { progress: 'Most of the migration is done; two services left.', obstacles: 'Waiting on access to the staging database.', priorities: 'Finish the migration.', mood: '3' },
  { progress: 'Ran three customer calls and wrote up the findings.', obstacles: 'none', priorities: 'Turn the findings into a proposal.', mood: '5' },
  { progress: 'Fixed the crash on login for older phones.', obstacles: 'Flaky end-to-end tests slow every merge.', priorities: 'Stabilise the test suite.', mood: '3' },
];
const HISTORY_WEEKS = 3;

export const DEMO_DOMAIN = 'demo.tandem.example';
const emailOf = (key: string) => `${key}@${DEMO_DOMAIN}`;

export interface DemoOrg {
  people: Record<string, Person>;
  teams: Record<string, Team>;
}

/** Creates or refreshes the demo organisation; safe to run again. History is dated back from `now`. */
export async function seedDemo(store: Store, now: Date = new Date()): Promise<DemoOrg> {
  const people: Record<string, Person> = {};
  for (const p of PEOPLE) {
    const managerId = p.manager ? (people[p.manager]?.id ?? null) : null;
    const input: PersonInput = { name: p.name, email: emailOf(p.key), timeZone: p.timeZone, roles: p.roles, managerId };
    const { person } = await store.people.upsertByEmail(input);
    people[p.key] = person;
    await store.identities.link({ platform: 'console', personId: person.id, key: identityKey.console(person.id) });
  }
  const teams: Record<string, Team> = {};
  for (const t of TEAMS) {
    const { team } = await store.teams.upsertByName({
      name: t.name,
      managerId: people[t.manager]?.id ?? null,
      memberIds: t.members.map((m) => people[m]?.id).filter((id): id is string => Boolean(id)),
      channels: { console: { channelId: t.channel } },
    });
    teams[t.name] = team;
    // The demo shows each week's summary in the team channel too; a team whose settings an admin saved keeps them.
    if (!(await store.checkins.getSettings(team.id))) {
      await store.checkins.saveSettings(team.id, checkinSettingsSchema.parse({ summary: { managerDm: true, teamChannel: true } }), now);
    }
  }
  await store.recognition.updateSettings(settingsPatchSchema.parse({ values: VALUES }));
  await seedKudos(store, people, now);
  await seedCheckins(store, people, teams, now);
  await seedOncall(store, teams, now);
  await seedScorecard(store, teams, people, now);
  return { people, teams };
}

/**
 * Per team: an on-call schedule (its members in turn, a week each, handed
 * off Monday 09:00 in the team's zone) and an escalation policy (on-call
 * person, then the manager after 10 min, the leader after 20 more, then the
 * team channel; twice), with a routing rule sending the team's alerts to it.
 */
async function seedOncall(store: Store, teams: Record<string, Team>, now: Date): Promise<void> {
  const policies = await store.oncall.listPolicies();
  const rules: Routing['rules'] = [];
  for (const t of TEAMS) {
    const team = teams[t.name];
    if (!team) continue;
    const start = DateTime.fromJSDate(now, { zone: t.timeZone }).startOf('week').minus({ weeks: 4 }).toISODate() ?? '2026-01-05';
    const layer = { ...layerInputSchema.parse({ name: 'weekly', people: team.memberIds, shift: 'weekly', handoff: '09:00', start }), timeZone: t.timeZone };
    const schedule =
      (await store.oncall.scheduleOfTeam(team.id)) ?? (await store.oncall.createSchedule({ teamId: team.id, name: `${t.name} on-call`, timeZone: t.timeZone, layers: [layer] }));
    await store.oncall.updateSchedule(schedule.id, { layers: [layer] });
    const policy = policyInputSchema.parse({
      name: `${t.name} escalation`,
      repeat: 1,
      urgency: 'high',
      steps: [
        { delayMinutes: 0, target: { kind: 'oncall', scheduleId: schedule.id } },
        { delayMinutes: 10, target: { kind: 'manager' } },
        { delayMinutes: 20, target: { kind: 'role', role: 'leader' } },
        { delayMinutes: 0, target: { kind: 'channel' } },
      ],
    });
    const existing = policies.find((p) => p.name === policy.name);
    const saved = existing ? await store.oncall.updatePolicy(existing.id, policy) : await store.oncall.createPolicy(policy);
    rules.push({ teamId: team.id, policyId: saved.id });
  }
  await store.oncall.setRouting({ rules, defaultPolicyId: rules[0]?.policyId ?? null });
}

async function seedKudos(store: Store, people: Record<string, Person>, now: Date): Promise<void> {
  const first = KUDOS[0];
  const firstGiver = first ? people[first[0]] : undefined;
  if (!firstGiver) return;
  for await (const _ of store.recognition.scan({ giverId: firstGiver.id })) return; // seeded before
  for (const [giverKey, recipientKeys, reason, values, daysAgo] of KUDOS) {
    const giver = people[giverKey];
    const recipientIds = recipientKeys.map((k) => people[k]?.id).filter((id): id is string => Boolean(id));
    if (!giver || recipientIds.length === 0) continue;
    const createdAt = new Date(now.getTime() - daysAgo * 86_400_000);
    await store.recognition.insert({
      giverId: giver.id,
      recipientIds,
      reason,
      values,
      private: false,
      platform: 'console',
      week: weekOf(createdAt, giver.timeZone).week,
      createdAt,
    });
  }
}

/** Closed check-ins of the last weeks: mostly answered, some skipped or missed. Once per (person, week). */
async function seedCheckins(store: Store, people: Record<string, Person>, teams: Record<string, Team>, now: Date): Promise<void> {
  for (const team of Object.values(teams)) {
    const settings = defaultSettings(team.id);
    for (const [i, personId] of team.memberIds.entries()) {
      const person = Object.values(people).find((p) => p.id === personId);
      if (!person) continue;
      let previousPriorities: string | null = null;
      for (let w = HISTORY_WEEKS; w >= 1; w -= 1) {
        const period = periodMinus(periodOf(now, person.timeZone), w);
        const deadlineAt = deadlineOf(period, person.timeZone, settings);
        const promptedAt = new Date(deadlineAt.getTime() - 69 * 3_600_000);
        const { checkin, created } = await store.checkins.createOnce({
          personId,
          teamId: team.id,
          period,
          timeZone: person.timeZone,
          questions: settings.questions,
          previousPriorities,
          promptedAt,
          deadlineAt,
        });
        const roll = (i + w) % 6;
        const status: CheckinStatus = roll === 0 ? 'skipped' : roll === 1 && w !== 1 ? 'missed' : 'answered';
        const answers: Record<string, string> = ANSWERS[(i + w) % ANSWERS.length] ?? {};
        previousPriorities = status === 'answered' ? (answers.priorities ?? null) : previousPriorities;
        if (!created || checkin.status !== 'pending') continue;
        if (status === 'answered') {
          await store.checkins.update(checkin.id, ['pending'], { status, answers, needsHelp: false, answeredAt: new Date(promptedAt.getTime() + 2 * 3_600_000) }, promptedAt);
        } else {
          await store.checkins.update(checkin.id, ['pending'], { status }, deadlineAt);
        }
      }
    }
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('error');
  const conn = await connectMongo(config.MONGODB_URI, logger);
  try {
    const store = createStore(conn);
    await syncIndexes(conn);
    const org = await seedDemo(store);
    const byTeam = Object.values(org.teams)
      .map((t) => `${t.name} (#${t.channels.console?.channelId ?? '-'}, ${t.memberIds.length} people)`)
      .join(', ');
    process.stdout.write(`seed: demo organisation ready: ${Object.keys(org.people).length} people; teams ${byTeam}\n`);
  } finally {
    await conn.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`seed: failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
