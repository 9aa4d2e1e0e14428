import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Scheduler } from '../ports.js';

/** The job of a crash net; its payload is `{ net, alertIds }` (see EscalationService.catchUp). */
export const NET_JOB = 'escalation.net';

/** Alerts one net stands for at most (its payload: ~30 bytes an alert). */
const NET_SIZE = 500;

/**
 * How long the first steps started after a net's first one may join it before its job is added (ms). Their steps
 * do not wait for it; their openings' answers do (see EscalationService.start), and a sender's connection is held
 * meanwhile: 20 ms made the answers' tail, and with it the benchmark's, worse. At 1,000 new alerts a second, nets of
 * ~3 alerts each were ~350 jobs added and removed a second (each a Lua script), about a tenth of Tandem's CPU and
 * half of Redis's (bench/README.md).
 */
const NET_LINGER_MS = 5;

/**
 * The crash net of first steps started together in this process: one job, due after the grace, listing their
 * alerts. It is discarded once every one of them has ended; a process that dies first leaves it, and when it runs
 * it queues each listed alert's first step under that step's own job id (see EscalationService.catchUp).
 */
export interface CrashNet {
  /** Its own id (random: the same alert may be started twice), in its payload; the job's id is `escalation:net:<id>`. */
  readonly id: string;
  readonly jobId: string;
  readonly alertIds: string[];
  /** Steps of the net not ended yet, by alert. */
  readonly running: Map<string, number>;
  /** Alerts whose step the net must still run (their own jobs could not be queued): it is left to run after its grace. */
  readonly kept: Set<string>;
}

interface Weaving {
  net: CrashNet;
  joined: { resolve: (net: CrashNet) => void; reject: (err: Error) => void }[];
}

/**
 * Group commit of crash nets: the first steps started within NET_LINGER_MS of a net's first one, or while a net's job
 * is being added, share it, so a burst of new alerts costs Redis a job added and a job removed per few dozen alerts
 * instead of per alert (each is a Lua script: a hash, a sorted set, an event stream entry). One add in flight at a
 * time.
 */
export class CrashNets {
  private pending: Weaving[] = [];
  private adding = false;
  /** The nets of this process whose steps have not all ended, by id. */
  private readonly live = new Map<string, CrashNet>();

  constructor(private readonly d: { scheduler: Scheduler; clock: Clock; graceMs: number; logger: Logger }) {}

  /**
   * Puts the alert's first step in the next net; resolves with it once its job is queued (the step runs meanwhile;
   * the opening it belongs to is answered after), rejects when it could not be.
   */
  join(alertId: string): Promise<CrashNet> {
    return new Promise((resolve, reject) => {
      let last = this.pending.at(-1);
      if (!last || last.net.alertIds.length >= NET_SIZE) {
        const id = randomUUID();
        last = { net: { id, jobId: `escalation:net:${id}`, alertIds: [], running: new Map(), kept: new Set() }, joined: [] };
        this.pending.push(last);
        this.live.set(id, last.net);
      }
      last.net.alertIds.push(alertId);
      last.net.running.set(alertId, (last.net.running.get(alertId) ?? 0) + 1);
      last.joined.push({ resolve, reject });
      if (!this.adding) {
        this.adding = true;
        void this.drain();
      }
    });
  }

  /**
   * One step of `net` ended: done, or handed to a job of its own (`kept` false), or not (`kept` true). The last
   * to end discards the net unless one kept it.
   */
  async ended(net: CrashNet, alertId: string, kept = false): Promise<void> {
    const left = (net.running.get(alertId) ?? 1) - 1;
    if (left > 0) net.running.set(alertId, left);
    else net.running.delete(alertId);
    if (kept) net.kept.add(alertId);
    if (net.running.size > 0) return;
    this.live.delete(net.id);
    if (net.kept.size > 0) return;
    await this.d.scheduler.discard(net.jobId).catch((err: unknown) => this.d.logger.warn({ err, jobId: net.jobId }, 'could not discard the crash net; it runs after its grace and its steps find their pages sent'));
  }

  /**
   * The alerts of a net that ran whose steps this process has not done (still running: they took longer than the
   * grace; or kept): null when the net is not this process's, or all its steps have ended here (then it was kept).
   */
  unfinished(id: string): string[] | null {
    const net = this.live.get(id);
    return net ? [...new Set([...net.running.keys(), ...net.kept])] : null;
  }

  /** Adds the nets woven meanwhile, each after its linger, until none are left (their jobs share the scheduler's bulk adds). */
  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, NET_LINGER_MS));
      const nets = this.pending;
      this.pending = [];
      const at = new Date(this.d.clock.now().getTime() + this.d.graceMs);
      await Promise.all(
        nets.map(({ net, joined }) =>
          this.d.scheduler.enqueue(NET_JOB, { net: net.id, alertIds: net.alertIds }, { jobId: net.jobId, at }).then(
            () => joined.forEach((j) => j.resolve(net)),
            (err: unknown) => {
              this.live.delete(net.id);
              joined.forEach((j) => j.reject(err as Error));
            },
          ),
        ),
      );
    }
    this.adding = false;
  }
}
