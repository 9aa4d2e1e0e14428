import type { ConversationReference } from 'botbuilder';

/**
 * Where Tandem can reach a Teams user or channel proactively: the Bot
 * Framework conversation reference (service URL, bot, conversation) that a
 * message, conversationUpdate or installationUpdate activity carried.
 *
 * - `personal:<identity key>` is the 1:1 chat with one person, keyed by the
 *   identity key `teams:<tenant id>:<AAD object id>`.
 * - `channel:<channel id>` is a team channel (what `team.channels.teams.conversationId` names).
 * - `group:<conversation id>` is a group chat Tandem is in (to update its cards there).
 */
export type ConversationKind = 'personal' | 'channel' | 'group';

export interface StoredConversation {
  key: string;
  kind: ConversationKind;
  tenantId: string;
  conversationId: string;
  /** The Teams team a channel belongs to (channelData.team.id), to forget them all when Tandem is removed. */
  teamId?: string;
  reference: Partial<ConversationReference>;
  updatedAt: Date;
}

export const conversationKey = {
  personal: (identityKey: string) => `personal:${identityKey}`,
  channel: (channelId: string) => `channel:${channelId}`,
  group: (conversationId: string) => `group:${conversationId}`,
};

/** The Teams adapter's own store of conversation references; the composition root hands it an implementation. */
export interface TeamsConversationStore {
  /** Creates or refreshes a reference (a newer activity may carry a new service URL). */
  save(entry: Omit<StoredConversation, 'updatedAt'>, at: Date): Promise<void>;
  /** Forgets a conversation Tandem was removed from. */
  remove(key: string): Promise<boolean>;
  /** Forgets every channel of a team Tandem was removed from; returns how many. */
  removeTeam(teamId: string): Promise<number>;
  byKey(key: string): Promise<StoredConversation | null>;
  /** The reference of a conversation Tandem posted in, to update a message there. */
  byConversationId(conversationId: string): Promise<StoredConversation | null>;
  /** The freshest reference in a tenant: its service URL and bot id let Tandem open a new 1:1 chat there. */
  latestInTenant(tenantId: string): Promise<StoredConversation | null>;
}
