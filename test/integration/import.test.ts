import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../../src/core/people/import.js';
import { parseImportFile } from '../../src/core/people/import-source.js';
import { createLogger } from '../../src/logger.js';
import { connectMongo } from '../../src/store/connection.js';
import { createStore, type Store } from '../../src/store/index.js';
import { syncIndexes } from '../../src/store/models.js';
import { dropDatabases } from '../../src/store/databases.js';
import { isolatedNames } from '../support/stack.js';

const CSV = `name,email,timeZone,workingDays,manager,roles,team,active
Mia Boss,mia@example.com,Europe/Paris,mon;tue;wed;thu;fri,,manager;leader,Platform,true
Noah Dev,NOAH@example.com,America/New_York,1;2;3;4,mia@example.com,employee,Platform,yes
Bad Email,not-an-email,UTC,,,employee,,
Lost Zone,lost@example.com,Mars/Olympus,,,employee,,
Orphan,orphan@example.com,UTC,,ghost@example.com,employee,,
Cy One,cy1@example.com,UTC,,cy2@example.com,employee,,
Cy Two,cy2@example.com,UTC,,cy1@example.com,employee,,
Dup A,dup@example.com,UTC,,,employee,,
Dup B,dup@example.com,UTC,,,employee,,
Follows Cycle,follows@example.com,UTC,,cy1@example.com,employee,,
Follows Dup,followsdup@example.com,UTC,,dup@example.com,employee,Shadow,
Reports To Db,dbreport@example.com,Asia/Tokyo,,olga@example.com,employee,Platform,
`;

