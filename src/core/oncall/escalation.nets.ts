import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Scheduler } from '../ports.js';

/** The job of a crash net; its payload is `{ alertIds }` (see EscalationService.catchUp). */
export const NET_JOB = 'escalation.net';

/** Alerts one net stands for at most (its payload: ~30 bytes an alert). */
const NET_SIZE = 500;

/**
 * The crash net of first steps started together in this process: one job, due after the grace, listing their
 * alerts. It is discarded once every one of them has ended; a process that dies first leaves it, and when it runs
 * it queues each listed alert's first step under that step's own job id (see EscalationService.catchUp).
 */
export interface CrashNet {
  readonly jobId: string;
  readonly alertIds: string[];
  /** Steps of the net not ended yet. */
  running: number;
  /** A step the net must still run (its own job could not be queued): the net is left to run after its grace. */
  kept: boolean;
}

interface Weaving {
  net: CrashNet;
  joined: { resolve: (net: CrashNet) => void; reject: (err: Error) => void }[];
}

/**
 * Group commit of crash nets: the first steps started while a net's job is being added share the next net, so a
 * burst of new alerts costs Redis a job added and a job removed per few hundred alerts instead of per alert (each
 * is a Lua script: a hash, a sorted set, an event stream entry). One add in flight at a time.
 */
export class CrashNets {
  private pending: Weaving[] = [];
  private adding = false;

  constructor(private readonly d: { scheduler: Scheduler; clock: Clock; graceMs: number; logger: Logger }) {}

  /**
   * Puts the alert's first step in the next net; resolves with it once its job is queued (before the step may
   * write or send anything), rejects when it could not be.
   */
  join(alertId: string): Promise<CrashNet> {
    return new Promise((resolve, reject) => {
      let last = this.pending.at(-1);
      if (!last || last.net.alertIds.length >= NET_SIZE) {
        last = { net: { jobId: `escalation:net:${randomUUID()}`, alertIds: [], running: 0, kept: false }, joined: [] };
        this.pending.push(last);
      }
      last.net.alertIds.push(alertId);
      last.net.running += 1;
      last.joined.push({ resolve, reject });
      if (!this.adding) {
        this.adding = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /**
   * One step of `net` ended: done, or handed to a job of its own (`kept` false), or not (`kept` true). The last
   * to end discards the net unless one kept it.
   */
  async ended(net: CrashNet, kept = false): Promise<void> {
    net.running -= 1;
    net.kept ||= kept;
    if (net.running > 0 || net.kept) return;
    await this.d.scheduler.discard(net.jobId).catch((err: unknown) => this.d.logger.warn({ err, jobId: net.jobId }, 'could not discard the crash net; it runs after its grace and its steps find their pages sent'));
  }

  /** Adds the nets woven meanwhile until none are left (their jobs share the scheduler's bulk adds). */
  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const nets = this.pending;
      this.pending = [];
      const at = new Date(this.d.clock.now().getTime() + this.d.graceMs);
      await Promise.all(
        nets.map(({ net, joined }) =>
          this.d.scheduler.enqueue(NET_JOB, { alertIds: net.alertIds }, { jobId: net.jobId, at }).then(
            () => joined.forEach((j) => j.resolve(net)),
            (err: unknown) => joined.forEach((j) => j.reject(err as Error)),
          ),
        ),
      );
    }
    this.adding = false;
  }
}
