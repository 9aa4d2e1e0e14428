import mongoose from 'mongoose';
import { expect } from 'vitest';

/**
 * Guards against full collection scans on FerretDB 1.24's SQLite backend.
 *
 * That backend pushes down one filter shape: an `_id` equality on a string or
 * ObjectId at the filter's top level (`{_id: x}`, and `{_id: x, status: y}`
 * as built by scripts/stack.sh, which checks the rest of such a filter on the
 * one row found), and, as built by scripts/stack.sh, `{_id: {$in: [...]}}` of
 * at most 1,000 strings or ObjectIds (tools/ferretdb/_patch/tandem_id_in.go).
 * Any other filter makes it read and decode every row of the collection. These helpers
 * check both halves: the shape of what the code sends (works on MongoDB too),
 * and, on FerretDB, that SQLite's query plan searches the `_id` index for it
 * (it does only when the local FerretDB was built by scripts/stack.sh).
 */

/** One filter a command sent to the database. */
export interface SentFilter {
  command: string;
  /** The database it went to (a feature's own database, see src/store/databases.ts, or the configured one). */
  db: string;
  collection: string;
  filter: Record<string, unknown>;
}

/** A connection that reports every command it sends: pass it to `expectNoScan`. */
export async function watchedConnection(uri: string): Promise<mongoose.Connection> {
  return mongoose.createConnection(uri, { monitorCommands: true, autoIndex: false, serverSelectionTimeoutMS: 5_000 }).asPromise();
}

/** A filter FerretDB serves from its `_id` index: a string or ObjectId `_id` equality or `$in` of up to 1,000 of them, whatever else it holds. */
export const isIdKeyed = (filter: Record<string, unknown>): boolean => {
  const id = filter._id;
  const scalar = (v: unknown) => typeof v === 'string' || v instanceof mongoose.mongo.ObjectId;
  if (scalar(id)) return true;
  const list = typeof id === 'object' && id !== null && Object.keys(id).length === 1 ? (id as { $in?: unknown }).$in : undefined;
  return Array.isArray(list) && list.length > 0 && list.length <= 1_000 && list.every(scalar);
};

function filtersOf(name: string, db: string, cmd: Record<string, unknown>): SentFilter[] {
  const collection = String(cmd[name]);
  const one = (filter: unknown): SentFilter => ({ command: name, db, collection, filter: (filter ?? {}) as Record<string, unknown> });
  switch (name) {
    case 'find':
      return [one(cmd.filter)];
    case 'findAndModify':
    case 'count':
    case 'distinct':
      return [one(cmd.query)];
    case 'update':
      return ((cmd.updates ?? []) as { q: unknown }[]).map((u) => one(u.q));
    case 'delete':
      return ((cmd.deletes ?? []) as { q: unknown }[]).map((d) => one(d.q));
    case 'aggregate': {
      const first = ((cmd.pipeline ?? []) as Record<string, unknown>[])[0];
      return [one(first?.$match ?? {})];
    }
    default:
      return [];
  }
}

/** What a piece of work sent: its result, every filter, and every command (one round trip each) by name. */
export interface Recorded<T> {
  result: T;
  filters: SentFilter[];
  commands: string[];
}

const HOUSEKEEPING = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'buildInfo', 'endSessions', 'saslStart', 'saslContinue']);

/** Runs `work` and returns what it returned and what it sent on `conn` (which must be a `watchedConnection`). */
export async function recordFilters<T>(conn: mongoose.Connection, work: () => Promise<T>): Promise<Recorded<T>> {
  const client = conn.getClient();
  if (!client.options.monitorCommands) throw new Error('recordFilters needs a connection opened with monitorCommands: use watchedConnection()');
  const filters: SentFilter[] = [];
  const commands: string[] = [];
  const listener = (e: { commandName: string; databaseName: string; command: Record<string, unknown> }) => {
    if (HOUSEKEEPING.has(e.commandName)) return;
    commands.push(`${e.commandName} ${String(e.command[e.commandName])}`);
    filters.push(...filtersOf(e.commandName, e.databaseName, e.command));
  };
  client.on('commandStarted', listener);
  try {
    return { result: await work(), filters, commands };
  } finally {
    client.off('commandStarted', listener);
  }
}

const ferretCache = new WeakMap<mongoose.Connection, Promise<boolean>>();
const isFerret = (conn: mongoose.Connection): Promise<boolean> => {
  let found = ferretCache.get(conn);
  if (!found) {
    found = conn.db!.admin().command({ buildInfo: 1 }).then((info) => 'ferretdbVersion' in info);
    ferretCache.set(conn, found);
  }
  return found;
};

/**
 * Fails unless FerretDB serves `filter` on `collection` from its `_id` index
 * (an `_id` equality, and SQLite's plan says SEARCH … USING INDEX …__id_).
 * On MongoDB only the shape is checked.
 */
export async function expectIndexed(conn: mongoose.Connection, collection: string, filter: Record<string, unknown>, db = conn.name): Promise<void> {
  expect(isIdKeyed(filter), `${collection} ${JSON.stringify(filter)} is not keyed by an _id equality: FerretDB scans the whole collection for it`).toBe(true);
  if (!(await isFerret(conn))) return;
  const explained = await conn.getClient().db(db).command({ explain: { find: collection, filter } });
  expect(JSON.stringify(explained.queryPlanner), `FerretDB scans ${collection} for ${JSON.stringify(filter)}: was it built by scripts/stack.sh?`).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
}

/**
 * Runs `work` and fails if any find, update, delete, findAndModify, count or
 * aggregate it sent would scan a collection on FerretDB. `ignore` names
 * collections the check skips (e.g. one that the work scans on purpose).
 * Returns what `work` returned, the filters and the commands it sent (to count round trips).
 */
export async function expectNoScan<T>(conn: mongoose.Connection, work: () => Promise<T>, options: { ignore?: readonly string[] } = {}): Promise<Recorded<T>> {
  const recorded = await recordFilters(conn, work);
  const checked = recorded.filters.filter((f) => !(options.ignore ?? []).includes(f.collection));
  const scans = checked.filter((f) => !isIdKeyed(f.filter));
  expect(scans.map((f) => `${f.command} ${f.collection} ${JSON.stringify(f.filter)}`), 'these filters make FerretDB scan the collection').toEqual([]);
  const seen = new Set<string>();
  for (const f of checked) {
    if (seen.has(`${f.db}.${f.collection}`)) continue;
    seen.add(`${f.db}.${f.collection}`);
    await expectIndexed(conn, f.collection, f.filter, f.db);
  }
  return recorded;
}
