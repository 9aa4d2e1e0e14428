/**
 * How far apart bulk work's turns go while urgent work is in flight: at most one check-in prompt per 50 ms (20/s,
 * under half of Slack's ~50 DMs/s), so a fan-out keeps going, slower, through an alert storm of any length.
 */
export const BULK_SPACING_MS = 50;
/** What bulk work asks of the signal: a turn before each unit. */
export type BulkTurns = Pick<PagesFirst, 'turn'>;

/** How often a waiting turn looks again whether urgent work is still in flight (first steps are counted, not told). */
const POLL_MS = 10;

/**
 * The "pages first" signal of one process. Work a page waits on (KPI
 * samples being judged, alerts being raised, escalation steps and first
 * steps running) is counted while it runs; bulk work (a check-in fan-out's
 * prompts and reminders) asks for its turn before each unit. With nothing
 * urgent in flight a turn is given at once; otherwise turns are given one per
 * `spacingMs`, first come first served, and all at once when the urgent work
 * ends. So a fan-out is slowed, never stopped: its floor is one unit per
 * `spacingMs`, and a turn waits at most its place in line times that (the
 * line is as long as the bulk queue's worker concurrency). A turn is taken
 * before the unit does anything, so waiting changes nothing of what it does
 * (keys, at-least-once): the unit only starts later.
 *
 * Why it matters: the process's event loop and FerretDB's one writer per
 * database are shared, and a fan-out at full speed puts its reads and
 * writes ahead of a page's in both queues.
 */
export class PagesFirst {
  private running = 0;
  private readonly probes: (() => number)[] = [];
  private readonly line: (() => void)[] = [];
  private lastTurn = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  /** Turns that had to wait (bulk work slowed), for tests and figures. */
  delayedTurns = 0;

  constructor(private readonly spacingMs = BULK_SPACING_MS) {}

  /** Also counts what another part of the process reports in flight (e.g. first escalation steps running here). */
  watch(probe: () => number): void {
    this.probes.push(probe);
  }

  /** Whether urgent work is in flight in this process now. */
  get busy(): boolean {
    return this.running > 0 || this.probes.some((p) => p() > 0);
  }

  /** Runs urgent work, counted while it runs. */
  async during<T>(work: () => Promise<T>): Promise<T> {
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
    }
  }

  /**
   * For bulk work that cannot be cut into units (a scan): resolves true once no urgent work has been seen in flight
   * for `forMs` (looked at every POLL_MS), or false after `withinMs` without such a quiet spell (an alert storm).
   */
  async quiet(forMs: number, withinMs: number): Promise<boolean> {
    const start = performance.now();
    let quietSince = this.busy ? Infinity : start;
    for (;;) {
      const now = performance.now();
      if (now - quietSince >= forMs) return true;
      if (now - start >= withinMs) return false;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (this.busy) quietSince = Infinity;
      else if (quietSince === Infinity) quietSince = performance.now();
    }
  }

  /**
   * Bulk work's turn for one unit: at once when nothing urgent is in flight, else in line. (Those still in line
   * then are given theirs at the line's next look, within POLL_MS.)
   */
  turn(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    this.delayedTurns += 1;
    return new Promise((resolve) => {
      this.line.push(resolve);
      this.timer ??= setTimeout(() => this.give(), 0);
    });
  }

  /** Gives the turns due: all when nothing urgent is in flight, else one per spacing; looks again while any wait. */
  private give(): void {
    this.timer = undefined;
    const now = performance.now();
    if (!this.busy) {
      for (const next of this.line.splice(0)) next();
    } else if (now - this.lastTurn >= this.spacingMs) {
      this.lastTurn = now;
      this.line.shift()?.();
    }
    if (this.line.length === 0) return;
    this.timer = setTimeout(() => this.give(), POLL_MS);
    // Waiting turns alone do not keep a process alive (a stopping process finishes its jobs through them anyway).
    this.timer.unref();
  }
}
