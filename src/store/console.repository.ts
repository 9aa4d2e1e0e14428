import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import type { ConsoleMessage, ConsoleMessageStore } from '../adapters/adapter.js';
import type { View } from '../core/chat/views.js';

/**
 * Messages of the local console, kept in MongoDB so that any Tandem process
 * can show them and a restart loses nothing. A conversation is a person's DM
 * with Tandem (`dm:<person id>`) or a team's console channel id.
 */
const consoleMessageSchema = new Schema(
  {
    conversation: { type: String, required: true },
    /** The person who typed it; null for Tandem's own messages. */
    authorId: { type: String, default: null },
    /** Shown only to this person (a private reply); null means everyone in the conversation. */
    visibleTo: { type: String, default: null },
    view: { type: Schema.Types.Mixed, required: true },
    /** The domain key Tandem sent it under (see Messenger), so a worker that takes over a crashed send can find it. */
    deliveryKey: { type: String, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'console_messages', minimize: false },
);
consoleMessageSchema.index({ conversation: 1, createdAt: 1 });

type ConsoleMessageDoc = InferSchemaType<typeof consoleMessageSchema>;

type Stored = ConsoleMessageDoc & { _id: { toString(): string } };

const toMessage = (d: Stored): ConsoleMessage => ({
  id: d._id.toString(),
  conversation: d.conversation,
  authorId: d.authorId ?? null,
  visibleTo: d.visibleTo ?? null,
  view: d.view as View,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

export class MongoConsoleMessageRepository implements ConsoleMessageStore {
  private readonly model: Model<ConsoleMessageDoc>;

  constructor(conn: Connection) {
    this.model = conn.models.ConsoleMessage ?? conn.model('ConsoleMessage', consoleMessageSchema);
  }

  async add(input: { conversation: string; authorId?: string | null; visibleTo?: string | null; view: View; at: Date; deliveryKey?: string }): Promise<ConsoleMessage> {
    const d = await this.model.create({
      conversation: input.conversation,
      deliveryKey: input.deliveryKey ?? null,
      authorId: input.authorId ?? null,
      visibleTo: input.visibleTo ?? null,
      view: input.view,
      createdAt: input.at,
      updatedAt: input.at,
    });
    return toMessage(d.toObject() as Stored);
  }

  async get(id: string): Promise<ConsoleMessage | null> {
    if (!/^[a-f0-9]{24}$/.test(id)) return null;
    const d = await this.model.findById(id).lean<Stored>();
    return d ? toMessage(d) : null;
  }

  /** Replaces the view of a message in place; null when there is no such message. */
  async replace(id: string, view: View, at: Date): Promise<ConsoleMessage | null> {
    if (!/^[a-f0-9]{24}$/.test(id)) return null;
    const d = await this.model.findByIdAndUpdate(id, { $set: { view, updatedAt: at } }, { returnDocument: 'after' }).lean<Stored>();
    return d ? toMessage(d) : null;
  }

  /**
   * The message Tandem sent to `conversation` under `deliveryKey`, if any. Only a worker recovering a crashed send
   * asks, so it reads the conversation's messages since `since` rather than keep an index for it.
   */
  async findDelivered(conversation: string, deliveryKey: string, since: Date): Promise<ConsoleMessage | null> {
    const d = await this.model.findOne({ conversation, deliveryKey, createdAt: { $gte: since } }).lean<Stored>();
    return d ? toMessage(d) : null;
  }

  /** How many console messages exist: the demo clock watches it to know that something happened. */
  async count(): Promise<number> {
    return this.model.countDocuments({});
  }

  /** The latest `limit` messages of a conversation that `viewerId` may see, oldest first. */
  async recent(conversation: string, viewerId: string, limit = 100): Promise<ConsoleMessage[]> {
    const docs = await this.model
      .find({ conversation, visibleTo: { $in: [null, viewerId] } })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean<Stored[]>();
    return docs.map(toMessage).reverse();
  }
}
