import type { RequestListener } from 'node:http';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { OffsetClock } from '../core/clock.js';
import type { PlatformChat } from '../core/chat/chat.port.js';
import type { Core } from '../core/index.js';
import type { Jobs } from '../jobs/scheduler.js';
import type { View } from '../core/chat/views.js';
import type { TeamsConversationStore } from './teams/conversations.js';

/** A message of the local console; a conversation is a person's DM with Tandem (`dm:<person id>`) or a team's console channel id. */
export interface ConsoleMessage {
  id: string;
  conversation: string;
  authorId: string | null;
  visibleTo: string | null;
  view: View;
  createdAt: Date;
  updatedAt: Date;
}

/** Where the console keeps its messages (any Tandem process can show them; a restart loses nothing). */
export interface ConsoleMessageStore {
  add(input: { conversation: string; authorId?: string | null; visibleTo?: string | null; view: View; at: Date; deliveryKey?: string }): Promise<ConsoleMessage>;
  get(id: string): Promise<ConsoleMessage | null>;
  /** Replaces the view of a message in place; null when there is no such message. */
  replace(id: string, view: View, at: Date): Promise<ConsoleMessage | null>;
  /** The message Tandem sent to `conversation` under `deliveryKey` since `since`, if any (crash recovery). */
  findDelivered(conversation: string, deliveryKey: string, since: Date): Promise<ConsoleMessage | null>;
  /** How many console messages exist: the demo clock watches it to know that something happened. */
  count(): Promise<number>;
  /** The latest `limit` messages of a conversation that `viewerId` may see, oldest first. */
  recent(conversation: string, viewerId: string, limit?: number): Promise<ConsoleMessage[]>;
}

/** What every adapter gets from the composition root. */
/** "This delivery (an activity, an event) is being or has been processed": redeliveries are processed once. */
export interface ProcessingClaims {
  /** True when this caller may process it: not done, and no live lease held by another attempt. */
  claim(key: string, now: Date, leaseMs: number): Promise<boolean>;
  done(key: string, now: Date): Promise<void>;
  /** The work failed: a redelivery may try again. */
  release(key: string): Promise<void>;
}

export interface AdapterContext {
  config: Config;
  logger: Logger;
  core: Core;
  /** The adapters' own stores: Teams conversation references, console messages. */
  stores: { teamsConversations: TeamsConversationStore; consoleMessages: ConsoleMessageStore; processingClaims: ProcessingClaims };
  redis: Redis;
  /** Tandem's job queues (the console's demo clock lists and promotes their delayed jobs). */
  jobs?: Jobs;
  /** The movable clock, only in demo mode. */
  demoClock?: OffsetClock;
  /** The PNG of a picture Tandem serves at `url` (scorecards), for platforms that take uploads (Slack); null when unknown. */
  picture?: (url: string) => Promise<Buffer | null>;
}

/**
 * A chat platform (Slack, Teams, the console): it reaches people through
 * `chat`, serves its routes on Tandem's one HTTP server, and may hold
 * connections of its own (Socket Mode) between start and stop.
 */
export interface PlatformAdapter {
  readonly chat: PlatformChat;
  mount?(app: Express): void;
  /**
   * Routes served straight from the HTTP server, ahead of express and its
   * middleware, keyed `METHOD /path`: for endpoints whose answer time is the
   * product (Slack's 3 s ack).
   */
  routes?: Readonly<Record<string, RequestListener>>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** Called when shutdown begins, before the HTTP server closes: end long-lived responses (event streams). */
  drain?(): void;
}
