import { z } from 'zod';
import { plainText } from '../text.js';
import type { PeopleRepository, TeamRepository } from '../ports.js';
import type { ImportSource } from './import-source.js';
import type { Person, PersonInput, Role, Team, TeamChannels, Weekday } from './people.types.js';
import { personInputSchema, ROLES, teamChannelsSchema, timeZoneSchema } from './people.types.js';

/**
 * Importing people and teams from a JSON or CSV file.
 *
 * 1. `parseImportFile` (import-source.ts) turns the text into rows (pure).
 * 2. `validateImport` checks every row against the file and the directory and
 *    decides which rows are accepted: bad email, unknown time zone, unknown
 *    manager, manager cycle, duplicate email or team, and any row that depends
 *    on a rejected row are rejected with a reason.
 * 3. `applyImport` writes only the accepted rows, upserting people by email and
 *    teams by name, managers first. Running the same file twice changes nothing.
 */

export interface Rejection {
  row: string;
  key: string;
  reason: string;
}

const DAY_NAMES: Record<string, Weekday> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

/** "a; b | c" or ["a","b"] -> ["a","b","c"]; empty -> []. */
const list = (sep: RegExp) =>
  z.union([z.string(), z.array(z.union([z.string(), z.number()]))]).transform((v) =>
    (typeof v === 'string' ? v.split(sep) : v.map(String)).map((s) => s.trim()).filter(Boolean),
  );

const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);

const personRowSchema = z.object({
  name: plainText(z.string({ message: 'a name is required' }).trim().min(1, 'a name is required').max(200)),
  email: z.email({ message: 'expected an email address like ada@example.com' }).max(320).transform((e) => e.toLowerCase()),
  timeZone: z.preprocess(blankToUndefined, timeZoneSchema.optional()),
  workingDays: z.preprocess(
    blankToUndefined,
    list(/[;|,\s]+/)
      .pipe(
        z.array(
          z.string().transform((d, ctx) => {
            const n = /^[1-7]$/.test(d) ? (Number(d) as Weekday) : DAY_NAMES[d.slice(0, 3).toLowerCase()];
            if (!n) ctx.addIssue({ code: 'custom', message: `"${d}" is not a weekday; expected 1-7 (Monday = 1) or mon..sun` });
            return n ?? 1;
          }),
        ),
      )
      .optional(),
  ),
  manager: z.preprocess(
    (v) => (v === null ? '' : v),
    z.union([z.literal(''), z.email({ message: "expected the manager's email address" }).transform((e) => e.toLowerCase())]).optional(),
  ),
  roles: z.preprocess(blankToUndefined, list(/[;|,\s]+/).pipe(z.array(z.enum(ROLES, { message: `expected roles among ${ROLES.join(', ')}` }))).optional()),
  team: z.preprocess(blankToUndefined, list(/[;|]+/).pipe(z.array(z.string().max(200, 'a team name has at most 200 characters'))).optional()),
  active: z.preprocess(
    blankToUndefined,
    z
      .union([z.boolean(), z.enum(['true', 'false', 'yes', 'no', '1', '0'], { message: 'expected true or false' })])
      .transform((v) => v === true || v === 'true' || v === 'yes' || v === '1')
      .optional(),
  ),
});

const teamRowSchema = z.object({
  name: plainText(z.string({ message: 'a team name is required' }).trim().min(1, 'a team name is required').max(200)),
  manager: z.preprocess(blankToUndefined, z.email({ message: "expected the manager's email address" }).transform((e) => e.toLowerCase()).optional()),
  members: z.array(z.email({ message: 'expected member email addresses' }).transform((e) => e.toLowerCase())).optional(),
  channels: teamChannelsSchema.optional(),
});

interface PersonRow {
  row: string;
  email: string;
  name: string;
  timeZone?: string | undefined;
  workingDays?: Weekday[] | undefined;
  roles?: Role[] | undefined;
  active?: boolean | undefined;
  /** undefined: not given (keep); null: no manager; else the manager's email. */
  manager: string | null | undefined;
  teams: string[];
}

