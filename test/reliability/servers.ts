import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Types } from 'mongoose';
import type { Tandem } from '../../src/main.js';
import type { FakeSlack } from '../support/fake-slack.js';
import { SLACK_TEAM } from '../support/slack.js';
import { sleep } from './support.js';

/**
 * Servers of a probe's own, on free ports and in temporary directories, to stop and start at will: the shared
 * FerretDB (27017) and Redis (6379) are never touched. Each is a child of the test process (no daemon).
 */
export interface OwnServer {
  port: number;
  url: string;
  dir: string;
  /** SIGKILL, as a crash would: Redis loses what its append-only file had not synced. */
  kill(): Promise<void>;
  /** Starts it again on the same port: on the same data, or on an empty directory with `empty`. */
  restart(opts?: { empty?: boolean }): Promise<void>;
  /** Kills it and removes its directories. */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitForPort(port: number, child: ChildProcess, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${String(child.spawnfile)} exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`nothing answered on port ${port} within ${ms} ms`);
}

async function ownServer(name: string, url: (port: number) => string, command: (port: number, dataDir: string) => [string, string[]]): Promise<OwnServer> {
  const port = await freePort();
  const dirs = [mkdtempSync(join(tmpdir(), `tandem-${name}-`))];
  let child: ChildProcess | undefined;
  const start = async () => {
    const [bin, args] = command(port, dirs.at(-1) ?? '');
    const started = spawn(bin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child = started;
    await waitForPort(port, started);
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const gone = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await gone;
  };
  await start();
  return {
    port,
    url: url(port),
    get dir() {
      return dirs.at(-1) ?? '';
    },
    kill,
    restart: async (opts = {}) => {
      await kill();
      if (opts.empty) dirs.push(mkdtempSync(join(tmpdir(), `tandem-${name}-`)));
      await start();
    },
    dispose: async () => {
      await kill();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Redis configured as the local stack and production should be: append-only file, fsync every second. */
export const startOwnRedis = () =>
  ownServer(
    'redis',
    (port) => `redis://127.0.0.1:${port}`,
    (port, dir) => ['redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning']],
  );

/** The FerretDB `scripts/stack.sh` builds (FERRETDB_BIN overrides where it is), on its own SQLite directory. */
export function ferretdbBinary(): string | undefined {
  const bin = process.env.FERRETDB_BIN ?? '.local/bin/ferretdb';
  return existsSync(bin) ? bin : undefined;
}

export const startOwnFerretDB = (bin: string) =>
  ownServer(
    'ferretdb',
    (port) => `mongodb://127.0.0.1:${port}/tandem_probe`,
    (port, dir) => [bin, ['-listen', `127.0.0.1:${port}`, '-data-dir', dir, '-log-level', 'error']],
  );

export const PROBE_NOW = '2026-11-27T15:00:00Z'; // a Friday, 15:00 UTC: everyone in UTC is due for the week's prompt
export const PROBE_PERIOD = '2026-W48';

/** `n` people in UTC, all on Slack, in one team; returns the team id and the prompt keys expected. */
export async function seedFanout(tandem: Pick<Tandem, 'store'>, n: number, tag: string): Promise<{ teamId: string; keys: string[] }> {
  const { Person, Identity, PersonAccount } = tandem.store.models;
  const ids = Array.from({ length: n }, () => new Types.ObjectId().toString());
  await Person.insertMany(ids.map((_id, i) => ({ _id, name: `Person ${i}`, email: `p${i}@${tag}.example`, timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5], roles: ['employee'], active: true })));
  const identities = ids.map((personId, i) => {
    const userId = `U${String(i).padStart(6, '0')}`;
    const key = `slack:${SLACK_TEAM}:${userId}`;
    return { _id: key, key, platform: 'slack', personId, teamId: SLACK_TEAM, userId };
  });
  await Identity.insertMany(identities);
  await PersonAccount.insertMany(identities.map((d) => ({ _id: `${d.personId}|slack`, key: d.key })));
  const team = await tandem.store.teams.create({ name: 'Everyone', memberIds: ids });
  return { teamId: team.id, keys: ids.map((id) => `checkin.prompt:${id}:${PROBE_PERIOD}`) };
}

/** Prompts the fake Slack received, by message key (from the metadata Tandem attaches). */
export function promptsByKey(fake: FakeSlack): Map<string, number> {
  const count = new Map<string, number>();
  for (const call of fake.callsTo('chat.postMessage')) {
    const key = (call.args.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;
    if (key?.startsWith('checkin.prompt:')) count.set(key, (count.get(key) ?? 0) + 1);
  }
  return count;
}

/** Lost and duplicated among the expected keys. */
export function tally(fake: FakeSlack, keys: readonly string[]): { delivered: number; lost: number; duplicated: number } {
  const count = promptsByKey(fake);
  return {
    delivered: keys.filter((k) => count.has(k)).length,
    lost: keys.filter((k) => !count.has(k)).length,
    duplicated: [...count.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0),
  };
}

/** Waits until every expected prompt arrived (or `ms` passed), then a little longer for a duplicate to show. */
export async function waitForAll(fake: FakeSlack, keys: readonly string[], ms: number): Promise<number> {
  const started = Date.now();
  let seen = -1;
  while (tally(fake, keys).delivered < keys.length && Date.now() - started < ms) {
    await sleep(100);
    const now = tally(fake, keys).delivered;
    if (process.env.CHILD_LOGS && now !== seen) process.stderr.write(`${Date.now() - started} ms: ${(seen = now)}\n`);
  }
  const took = Date.now() - started;
  await sleep(3_000);
  return took;
}

/** Waits until `count` prompts arrived (a point in the middle of the fan-out). */
export async function waitForDelivered(fake: FakeSlack, keys: readonly string[], count: number, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (tally(fake, keys).delivered < count && Date.now() < until) await sleep(20);
}

/** Writes a probe's figures to stderr when PROBE_FIGURES is set (they go into test/reliability/README.md). */
export function figures(probe: string, values: Record<string, unknown>): void {
  if (process.env.PROBE_FIGURES) process.stderr.write(`figures ${probe}: ${JSON.stringify(values)}\n`);
}
