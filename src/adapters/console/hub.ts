import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A message as the page shows it: rendered HTML plus who may see it. */
export interface MessageDto {
  id: string;
  conversation: string;
  author: { id: string; name: string } | null;
  /** Only this person sees it (a private reply); null for everyone in the conversation. */
  visibleTo: string | null;
  text: string;
  html: string;
  createdAt: string;
  updatedAt: string;
}

export type ConsoleEvent = { type: 'message'; message: MessageDto } | { type: 'clock'; now: string };

type Listener = (event: ConsoleEvent) => void;

/**
 * Fans console events out to every open page. Events travel over Redis
 * pub/sub, so a message sent by a job in one Tandem process reaches a
 * browser connected to another; each process keeps only its open streams.
 */
export class ConsoleHub {
  private readonly listeners = new Set<Listener>();
  private subscriber: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const sub = this.redis.duplicate({ lazyConnect: true, enableOfflineQueue: true });
    sub.on('error', (err: Error) => this.logger.debug({ err: err.message }, 'console subscriber error'));
    sub.on('message', (_channel: string, raw: string) => {
      let event: ConsoleEvent;
      try {
        event = JSON.parse(raw) as ConsoleEvent;
      } catch {
        return;
      }
      for (const listener of this.listeners) listener(event);
    });
    await sub.connect();
    await sub.subscribe(this.channel);
    this.subscriber = sub;
  }

  async publish(event: ConsoleEvent): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(event));
  }

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get connections(): number {
    return this.listeners.size;
  }

  async stop(): Promise<void> {
    this.listeners.clear();
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }
}
