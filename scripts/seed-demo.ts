/**
 * Seeds a demo organisation (idempotent: run it as often as you like).
 *
 *   npm run seed:demo            # into MONGODB_URI (default mongodb://127.0.0.1:27017/tandem)
 *
 * Three teams in three time zones (Berlin, New York, Bangalore), their
 * managers, a leader, an admin, a console channel per team, and a console
 * identity for everyone so proactive messages reach them in the console.
 */
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config.js';
import type { Person, PersonInput, Role, Team } from '../src/core/people/people.types.js';
import { identityKey } from '../src/core/people/people.types.js';
import { createLogger } from '../src/logger.js';
import { connectMongo } from '../src/store/connection.js';
import { createStore, type Store } from '../src/store/index.js';
import { syncIndexes } from '../src/store/models.js';

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
  { name: 'Platform', channel: 'platform', manager: 'lena', members: ['ana', 'jonas', 'mia'] },
  { name: 'Growth', channel: 'growth', manager: 'marcus', members: ['emily', 'diego', 'hannah'] },
  { name: 'Mobile', channel: 'mobile', manager: 'priya', members: ['arjun', 'kavya', 'rohan'] },
];

export const DEMO_DOMAIN = 'demo.tandem.example';
const emailOf = (key: string) => `${key}@${DEMO_DOMAIN}`;

export interface DemoOrg {
  people: Record<string, Person>;
  teams: Record<string, Team>;
}

/** Creates or refreshes the demo organisation; safe to run again. */
export async function seedDemo(store: Store): Promise<DemoOrg> {
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
  }
  return { people, teams };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
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
