import type { Connection, mongo } from 'mongoose';
import { isDuplicateKey } from './connection.js';

/**
 * The features whose collections live in a database of their own, beside the
 * configured one (MONGODB_URI's database `<db>`), named `<db>_<feature>`, on
 * the same deployment and credentials. Why: FerretDB (SQLite, one file per
 * database) runs one database's writes one at a time, so a breach's alert
 * writes waited behind every sample's and every check-in prompt's; a database
 * of their own gives them a writer of their own (bench/README.md, "KPI samples
 * to breach alerts", 2026-11-27). On MongoDB it changes nothing.
 * This map is the one place that decides where a collection lives.
 */
export const OWN_DATABASES = {
  alerts: ['alerts', 'open_alerts', 'alert_openings', 'alert_silences', 'alert_notes'],
} as const satisfies Record<string, readonly string[]>;

export type OwnDatabase = keyof typeof OWN_DATABASES;

export const ownDatabaseName = (main: string, feature: OwnDatabase) => `${main}_${feature}`;

/** The connection of a feature's database: shares the client (pool, credentials) of `conn`. */
export function featureConnection(conn: Connection, feature: OwnDatabase): Connection {
  return conn.useDb(ownDatabaseName(conn.name, feature), { useCache: true });
}

/** `conn` and the connections of the features' databases: where indexes are synced and what tests drop. */
export function allConnections(conn: Connection): Connection[] {
  return [conn, ...(Object.keys(OWN_DATABASES) as OwnDatabase[]).map((f) => featureConnection(conn, f))];
}

/** Drops the configured database and the features' ones (tests and benchmarks clean up with it). */
export async function dropDatabases(conn: Connection): Promise<void> {
  for (const c of allConnections(conn)) await c.dropDatabase();
}

/**
 * Moves the collections of a feature's database still in the configured one
 * (data written before the split): copies each document absent in the new
 * place by `_id`, then drops the old collection. Idempotent, and safe to run
 * in several processes at once: a document already there is never
 * overwritten (it may be newer), and a crash before the drop only copies
 * again. Then creates each listed collection the feature's database lacks. Runs at boot (syncIndexes), before
 * any job or request uses the store; returns how many documents were copied per `<database>.<collection>` moved.
 */
export async function moveToOwnDatabases(conn: Connection): Promise<Record<string, number>> {
  const moved: Record<string, number> = {};
  const from = conn.db;
  if (!from) throw new Error('moveToOwnDatabases: the connection is not open');
  for (const feature of Object.keys(OWN_DATABASES) as OwnDatabase[]) {
    const to = featureConnection(conn, feature).db;
    if (!to) throw new Error(`moveToOwnDatabases: the ${feature} database is not open`);
    for (const name of OWN_DATABASES[feature]) {
      const there = await from.listCollections({ name }, { nameOnly: true }).toArray();
      if (there.length) {
        moved[`${to.databaseName}.${name}`] = await copyAbsent(from.collection(name), to.collection(name));
        await from.collection(name).drop();
      }
      // Each listed collection exists after boot, those written without a model too (alert_notes): FerretDB explains
      // a query on a missing collection with no plan, which the scan checks (test/support/scans.ts) cannot read.
      await to.createCollection(name).catch((err: unknown) => {
        if (!(typeof err === 'object' && err !== null && 'codeName' in err && err.codeName === 'NamespaceExists')) throw err;
      });
    }
  }
  return moved;
}

/**
 * Copies the documents of `source` that `target` lacks, in one unsorted pass (FerretDB answers each page of a
 * sorted, `_id`-ranged read by reading and sorting the whole collection); returns how many were inserted.
 * One insert per document, not a bulk insert: a duplicate (copied before, or by another process at the same time)
 * fails alone, and FerretDB may report an ordered bulk's later writes as done after a failed one.
 */
async function copyAbsent(source: mongo.Collection, target: mongo.Collection): Promise<number> {
  let inserted = 0;
  for await (const doc of source.find()) {
    try {
      await target.insertOne(doc);
      inserted += 1;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  return inserted;
}
