/**
 * What the store caches in process, by kind: the reads on the path of every command (who acted), those on the
 * path of every alert and page (a person's account on a platform, the alert's team, the on-call routing, policies
 * and schedules, the silences, the integration key), and those on the path of every admin API request (its token,
 * by hash) and every KPI sample (the KPI's definition).
 */
export const CACHE_KINDS = ['person', 'identity', 'account', 'team', 'oncall', 'silences', 'integration', 'token', 'kpi'] as const;
export type CacheKind = (typeof CACHE_KINDS)[number];

type Listener = (kind: CacheKind, key: string) => void;

/**
 * How long entries live, by kind (see StoreCache). A KPI's definition lives longer: only its repository writes it,
 * every write drops it (here and, through main.ts's bridge, everywhere), and it is read on every sample request.
 */
export const DEFAULT_TTL_MS: Readonly<Record<CacheKind, number>> = {
  person: 10_000,
  identity: 10 * 60_000,
  account: 10_000,
  team: 10_000,
  oncall: 10_000,
  silences: 10_000,
  integration: 10_000,
  token: 10_000,
  kpi: 60_000,
};

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
  /** Reads under way in `load`, by entry; `dropped` once the entry is dropped meanwhile (what it reads is not kept). */
  private readonly reading = new Map<string, { value: Promise<unknown>; dropped: boolean }>();

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

  /**
   * The cached value, or what `read` finds (cached unless null). A value read while an entry was dropped (a write
   * here or elsewhere) may be the old one: it is returned to this caller but not kept.
   */
  async load<T>(kind: CacheKind, key: string, read: () => Promise<T | null>): Promise<T | null> {
    const hit = this.get<T>(kind, key);
    if (hit !== undefined) return hit;
    // Callers that miss while a read of the same entry is under way share it (a burst would otherwise send one each).
    const id = `${kind}:${key}`;
    const inFlight = this.reading.get(id);
    if (inFlight) return inFlight.value as Promise<T | null>;
    // A real promise: a mongoose query is a thenable that runs again each time it is awaited.
    const reading = { value: Promise.resolve().then(read), dropped: false };
    this.reading.set(id, reading);
    try {
      const found = await reading.value;
      if (found !== null && !reading.dropped) this.set(kind, key, found);
      return found;
    } finally {
      if (this.reading.get(id) === reading) this.reading.delete(id);
    }
  }

  /** A document changed in this process: drop it here and tell the listeners (other processes). */
  invalidate(kind: CacheKind, key: string): void {
    this.drop(kind, key);
    for (const listener of this.listeners) listener(kind, key);
  }

  /** Drops an entry without telling anyone: for invalidations that came from another process. */
  drop(kind: CacheKind, key: string): void {
    const id = `${kind}:${key}`;
    this.entries.delete(id);
    // A read of it under way may return the old document: its callers get it, the cache does not keep it, and
    // callers from now on read again.
    const reading = this.reading.get(id);
    if (reading) {
      reading.dropped = true;
      this.reading.delete(id);
    }
  }

  clear(): void {
    this.entries.clear();
    for (const reading of this.reading.values()) reading.dropped = true;
    this.reading.clear();
  }

  /** Calls `listener` on every local invalidation; returns the function that stops it. */
  onInvalidate(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
