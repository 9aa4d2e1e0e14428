import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import { PLATFORMS, ROLES } from '../core/people/people.types.js';
import { allConnections, moveToOwnDatabases } from './databases.js';
import { backfillLookups } from './lookups.js';

const personSchema = new Schema(
  {
    name: { type: String, required: true },
    email: { type: String, required: true, unique: true },
    timeZone: { type: String, required: true, default: 'UTC' },
    workingDays: { type: [Number], default: [1, 2, 3, 4, 5] },
    managerId: { type: String, default: null, index: true },
    roles: { type: [String], enum: ROLES, default: ['employee'] },
    active: { type: Boolean, default: true, index: true },
  },
  { timestamps: true, collection: 'people' },
);

const teamSchema = new Schema(
  {
    name: { type: String, required: true, unique: true },
    managerId: { type: String, default: null, index: true },
    memberIds: { type: [String], default: [], index: true },
    channels: {
      slack: { type: { teamId: String, channelId: String }, default: undefined, _id: false },
      teams: { type: { conversationId: String }, default: undefined, _id: false },
      console: { type: { channelId: String }, default: undefined, _id: false },
    },
  },
  { timestamps: true, collection: 'teams' },
);
/** The Teams adapter finds the team of a channel Tandem was added to by this key. */
teamSchema.index({ 'channels.teams.conversationId': 1 });

/*
 * FerretDB 1.24 (SQLite) answers only _id lookups from an index and scans the
 * collection for any other filter, so the records read on every message sent
 * are keyed by _id: an identity by its platform key, a person's account on a
 * platform by `<person id>|<platform>`, a posted message by `<key>|<platform>`.
 */
const identitySchema = new Schema(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true, unique: true },
    platform: { type: String, enum: PLATFORMS, required: true },
    personId: { type: String, required: true, index: true },
    teamId: String,
    userId: String,
    tenantId: String,
    aadObjectId: String,
  },
  { timestamps: true, collection: 'identities' },
);

/**
 * A person's current account on one platform (`_id` = `<person id>|<platform>`), and when it was last seen.
 * `identity`: a copy of the identity document `key` names (which never changes once linked), written with the key,
 * so that a DM reads one document instead of two; accounts from before it (2026-11-27) are backfilled at boot and,
 * meanwhile, their identity is read by key.
 */
const personAccountSchema = new Schema(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    identity: { type: Schema.Types.Mixed, default: undefined },
    lastSeenAt: { type: Date, default: null },
  },
  { collection: 'person_accounts' },
);

const postedMessageSchema = new Schema(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    platform: { type: String, enum: PLATFORMS, required: true },
    status: { type: String, enum: ['sending', 'sent'], required: true },
    channel: String,
    messageId: String,
    createdAt: { type: Date, required: true, index: true },
    /** While `sending`: until when the reserving worker holds it; after that another worker may take it over. */
    leaseUntil: Date,
  },
  { collection: 'posted_messages' },
);

/**
 * Lookup documents: an `_id`-keyed index that the store maintains itself, so
 * the lookups on a command's path are `_id` reads on FerretDB too. A person by
 * email (`_id` = the lowercased email; inserting it first is how a new email
 * is claimed), a team by name, and the teams a person belongs to or manages.
 * `lookups.ts` backfills them for databases written before they existed.
 */
const personEmailSchema = new Schema(
  {
    _id: { type: String, required: true },
    personId: { type: String, required: true },
  },
  { collection: 'people_emails' },
);

const teamNameSchema = new Schema(
  {
    _id: { type: String, required: true },
    teamId: { type: String, required: true },
  },
  { collection: 'team_names' },
);

/** `_id` = person id. May list a team the person left (readers check the team); never misses one they are in. */
const teamMembershipSchema = new Schema(
  {
    _id: { type: String, required: true },
    memberOf: { type: [String], default: [] },
    manages: { type: [String], default: [] },
  },
  { collection: 'team_memberships' },
);

const auditSchema = new Schema(
  {
    actor: { type: String, required: true },
    action: { type: String, required: true },
    target: { type: String, required: true, index: true },
    before: Schema.Types.Mixed,
    after: Schema.Types.Mixed,
    at: { type: Date, required: true, index: true },
    /** pending -> done | failed (see AuditLog); entries written before the protocol have none and count as done. */
    status: { type: String, enum: ['pending', 'done', 'failed'], default: 'done' },
    error: { type: String, default: undefined },
  },
  { collection: 'audit_log' },
);

const apiTokenSchema = new Schema(
  {
    name: { type: String, required: true, unique: true },
    hash: { type: String, required: true, unique: true },
    scopes: { type: [String], required: true },
    revokedAt: { type: Date, default: null },
    lastUsedAt: { type: Date, default: null },
  },
  { timestamps: true, collection: 'api_tokens' },
);

export type PersonDoc = InferSchemaType<typeof personSchema>;
export type TeamDoc = InferSchemaType<typeof teamSchema>;
export type IdentityDoc = InferSchemaType<typeof identitySchema>;
export type PersonAccountDoc = InferSchemaType<typeof personAccountSchema>;
export type PostedMessageDoc = InferSchemaType<typeof postedMessageSchema>;
export type PersonEmailDoc = InferSchemaType<typeof personEmailSchema>;
export type TeamNameDoc = InferSchemaType<typeof teamNameSchema>;
export type TeamMembershipDoc = InferSchemaType<typeof teamMembershipSchema>;
export type AuditDoc = InferSchemaType<typeof auditSchema>;
export type ApiTokenDoc = InferSchemaType<typeof apiTokenSchema>;

export interface Models {
  Person: Model<PersonDoc>;
  Team: Model<TeamDoc>;
  Identity: Model<IdentityDoc>;
  PersonAccount: Model<PersonAccountDoc>;
  PostedMessage: Model<PostedMessageDoc>;
  PersonEmail: Model<PersonEmailDoc>;
  TeamName: Model<TeamNameDoc>;
  TeamMembership: Model<TeamMembershipDoc>;
  Audit: Model<AuditDoc>;
  ApiToken: Model<ApiTokenDoc>;
}

/** Registers the models on a connection; features add theirs beside these. */
export function registerModels(conn: Connection): Models {
  return {
    Person: conn.model('Person', personSchema),
    Team: conn.model('Team', teamSchema),
    Identity: conn.model('Identity', identitySchema),
    PersonAccount: conn.model('PersonAccount', personAccountSchema),
    PostedMessage: conn.model('PostedMessage', postedMessageSchema),
    PersonEmail: conn.model('PersonEmail', personEmailSchema),
    TeamName: conn.model('TeamName', teamNameSchema),
    TeamMembership: conn.model('TeamMembership', teamMembershipSchema),
    Audit: conn.model('Audit', auditSchema),
    ApiToken: conn.model('ApiToken', apiTokenSchema),
  };
}

/**
 * Moves collections written before their feature had a database of its own
 * (see databases.ts), creates every declared index (unique ones carry
 * correctness) on every model of the connection and of the features'
 * databases, then backfills the lookup documents (all idempotent). Returns
 * what was moved (see moveToOwnDatabases).
 */
export async function syncIndexes(conn: Connection): Promise<Record<string, number>> {
  const moved = await moveToOwnDatabases(conn);
  for (const model of allConnections(conn).flatMap((c) => Object.values(c.models))) {
    await model.createCollection().catch((err: unknown) => {
      if (!(typeof err === 'object' && err !== null && 'codeName' in err && err.codeName === 'NamespaceExists')) throw err;
    });
    await model.createIndexes();
  }
  await backfillLookups(conn);
  return moved;
}
