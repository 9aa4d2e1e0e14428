import { Schema, type Connection, type Model } from 'mongoose';
import type { StoredConversation, TeamsConversationStore } from '../adapters/teams/conversations.js';

type ConversationDoc = StoredConversation;

const conversationSchema = new Schema<ConversationDoc>(
  {
    key: { type: String, required: true, unique: true },
    kind: { type: String, enum: ['personal', 'channel', 'group'], required: true },
    tenantId: { type: String, required: true, index: true },
    conversationId: { type: String, required: true, index: true },
    teamId: { type: String, index: true },
    reference: { type: Schema.Types.Mixed, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'teams_conversations', minimize: false },
);

/** The Teams adapter's conversation references in MongoDB (`teams_conversations`). */
export class MongoConversationRepository implements TeamsConversationStore {
  private readonly model: Model<ConversationDoc>;

  constructor(conn: Connection) {
    this.model = (conn.models.TeamsConversation as Model<ConversationDoc> | undefined) ?? conn.model<ConversationDoc>('TeamsConversation', conversationSchema);
  }

  /** Creates or refreshes a reference (a newer activity may carry a new service URL). */
  async save(entry: Omit<StoredConversation, 'updatedAt'>, at: Date): Promise<void> {
    await this.model.updateOne(
      { key: entry.key },
      { $set: { kind: entry.kind, tenantId: entry.tenantId, conversationId: entry.conversationId, reference: entry.reference, updatedAt: at, ...(entry.teamId ? { teamId: entry.teamId } : {}) } },
      { upsert: true },
    );
  }

  /** Forgets a conversation Tandem was removed from. */
  async remove(key: string): Promise<boolean> {
    return (await this.model.deleteOne({ key })).deletedCount === 1;
  }

  /** Forgets every channel of a team Tandem was removed from; returns how many. */
  async removeTeam(teamId: string): Promise<number> {
    return (await this.model.deleteMany({ teamId })).deletedCount;
  }

  async byKey(key: string): Promise<StoredConversation | null> {
    return this.model.findOne({ key }).lean<StoredConversation>();
  }

  /** The reference of a conversation Tandem posted in, to update a message there. */
  async byConversationId(conversationId: string): Promise<StoredConversation | null> {
    return this.model.findOne({ conversationId }).sort({ updatedAt: -1 }).lean<StoredConversation>();
  }

  /** The freshest reference in a tenant: its service URL and bot id let Tandem open a new 1:1 chat there. */
  async latestInTenant(tenantId: string): Promise<StoredConversation | null> {
    return this.model.findOne({ tenantId }).sort({ updatedAt: -1 }).lean<StoredConversation>();
  }
}