describe('import of people and teams (FerretDB)', () => {
  let conn: Connection;
  let store: Store;
  let uri: string;
  let dir: string;

  beforeAll(async () => {
    uri = isolatedNames('import').mongoUri;
    conn = await connectMongo(uri, createLogger('silent'));
    store = createStore(conn);
    await syncIndexes(conn);
    dir = await mkdtemp(join(tmpdir(), 'tandem-import-'));
    await store.people.create({ name: 'Olga Existing', email: 'olga@example.com', timeZone: 'Europe/Berlin', roles: ['manager'] });
  });
  afterAll(async () => {
    await dropDatabases(conn);
    await conn.close();
  });

  it('imports whole valid rows, rejects the others with a reason, and writes nothing for them', async () => {
    const report = await importDirectory(parseImportFile(CSV, 'csv'), store);
    const reasons = Object.fromEntries(report.rejected.map((r) => [r.row, r.reason]));
    expect(reasons['line 4']).toMatch(/email/);
    expect(reasons['line 5']).toMatch(/IANA time zone/);
    expect(reasons['line 6']).toMatch(/ghost@example.com is neither in the file nor in Tandem/);
    expect(reasons['line 7']).toMatch(/management cycle/);
    expect(reasons['line 8']).toMatch(/management cycle/);
    expect(reasons['line 9']).toMatch(/more than once/);
    expect(reasons['line 10']).toMatch(/more than once/);
    expect(reasons['line 11']).toMatch(/manager's row \(line 7\) was rejected/);
    expect(reasons['line 12']).toMatch(/manager's row \(line 9\) was rejected/);
    expect(report.rejected).toHaveLength(9);
    expect(report.people).toEqual({ created: 3, updated: 0, unchanged: 0 });
    expect(report.teams).toEqual({ created: 1, updated: 0, unchanged: 0 });

    const emails = (await store.models.Person.find().lean()).map((p) => p.email).sort();
    expect(emails).toEqual(['dbreport@example.com', 'mia@example.com', 'noah@example.com', 'olga@example.com']);
    expect(await store.teams.findByName('Shadow')).toBeNull();

    const mia = await store.people.findByEmail('mia@example.com');
    const noah = await store.people.findByEmail('noah@example.com');
    const olga = await store.people.findByEmail('olga@example.com');
    const tokyo = await store.people.findByEmail('dbreport@example.com');
    expect(mia).toMatchObject({ timeZone: 'Europe/Paris', workingDays: [1, 2, 3, 4, 5], roles: ['manager', 'leader'], managerId: null });
    expect(noah).toMatchObject({ timeZone: 'America/New_York', workingDays: [1, 2, 3, 4], managerId: mia?.id, active: true });
    expect(tokyo?.managerId).toBe(olga?.id);
    const platform = await store.teams.findByName('Platform');
    expect(new Set(platform?.memberIds)).toEqual(new Set([mia?.id, noah?.id, tokyo?.id]));
  });

  it('is idempotent: the same file again changes nothing', async () => {
    const before = await store.models.Person.find().sort({ _id: 1 }).lean();
    const report = await importDirectory(parseImportFile(CSV, 'csv'), store);
    expect(report.people).toEqual({ created: 0, updated: 0, unchanged: 3 });
    expect(report.teams).toEqual({ created: 0, updated: 0, unchanged: 1 });
    expect(report.rejected).toHaveLength(9);
    const after = await store.models.Person.find().sort({ _id: 1 }).lean();
    expect(after).toEqual(before);
    expect(await store.models.Team.countDocuments()).toBe(1);
  });

  it('imports JSON with a teams section, updates by email, and keeps fields the file does not give', async () => {
    const json = JSON.stringify({
      people: [
        { name: 'Mia Boss', email: 'MIA@example.com', roles: ['manager'] },
        { name: 'Zoe New', email: 'zoe@example.com', manager: 'mia@example.com', team: ['Design'] },
      ],
      teams: [
        { name: 'Design', manager: 'mia@example.com', members: ['noah@example.com'], channels: { slack: { teamId: 'T1', channelId: 'C1' } } },
        { name: 'Ghosts', members: ['nobody@example.com'] },
      ],
    });
    const report = await importDirectory(parseImportFile(json, 'json'), store);
    expect(report.rejected).toEqual([{ row: 'teams[1]', key: 'Ghosts', reason: expect.stringContaining('nobody@example.com') }]);
    expect(report.people).toEqual({ created: 1, updated: 1, unchanged: 0 });
    const mia = await store.people.findByEmail('mia@example.com');
    expect(mia).toMatchObject({ roles: ['manager'], timeZone: 'Europe/Paris' });
    const design = await store.teams.findByName('Design');
    const zoe = await store.people.findByEmail('zoe@example.com');
    const noah = await store.people.findByEmail('noah@example.com');
    expect(design).toMatchObject({ managerId: mia?.id, channels: { slack: { teamId: 'T1', channelId: 'C1' } } });
    expect(new Set(design?.memberIds)).toEqual(new Set([noah?.id, zoe?.id]));
    expect(await store.teams.findByName('Ghosts')).toBeNull();
  });

  it('rejects a row whose team name is too long, writing nothing for it', async () => {
    const report = await importDirectory(parseImportFile(`name,email,team\nLong,long@example.com,${'t'.repeat(201)}\n`, 'csv'), store);
    expect(report.rejected).toEqual([{ row: 'line 2', key: 'long@example.com', reason: expect.stringContaining('at most 200 characters') }]);
    expect(await store.people.findByEmail('long@example.com')).toBeNull();
  });

  it('refuses files it cannot read with a clear message', () => {
    expect(() => parseImportFile('{"people": [', 'json')).toThrow(/JSON file cannot be read/);
    expect(() => parseImportFile('a,b\n1,2\n', 'csv')).toThrow(/header line with at least the columns name and email/);
    expect(() => parseImportFile('name,email,phone\nx,x@example.com,1\n', 'csv')).toThrow(/unknown field "phone"/);
    expect(() => parseImportFile('{"staff": []}', 'json')).toThrow(/Unknown top-level field staff/);
  });

  it('npm run import reports rejected rows and exits non-zero', async () => {
    const file = join(dir, 'people.csv');
    await writeFile(file, CSV);
    const run = promisify(execFile);
    const res = await run('npx', ['tsx', 'scripts/import.ts', file], { env: { ...process.env, MONGODB_URI: uri } }).catch((e: { code: number; stdout: string }) => e);
    expect(res).toMatchObject({ code: 2 });
    const out = (res as { stdout: string }).stdout;
    expect(out).toContain('people 0 created, 1 updated, 2 unchanged');
    expect(out).toContain('Rejected 9 rows');
    expect(out).toContain('line 6 (orphan@example.com): the manager ghost@example.com is neither in the file nor in Tandem');

    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify([{ name: 'Solo', email: 'solo@example.com' }]));
    const ok = await run('npx', ['tsx', 'scripts/import.ts', good], { env: { ...process.env, MONGODB_URI: uri } });
    expect(ok.stdout).toContain('people 1 created');
  }, 90_000);
});
