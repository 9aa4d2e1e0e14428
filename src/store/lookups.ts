import type { AnyBulkWriteOperation, Connection } from 'mongoose';
import type { AnswerValue } from '../core/surveys/surveys.types.js';
import { toIdentity, type IdentityFields } from './messages.repository.js';
import { bucketId, encodeEntry } from './survey-responses.repository.js';

/**
 * Backfills of the `_id`-keyed lookup documents for databases written before
 * they existed. Each runs once per database (a marker in `store_migrations`
 * records it), scanning its source collection one time at boot; afterwards
 * the repositories keep the lookups current on every write. Re-running one is
 * harmless: every write is an upsert by `_id` that sets only what is missing.
 */
interface Backfill {
  name: string;
  /** The collection the backfill reads; skipped when the connection has no model on it. */
  source: string;
  run(conn: Connection): Promise<void>;
}

const BATCH = 500;

async function writeInBatches(conn: Connection, collection: string, ops: AsyncIterable<AnyBulkWriteOperation>): Promise<void> {
  let batch: AnyBulkWriteOperation[] = [];
  const flush = async () => {
    if (batch.length) await conn.collection(collection).bulkWrite(batch as never[], { ordered: false });
    batch = [];
  };
  for await (const op of ops) {
    batch.push(op);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
}

async function* each<T>(conn: Connection, collection: string, filter: Record<string, unknown>, projection: Record<string, 1>): AsyncIterable<T> {
  for await (const d of conn.collection(collection).find(filter, { projection, batchSize: BATCH })) yield d as T;
}

/**
 * Rounds opened before the response buckets (2026-11-26) kept one `survey_responses` document per person
 * (`_id` = HMAC key, with `roundId`) and "has confirmed" in `survey_participation`: each moves into its round's
 * bucket, taken in key order so that entries sit in a bucket as the open writes them (see survey-responses.repository.ts),
 * then the old documents, the participation and the old `roundId` index go. A crash midway reruns it at the next
 * boot, before any job runs: the old documents are still there, and the entries they write are the same.
 */
const surveyResponseBuckets: Backfill = {
  name: 'survey_response_buckets',
  source: 'survey_responses',
  run: async (conn) => {
    type Old = { _id: string; roundId: string; teamIds?: string[]; answers?: Record<string, AnswerValue>; step?: number | null };
    const responses = conn.collection<Old>('survey_responses');
    const participation = conn.collection<{ _id: string }>('survey_participation');
    const finished = new Set<string>();
    for await (const d of participation.find({}, { projection: { _id: 1 } })) finished.add(d._id);
    await writeInBatches(
      conn,
      'survey_responses',
      (async function* () {
        for await (const d of responses.find({ roundId: { $exists: true } }).sort({ _id: 1 })) {
          const entry = encodeEntry({ teamIds: d.teamIds ?? [], answers: d.answers ?? {}, step: d.step ?? null, finished: finished.has(d._id) });
          yield { updateOne: { filter: { _id: bucketId(d.roundId, d._id) }, update: { $set: { [`r.${d._id}`]: entry } }, upsert: true } };
        }
      })(),
    );
    await responses.deleteMany({ roundId: { $exists: true } });
    await participation.deleteMany({});
    await responses.dropIndex('roundId_1').catch(() => undefined);
  },
};

/**
 * Accounts written before they held a copy of their identity (2026-11-27: see personAccountSchema) get it, so that a
 * DM to their person reads one document. An account whose key changes meanwhile is left to the write that changed it.
 */
const accountIdentities: Backfill = {
  name: 'account_identities',
  source: 'person_accounts',
  run: async (conn) => {
    const identities = new Map<string, IdentityFields>();
    for await (const i of each<IdentityFields>(conn, 'identities', {}, { key: 1, personId: 1, platform: 1, teamId: 1, userId: 1, tenantId: 1, aadObjectId: 1 })) identities.set(i.key, i);
    await writeInBatches(
      conn,
      'person_accounts',
      (async function* () {
        for await (const a of each<{ _id: string; key: string; identity?: { key?: string } }>(conn, 'person_accounts', {}, { key: 1, identity: 1 })) {
          const identity = identities.get(a.key);
          if (identity && a.identity?.key !== a.key) yield { updateOne: { filter: { _id: a._id, key: a.key }, update: { $set: { identity: toIdentity(identity) } } } };
        }
      })(),
    );
  },
};

const BACKFILLS: Backfill[] = [
  {
    name: 'people_emails',
    source: 'people',
    run: (conn) =>
      writeInBatches(
        conn,
        'people_emails',
        (async function* () {
          for await (const p of each<{ _id: unknown; email: string }>(conn, 'people', {}, { email: 1 })) {
            yield { updateOne: { filter: { _id: p.email }, update: { $setOnInsert: { personId: String(p._id) } }, upsert: true } };
          }
        })(),
      ),
  },
  {
    name: 'team_lookups',
    source: 'teams',
    run: async (conn) => {
      type TeamRow = { _id: unknown; name: string; managerId?: string | null; memberIds?: string[] };
      const teams = () => each<TeamRow>(conn, 'teams', {}, { name: 1, managerId: 1, memberIds: 1 });
      await writeInBatches(
        conn,
        'team_names',
        (async function* () {
          for await (const t of teams()) yield { updateOne: { filter: { _id: t.name }, update: { $setOnInsert: { teamId: String(t._id) } }, upsert: true } };
        })(),
      );
      await writeInBatches(
        conn,
        'team_memberships',
        (async function* () {
          for await (const t of teams()) {
            const teamId = String(t._id);
            for (const personId of t.memberIds ?? []) yield { updateOne: { filter: { _id: personId }, update: { $addToSet: { memberOf: teamId } }, upsert: true } };
            if (t.managerId) yield { updateOne: { filter: { _id: t.managerId }, update: { $addToSet: { manages: teamId } }, upsert: true } };
          }
        })(),
      );
    },
  },
  {
    name: 'checkin_settings_by_team',
    source: 'checkin_settings',
    run: async (conn) => {
      // Settings written before were keyed by an ObjectId with a `teamId` field: copy each under `_id` = team id.
      const settings = conn.collection('checkin_settings');
      for await (const d of settings.find({ teamId: { $exists: true } })) {
        if (d._id === d.teamId) continue;
        // Old databases keep a unique index on teamId: the old document goes before its copy is written.
        const { _id: oldId, ...rest } = d;
        await settings.deleteOne({ _id: oldId });
        await settings.updateOne({ _id: d.teamId }, { $setOnInsert: rest }, { upsert: true });
      }
    },
  },
  {
    name: 'checkin_person_lookups',
    source: 'checkins',
    run: async (conn) => {
      await writeInBatches(
        conn,
        'checkin_person_lookups',
        (async function* () {
          for await (const b of each<{ _id: unknown; personId: string }>(conn, 'checkin_blockers', { status: { $ne: 'resolved' } }, { personId: 1 })) {
            yield { updateOne: { filter: { _id: b.personId }, update: { $addToSet: { openBlockerIds: String(b._id) } }, upsert: true } };
          }
          for await (const c of each<{ _id: unknown; personId: string }>(conn, 'checkins', { step: { $ne: null } }, { personId: 1 })) {
            yield { updateOne: { filter: { _id: c.personId }, update: { $addToSet: { stepCheckinIds: String(c._id) } }, upsert: true } };
          }
        })(),
      );
      // Blockers from before a blocker's _id was its check-in's are found through a key document.
      await writeInBatches(
        conn,
        'checkin_blocker_keys',
        (async function* () {
          for await (const b of each<{ _id: unknown; checkinId: string }>(conn, 'checkin_blockers', {}, { checkinId: 1 })) {
            if (String(b._id) !== b.checkinId) yield { updateOne: { filter: { _id: b.checkinId }, update: { $setOnInsert: { blockerId: String(b._id) } }, upsert: true } };
          }
        })(),
      );
    },
  },
  surveyResponseBuckets,
  accountIdentities,
];

/** Runs every backfill this database has not run yet, for the collections the connection has models on. */
export async function backfillLookups(conn: Connection): Promise<void> {
  const sources = new Set(Object.values(conn.models).map((m) => m.collection.collectionName));
  const done = conn.collection<{ _id: string; at: Date }>('store_migrations');
  for (const backfill of BACKFILLS) {
    if (!sources.has(backfill.source)) continue;
    if (await done.findOne({ _id: `lookup:${backfill.name}` })) continue;
    await backfill.run(conn);
    await done.updateOne({ _id: `lookup:${backfill.name}` }, { $set: { at: new Date() } }, { upsert: true });
  }
}
