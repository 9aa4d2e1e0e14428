import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { LocalInvalidation, type CacheInvalidation } from '../core/invalidation.js';
import type { Logger } from '../core/logger.js';
import { closeRedis } from './redis.js';

const messageSchema = z.object({ topic: z.string(), key: z.string(), origin: z.string() });

/**
 * Cache invalidation over Redis pub/sub, on one channel per deployment
 * (`<QUEUE_PREFIX>:cache:invalidate`), carrying `{topic, key, origin}` as
 * JSON. The publishing process drops the key at once; the others drop it
 * when the message arrives (well under a millisecond on one Redis).
 * Pub/sub does not replay what a subscriber missed, so after the subscriber
 * reconnects every cache drops everything.
 */
export class RedisInvalidation implements CacheInvalidation {
  private readonly local = new LocalInvalidation();
  private readonly origin = randomUUID();
  private subscriber: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    readonly channel: string,
    private readonly logger: Logger,
  ) {}

  /** Opens the dedicated subscriber connection (a subscribed ioredis client can do nothing else). */
  async start(): Promise<void> {
    if (this.subscriber) return;
    const sub = this.redis.duplicate({ lazyConnect: true, enableOfflineQueue: true });
    this.subscriber = sub;
    sub.on('error', (err: Error) => this.logger.debug({ err: err.message }, 'cache invalidation subscriber error'));
    let connectedBefore = false;
    sub.on('ready', () => {
      if (connectedBefore) {
        this.logger.info({ channel: this.channel }, 'cache invalidation channel reconnected; dropping every cached read');
        this.local.dropAll();
      }
      connectedBefore = true;
    });
    sub.on('message', (_channel: string, raw: string) => this.receive(raw));
    await sub.connect();
    await sub.subscribe(this.channel);
  }

  async publish(topic: string, key: string): Promise<void> {
    this.local.deliver(topic, key);
    try {
      await this.redis.publish(this.channel, JSON.stringify({ topic, key, origin: this.origin }));
    } catch (err) {
      // The change is saved; other processes see it when their cached read expires.
      this.logger.warn({ err, topic, key }, 'could not publish a cache invalidation');
    }
  }

  subscribe(topic: string, handler: (key: string | null) => void): void {
    this.local.subscribe(topic, handler);
  }

  async stop(): Promise<void> {
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (sub) await closeRedis(sub);
  }

  private receive(raw: string): void {
    let message: z.infer<typeof messageSchema>;
    try {
      message = messageSchema.parse(JSON.parse(raw));
    } catch (err) {
      this.logger.warn({ err, channel: this.channel }, 'ignored a malformed cache invalidation message');
      return;
    }
    if (message.origin !== this.origin) this.local.deliver(message.topic, message.key);
  }
}
