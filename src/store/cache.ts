/** What the store caches in process, by kind: the reads on the path of every command. */
export type CacheKind = 'person' | 'identity';

type Listener = (kind: CacheKind, key: string) => void;

/** How long entries live, by kind (see StoreCache). */
export const DEFAULT_TTL_MS: Readonly<Record<CacheKind, number>> = { person: 10_000, identity: 10 * 60_000 };

/**
 * A small in-process cache of documents read on every command (who acted:
 * their identity and their person), so a known person's command reads
 * nothing from the database.
 *
 * Correctness: every write through this process's repositories calls
 * `invalidate`, and `onInvalidate` is the one seam through which another
 * process's writes arrive (a Redis pub/sub bridge calls `drop` with what it
 * receives and publishes what `onInvalidate` reports). Entries also expire
 * after `ttlMs`, which bounds how stale another process's view can be
 * without that bridge. Only found documents are cached, never absences.
 *
 * An identity never moves to another person once linked (it is only ever
 * erased, which invalidates it), so identities are kept far longer than
 * people, whose name, zone or roles an admin may change.
 */
export class StoreCache {
  private readonly entries = new Map<string, { value: unknown; expiresAt: number }>();
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly ttlMs: number | Readonly<Record<CacheKind, number>> = DEFAULT_TTL_MS,
    private readonly maxEntries = 20_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get<T>(kind: CacheKind, key: string): T | undefined {
    const id = `${kind}:${key}`;
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.value as T;
  }

  set<T>(kind: CacheKind, key: string, value: T): T {
    const ttl = typeof this.ttlMs === 'number' ? this.ttlMs : this.ttlMs[kind];
    if (ttl <= 0) return value;
    const id = `${kind}:${key}`;
    this.entries.delete(id);
    // A Map iterates in insertion order: the first key is the oldest entry.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(id, { value, expiresAt: this.now() + ttl });
    return value;
  }

  /** A document changed in this process: drop it here and tell the listeners (other processes). */
  invalidate(kind: CacheKind, key: string): void {
    this.drop(kind, key);
    for (const listener of this.listeners) listener(kind, key);
  }

  /** Drops an entry without telling anyone: for invalidations that came from another process. */
  drop(kind: CacheKind, key: string): void {
    this.entries.delete(`${kind}:${key}`);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Calls `listener` on every local invalidation; returns the function that stops it. */
  onInvalidate(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
