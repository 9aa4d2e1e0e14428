import type { Redis } from 'ioredis';
import type { FeatureJobs } from '../core/job-declarations.js';
import type { Logger } from '../core/logger.js';
import type { Jobs } from './scheduler.js';

export type ReconcileReason = 'boot' | 'redis reconnect' | 'timer';

/** What one pass did: schedules upserted, work requeued by the sweeps, features whose step failed. */
export interface ReconcileResult {
  schedules: number;
  requeued: number;
  failed: string[];
}

/**
 * Rebuilds what Tandem keeps in Redis from MongoDB, the source of truth, so that nothing is lost even when Redis
 * loses everything: every feature's fixed recurring schedules are upserted, then its `reconcile` (schedules
 * derived from data, e.g. one per team and zone) and its `sweep` (pending work that is due and not done) run.
 *
 * It runs at boot, after every Redis reconnect (ioredis `ready` after a lost connection: the server may have
 * restarted empty) and on a timer in each process, never as a job stored in the Redis it repairs. Every step is
 * idempotent (upserts, and requeues under domain job ids), so processes may run it at once. One pass at a time per
 * process: a pass asked for while one runs follows it.
 */
export class Reconciler {
  private current: Promise<ReconcileResult> | undefined;
  private next: ReconcileReason | undefined;
  private timer: NodeJS.Timeout | undefined;
  private redis: Redis | undefined;
  private readonly onReady = () => this.runLogged('redis reconnect');

  constructor(
    private readonly jobs: Pick<Jobs, 'upsertRecurring'>,
    private readonly features: readonly FeatureJobs[],
    private readonly logger: Logger,
  ) {}

  /** One pass now; rejects (at boot) when a step failed, after trying every other. */
  run(reason: ReconcileReason): Promise<ReconcileResult> {
    if (this.current) {
      this.next = reason;
      return this.current;
    }
    const pass = this.pass(reason);
    this.current = pass;
    void pass
      .catch(() => undefined)
      .finally(() => {
        this.current = undefined;
        const next = this.next;
        this.next = undefined;
        if (next) this.runLogged(next);
      });
    return pass;
  }

  /** Watches `redis` for reconnects and runs every `intervalMs`; call once the connection is ready. */
  start(redis: Redis, intervalMs: number): void {
    this.redis = redis;
    redis.on('ready', this.onReady);
    this.timer = setInterval(() => this.runLogged('timer'), intervalMs);
    this.timer.unref();
  }

  /** Stops watching and waits for a running pass. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.redis?.off('ready', this.onReady);
    this.next = undefined;
    await this.current?.catch(() => undefined);
  }

  private runLogged(reason: ReconcileReason): void {
    this.run(reason).catch((err: unknown) => this.logger.warn({ err, reason }, 'reconcile failed; the next reconnect or timer tries again'));
  }

  private async pass(reason: ReconcileReason): Promise<ReconcileResult> {
    const started = performance.now();
    const result: ReconcileResult = { schedules: 0, requeued: 0, failed: [] };
    const errors: unknown[] = [];
    for (const feature of this.features) {
      try {
        for (const r of feature.recurring) {
          await this.jobs.upsertRecurring(r.id, { pattern: r.pattern, timeZone: r.timeZone }, r.name, r.data);
          result.schedules += 1;
        }
        await feature.reconcile?.();
        result.requeued += (await feature.sweep?.()) ?? 0;
      } catch (err) {
        result.failed.push(feature.queue);
        errors.push(err);
        this.logger.warn({ err, queue: feature.queue, reason }, 'reconciling a feature failed');
      }
    }
    const ms = Math.round(performance.now() - started);
    if (reason !== 'timer' || result.requeued > 0) this.logger.info({ reason, ...result, ms }, 'jobs reconciled from the database');
    else this.logger.debug({ reason, ...result, ms }, 'jobs reconciled from the database');
    if (errors.length) throw new AggregateError(errors, `reconcile (${reason}) failed for ${result.failed.join(', ')}`);
    return result;
  }
}