interface TeamRow {
  row: string;
  name: string;
  manager?: string | undefined;
  members: string[];
  channels?: TeamChannels | undefined;
}

export interface ImportPlan {
  people: PersonRow[];
  teams: TeamRow[];
  rejected: Rejection[];
  /** People already in the directory, by email, as read during validation. */
  existing: Map<string, Person>;
}

const describe = (err: z.ZodError) => err.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');

/**
 * Checks the whole file before anything is written. Returns the rows to write
 * (in an order where every manager comes before their reports) and the
 * rejected rows with their reasons.
 */
export async function validateImport(source: ImportSource, ports: { people: PeopleRepository }): Promise<ImportPlan> {
  const rejected: Rejection[] = [];
  const reject = (row: string, key: string, reason: string) => rejected.push({ row, key, reason });

  // 1. Each row on its own.
  const people: PersonRow[] = [];
  for (const src of source.people) {
    const parsed = personRowSchema.safeParse(src.data);
    const key = typeof src.data.email === 'string' ? src.data.email.trim().toLowerCase() : '';
    if (!parsed.success) {
      reject(src.row, key, describe(parsed.error));
      continue;
    }
    const d = parsed.data;
    if (d.manager === d.email) {
      reject(src.row, d.email, 'a person cannot be their own manager');
      continue;
    }
    people.push({
      row: src.row,
      email: d.email,
      name: d.name,
      timeZone: d.timeZone,
      workingDays: d.workingDays,
      roles: d.roles,
      active: d.active,
      manager: d.manager === undefined ? undefined : d.manager || null,
      teams: d.team ?? [],
    });
  }
  for (const p of people) {
    const check = personInputSchema.safeParse({ name: p.name, email: p.email, ...(p.timeZone ? { timeZone: p.timeZone } : {}), ...(p.workingDays ? { workingDays: p.workingDays } : {}), ...(p.roles ? { roles: p.roles } : {}) });
    if (!check.success) reject(p.row, p.email, describe(check.error));
  }
  const teams: TeamRow[] = [];
  for (const src of source.teams) {
    const parsed = teamRowSchema.safeParse(src.data);
    if (!parsed.success) {
      reject(src.row, typeof src.data.name === 'string' ? src.data.name : '', describe(parsed.error));
      continue;
    }
    teams.push({ row: src.row, name: parsed.data.name, manager: parsed.data.manager, members: parsed.data.members ?? [], channels: parsed.data.channels });
  }

  // 2. Duplicates within the file: every copy is rejected, since none is clearly the right one.
  const rejectedRows = () => new Set(rejected.map((r) => r.row));
  const byEmail = new Map<string, PersonRow[]>();
  for (const p of people) byEmail.set(p.email, [...(byEmail.get(p.email) ?? []), p]);
  for (const [email, rows] of byEmail) {
    if (rows.length > 1) for (const r of rows) reject(r.row, email, `the email ${email} appears more than once in the file (${rows.map((x) => x.row).join(', ')})`);
  }
  const byTeam = new Map<string, TeamRow[]>();
  for (const t of teams) byTeam.set(t.name, [...(byTeam.get(t.name) ?? []), t]);
  for (const [name, rows] of byTeam) {
    if (rows.length > 1) for (const r of rows) reject(r.row, name, `the team ${name} appears more than once in the file (${rows.map((x) => x.row).join(', ')})`);
  }

  // 3. What the directory already holds: the people of the file and every manager they name.
  const existing = new Map<string, Person>();
  const emails = new Set([...people.flatMap((p) => [p.email, ...(p.manager ? [p.manager] : [])]), ...teams.flatMap((t) => [...(t.manager ? [t.manager] : []), ...t.members])]);
  for (const email of emails) {
    const person = await ports.people.findByEmail(email);
    if (person) existing.set(email, person);
  }
  const byId = new Map<string, Person>([...existing.values()].map((p) => [p.id, p]));
  const personById = async (id: string): Promise<Person | null> => {
    const known = byId.get(id);
    if (known) return known;
    const p = await ports.people.get(id);
    if (p) byId.set(id, p);
    return p;
  };
  const fileRow = (email: string) => {
    const rows = byEmail.get(email);
    return rows?.length === 1 ? rows[0] : undefined;
  };

  // 4. Managers must exist in the file or the directory.
  for (const p of people) {
    if (p.manager && !byEmail.has(p.manager) && !existing.has(p.manager)) reject(p.row, p.email, `the manager ${p.manager} is neither in the file nor in Tandem`);
  }

  // 5. No management cycles, following the file first and the directory after it.
  const managerOf = async (email: string): Promise<string | null> => {
    const row = fileRow(email);
    if (row && row.manager !== undefined) return row.manager;
    const person = existing.get(email);
    if (!person?.managerId) return null;
    const manager = await personById(person.managerId);
    if (manager) existing.set(manager.email, manager);
    return manager?.email ?? null;
  };
  for (const p of people) {
    const chain = [p.email];
    let current = await managerOf(p.email);
    while (current && !chain.includes(current) && chain.length <= 10_000) {
      chain.push(current);
      current = await managerOf(current);
    }
    if (current === p.email) reject(p.row, p.email, `management cycle: ${[...chain, p.email].join(' -> ')}`);
  }

  // 6. Teams: manager and members must be known.
  for (const t of teams) {
    const unknown = [...(t.manager ? [t.manager] : []), ...t.members].filter((e) => !byEmail.has(e) && !existing.has(e));
    if (unknown.length) reject(t.row, t.name, `unknown people: ${unknown.join(', ')} (neither in the file nor in Tandem)`);
  }

  // 7. A row depending on a rejected row is rejected too, until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    const bad = rejectedRows();
    const badEmails = new Set(people.filter((p) => bad.has(p.row)).map((p) => p.email));
    const badTeams = new Set(teams.filter((t) => bad.has(t.row)).map((t) => t.name));
    for (const p of people) {
      if (bad.has(p.row)) continue;
      const badManager = p.manager && badEmails.has(p.manager) ? byEmail.get(p.manager)?.find((r) => bad.has(r.row)) : undefined;
      const badTeam = p.teams.find((t) => badTeams.has(t));
      if (badManager) reject(p.row, p.email, `its manager's row (${badManager.row}) was rejected`);
      else if (badTeam) reject(p.row, p.email, `its team ${badTeam} was rejected`);
      else continue;
      changed = true;
    }
    for (const t of teams) {
      if (bad.has(t.row)) continue;
      const dep = [...(t.manager ? [t.manager] : []), ...t.members].find((e) => badEmails.has(e));
      if (!dep) continue;
      reject(t.row, t.name, `the row of ${dep} (${byEmail.get(dep)?.find((r) => bad.has(r.row))?.row ?? 'unknown'}) was rejected`);
      changed = true;
    }
  }

  const bad = rejectedRows();
  const okPeople = people.filter((p) => !bad.has(p.row));
  // Managers before reports, so each manager id is known when a report is written.
  const ordered: PersonRow[] = [];
  const placed = new Set<string>();
  const inFile = new Map(okPeople.map((p) => [p.email, p]));
  const place = (p: PersonRow) => {
    if (placed.has(p.email)) return;
    placed.add(p.email);
    const manager = p.manager ? inFile.get(p.manager) : undefined;
    if (manager) place(manager);
    ordered.push(p);
  };
  okPeople.forEach(place);
  const order = new Map([...source.people, ...source.teams].map((r, i) => [r.row, i]));
  rejected.sort((a, b) => (order.get(a.row) ?? 0) - (order.get(b.row) ?? 0));
  return { people: ordered, teams: teams.filter((t) => !bad.has(t.row)), rejected: dedupe(rejected), existing };
}

