/** How many sample requests a process records and judges at once by default (see SampleLane). */
export const SAMPLES_AT_ONCE = 8;
/** How long a request waits for a place at most before it goes in anyway (see SampleLane). */
export const LANE_WAIT_MS = 100;

interface Waiting {
  key: string;
  start: () => void;
  timer?: NodeJS.Timeout;
}

/**
 * The samples lane of one process: at most `limit` requests of samples are
 * recorded and judged at once, the others wait here in arrival order, except
 * a request carrying a value off target (`pressing`: it raises or updates
 * its KPI's threshold alert), which goes in at once, beyond the limit.
 *
 * Why: FerretDB runs one database's writes one at a time, in arrival order,
 * so every write a breach's page waits on (the lease on the KPI's tail, the
 * alert's inserts, its opening) waits behind all the writes queued before
 * it. Sixty-four requests in flight keep that queue tens of writes long; a
 * few keep it a few long, and the requests waiting here hold no write in it.
 * The store still has a write to run whenever it can take one, so the lane
 * costs the samples no throughput; a feeder that sends one request at a time
 * never waits in it.
 *
 * A request that has waited `maxWaitMs` goes in anyway: when requests take
 * longer than that to make room (a slow or busy machine), the limit would
 * otherwise cap the rate taken in at `limit` requests per request time;
 * then as many run as before the lane, and the lane only orders the rest.
 *
 * Order: a pressing request never passes one of its own KPI waiting here: it
 * waits right behind the last of them (ahead of the others), so a KPI's
 * requests are judged in the order they came, as judging its history in
 * time order expects.
 */
export class SampleLane {
  private running = 0;
  private readonly line: Waiting[] = [];

  constructor(
    private readonly limit = SAMPLES_AT_ONCE,
    private readonly maxWaitMs = LANE_WAIT_MS,
  ) {}

  /** Requests waiting for a place, for tests and figures. */
  get waiting(): number {
    return this.line.length;
  }

  async run<T>(key: string, pressing: boolean, work: () => Promise<T>): Promise<T> {
    const ownWaiting = this.line.some((w) => w.key === key);
    if (!ownWaiting && (pressing || (this.line.length === 0 && this.running < this.limit))) this.running += 1;
    // Its place is handed over by the request that ends (counted in `running` all along).
    else await new Promise<void>((start) => this.enter({ key, start }, pressing));
    try {
      return await work();
    } finally {
      const next = this.running - 1 < this.limit ? this.line.shift() : undefined;
      if (next) {
        clearTimeout(next.timer);
        next.start();
      } else this.running -= 1;
    }
  }

  /** In line: last, or a pressing request right behind the last of its own KPI's (see the class). */
  private enter(w: Waiting, pressing: boolean): void {
    const own = pressing ? this.line.findLastIndex((o) => o.key === w.key) : -1;
    if (own >= 0) this.line.splice(own + 1, 0, w);
    else this.line.push(w);
    w.timer = setTimeout(() => {
      // Waited long enough: in beyond the limit (a place of its own, given back when it ends).
      const at = this.line.indexOf(w);
      if (at < 0) return;
      this.line.splice(at, 1);
      this.running += 1;
      w.start();
    }, this.maxWaitMs);
  }
}
