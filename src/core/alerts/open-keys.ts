/** Dedup keys remembered per process (see OpenKeys); the least recently seen go first beyond it. */
export const OPEN_KEYS_KEPT = 50_000;

/**
 * The dedup keys this process saw open (it opened them, or folded a breach into their alert), most recent last.
 * A hint, never the truth: a key not among them is tried as a new alert first (the dedup key's unique `_id` insert
 * decides, and a duplicate then takes the repeat path), which spares a new alert the lookup read; a key among them
 * is looked up first, as a repeat mostly is. Wrong either way costs one command, never a second alert.
 */
export class OpenKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly kept = OPEN_KEYS_KEPT) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > this.kept) this.keys.delete(this.keys.keys().next().value!);
  }
}