/** One reason per row: the first found. */
function dedupe(rejections: Rejection[]): Rejection[] {
  const seen = new Set<string>();
  return rejections.filter((r) => (seen.has(r.row) ? false : (seen.add(r.row), true)));
}

export interface ImportReport {
  people: { created: number; updated: number; unchanged: number };
  teams: { created: number; updated: number; unchanged: number };
  rejected: Rejection[];
}

const samePerson = (a: Person, b: PersonInput) =>
  a.name === b.name &&
  a.timeZone === b.timeZone &&
  a.managerId === (b.managerId ?? null) &&
  a.active === b.active &&
  JSON.stringify(a.workingDays) === JSON.stringify(b.workingDays) &&
  JSON.stringify(a.roles) === JSON.stringify(b.roles);

/** Writes the accepted rows of a validated plan. */
export async function applyImport(plan: ImportPlan, ports: { people: PeopleRepository; teams: TeamRepository }): Promise<ImportReport> {
  const report: ImportReport = { people: { created: 0, updated: 0, unchanged: 0 }, teams: { created: 0, updated: 0, unchanged: 0 }, rejected: plan.rejected };
  const ids = new Map<string, string>([...plan.existing.values()].map((p) => [p.email, p.id]));
  const teamMembers = new Map<string, string[]>();

  for (const row of plan.people) {
    const current = plan.existing.get(row.email);
    const managerId = row.manager === undefined ? (current?.managerId ?? null) : row.manager === null ? null : (ids.get(row.manager) ?? null);
    const input: PersonInput = {
      name: row.name,
      email: row.email,
      timeZone: row.timeZone ?? current?.timeZone ?? 'UTC',
      workingDays: row.workingDays ?? current?.workingDays ?? [1, 2, 3, 4, 5],
      roles: row.roles ?? current?.roles ?? ['employee'],
      active: row.active ?? current?.active ?? true,
      managerId,
    };
    const normalized = personInputSchema.parse(input);
    if (current && samePerson(current, normalized)) {
      report.people.unchanged += 1;
    } else {
      const { person, created } = await ports.people.upsertByEmail(input);
      ids.set(row.email, person.id);
      if (created) report.people.created += 1;
      else report.people.updated += 1;
    }
    for (const t of row.teams) teamMembers.set(t, [...(teamMembers.get(t) ?? []), row.email]);
  }

  const teamRows = new Map(plan.teams.map((t) => [t.name, t]));
  for (const name of new Set([...teamRows.keys(), ...teamMembers.keys()])) {
    const row = teamRows.get(name);
    const existing: Team | null = await ports.teams.findByName(name);
    const members = [...(row?.members ?? []), ...(teamMembers.get(name) ?? [])].map((e) => ids.get(e)).filter((id): id is string => Boolean(id));
    const memberIds = [...new Set([...(existing?.memberIds ?? []), ...members])];
    const managerId = row?.manager ? (ids.get(row.manager) ?? null) : (existing?.managerId ?? null);
    const channels = row?.channels ?? existing?.channels ?? {};
    if (existing && existing.managerId === managerId && JSON.stringify(existing.memberIds) === JSON.stringify(memberIds) && JSON.stringify(existing.channels) === JSON.stringify(channels)) {
      report.teams.unchanged += 1;
      continue;
    }
    const { created } = await ports.teams.upsertByName({ name, managerId, memberIds, channels });
    if (created) report.teams.created += 1;
    else report.teams.updated += 1;
  }
  return report;
}

/** The import use case: validate the whole file, then write only whole valid rows. */
export async function importDirectory(source: ImportSource, ports: { people: PeopleRepository; teams: TeamRepository }): Promise<ImportReport> {
  return applyImport(await validateImport(source, ports), ports);
}
