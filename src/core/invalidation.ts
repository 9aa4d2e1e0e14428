/**
 * Tells every Tandem process that a cached read is stale. Caches of reads
 * (a team and its settings, ...) live in process memory; a change made in one
 * process publishes the key it touched, and every process drops it before
 * its next read.
 */
export interface CacheInvalidation {
  /** Drops `key` of `topic` in this process at once, and in every other process as soon as the message arrives. */
  publish(topic: string, key: string): Promise<void>;
  /**
   * Calls `handler` with each stale key of `topic`, or with null when
   * messages may have been missed (the channel was interrupted): drop all.
   */
  subscribe(topic: string, handler: (key: string | null) => void): void;
}

/** The handlers of one process, by topic: what a channel delivers to, and all a single process needs. */
export class LocalInvalidation implements CacheInvalidation {
  private readonly handlers = new Map<string, ((key: string | null) => void)[]>();

  publish(topic: string, key: string): Promise<void> {
    this.deliver(topic, key);
    return Promise.resolve();
  }

  subscribe(topic: string, handler: (key: string | null) => void): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
  }

  deliver(topic: string, key: string): void {
    for (const handler of this.handlers.get(topic) ?? []) handler(key);
  }

  /** Every cache drops everything. */
  dropAll(): void {
    for (const handlers of this.handlers.values()) for (const handler of handlers) handler(null);
  }
}
