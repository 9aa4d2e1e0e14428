import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import client from 'prom-client';
import type { Clock } from '../core/clock.js';
import { isDomainError } from '../core/errors.js';
import { JOB_QUEUES, queueOf, type JobDeclaration, type JobQueue } from '../core/job-declarations.js';
import type { Logger } from '../core/logger.js';
import type { QueuedJob, Scheduler } from '../core/ports.js';
import { closeRedis } from './redis.js';

/** How long after an `unavailable` error's `retryAt` its job runs again (the holder's clock and ours may differ by as much). */
const RETRY_AT_MARGIN_MS = 250;
/** Jobs per Redis round trip of `enqueueMany` (one MULTI of BullMQ's add scripts). */
const BULK_ADD = 500;

/** How many worker deaths one job survives before it is failed (and kept in the failed set). */
const MAX_STALLS = 20;

/** BullMQ forbids ':' in custom ids; domain keys use it, so it is swapped for a character ids never contain. */
export const bullJobId = (id: string): string => id.replaceAll(':', '|');

/**
 * Jobs run at once per queue in one process. Check-in prompts and survey
 * invitations are bound by the platform's rate limit, not by the worker; alerts are wider still: a burst of
 * new alerts is a burst of first steps, each waiting on a handful of store round trips and two Slack calls, and
 * their writes group-commit (the more run at once, the fewer bulk writes per step); KPI detection (one
 * job per KPI with samples to judge) has a queue of its own, so a burst of
 * samples never holds up a page; housekeeping runs one at a time.
 */
export const CONCURRENCY: Readonly<Record<JobQueue, number>> = {
  checkins: 8,
  recognition: 4,
  kpis: 4,
  alerts: 64,
  surveys: 8,
  scorecards: 2,
  system: 1,
};

/**
 * Key of the due instant (ms, on the injected clock) that `enqueue` adds to a
 * delayed job's data. BullMQ's own due time is on the wall clock, which the
 * demo clock runs ahead of; payload schemas strip the key before a handler.
 */
export const DUE_AT = '__dueAt';

/** A job waiting in `enqueue`'s group commit. */
interface PendingAdd {
  job: { name: string; data: Record<string, unknown>; opts: { jobId: string; delay: number } };
  resolve: () => void;
  reject: (err: Error) => void;
}

type FailureReason = 'invalid_payload' | 'unknown_job' | 'refused' | 'error';

/** A failure that retrying cannot fix; its reason labels the failure counter. */
class JobRefusal extends UnrecoverableError {
  constructor(
    readonly reason: FailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'UnrecoverableError';
  }
}

export interface JobsOptions {
  prefix: string;
  logger: Logger;
  clock: Clock;
  /** The app's metrics registry: `tandem_jobs_failed_total{queue,job,reason}` is registered on it. */
  registry: client.Registry;
}

/**
 * The jobs layer: one BullMQ queue and worker per feature (see JOB_QUEUES),
 * with recurring schedulers (cron + IANA zone) and delayed one-off jobs whose
 * ids come from the domain, so the same job is never queued twice. A job
 * goes to the queue its name (or id) names: `queueOf` in the core. Handlers
 * are the features' job declarations; a payload is checked against its
 * declaration's schema before the handler sees it.
 */
export class Jobs implements Scheduler {
  private readonly queues: ReadonlyMap<JobQueue, Queue>;
  private readonly workers: Worker[] = [];
  /** The workers' command connection (they block on Redis and must ride out outages); closed by close(). */
  private workerConnection: Redis | undefined;
  private readonly declarations = new Map<string, JobDeclaration>();
  private readonly failures: client.Counter<'queue' | 'job' | 'reason'>;
  /** Jobs waiting for their queue's next `addBulk` (see enqueue), and the queues with one in flight. */
  private readonly pendingAdds = new Map<JobQueue, PendingAdd[]>();
  private readonly adding = new Set<JobQueue>();

  constructor(
    private readonly connection: Redis,
    private readonly opts: JobsOptions,
  ) {
    this.queues = new Map(
      JOB_QUEUES.map((name) => {
        const queue = new Queue(name, {
          connection,
          prefix: opts.prefix,
          defaultJobOptions: {
            attempts: 5,
            backoff: { type: 'exponential', delay: 2_000 },
            removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
            removeOnFail: { age: 30 * 24 * 3600 },
          },
        });
        // Without a listener BullMQ prints connection errors to stderr; Redis outages are reported by /readyz.
        queue.on('error', (err) => opts.logger.warn({ err: err.message, queue: name }, 'queue error'));
        return [name, queue] as const;
      }),
    );
    const existing = opts.registry.getSingleMetric('tandem_jobs_failed_total');
    this.failures =
      (existing as client.Counter<'queue' | 'job' | 'reason'> | undefined) ??
      new client.Counter({
        name: 'tandem_jobs_failed_total',
        help: 'Jobs that failed for good (no retry left or not retryable), by queue, job name and reason',
        labelNames: ['queue', 'job', 'reason'],
        registers: [opts.registry],
      });
  }

  get logger(): Logger {
    return this.opts.logger;
  }

  /** The BullMQ queue of a feature. */
  queue(name: JobQueue): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no job queue ${name}`);
    return queue;
  }

  get allQueues(): Queue[] {
    return [...this.queues.values()];
  }

  /** Adds a job declaration; its name must belong to `queue`. */
  declare(queue: JobQueue, declaration: JobDeclaration): this {
    if (queueOf(declaration.name) !== queue) throw new Error(`job ${declaration.name} does not belong to the ${queue} queue`);
    this.declarations.set(declaration.name, declaration);
    return this;
  }

  get names(): string[] {
    return [...this.declarations.keys()];
  }

  /**
   * Group commit: jobs enqueued while an `addBulk` of their queue is in flight go together in the next one (a burst
   * of alerts queues its steps in a few round trips); a job alone goes at once. Each caller settles with its batch.
   */
  enqueue(name: string, data: Record<string, unknown>, opts: { jobId: string; at?: Date }): Promise<void> {
    const queue = queueOf(name);
    const job = this.bullJob({ name, data, opts });
    return new Promise((resolve, reject) => {
      const pending = this.pendingAdds.get(queue) ?? [];
      pending.push({ job, resolve, reject });
      this.pendingAdds.set(queue, pending);
      if (!this.adding.has(queue)) {
        this.adding.add(queue);
        setImmediate(() => void this.drainAdds(queue));
      }
    });
  }

  /** Adds the queued jobs of `queue` in bulk until none are left; one `addBulk` in flight per queue. */
  private async drainAdds(queue: JobQueue): Promise<void> {
    for (let batch = this.takeAdds(queue); batch.length > 0; batch = this.takeAdds(queue)) {
      try {
        await this.queue(queue).addBulk(batch.map((p) => p.job));
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err as Error);
      }
    }
    this.adding.delete(queue);
  }

  private takeAdds(queue: JobQueue): PendingAdd[] {
    const pending = this.pendingAdds.get(queue) ?? [];
    this.pendingAdds.set(queue, pending.slice(BULK_ADD));
    return pending.slice(0, BULK_ADD);
  }

  async enqueueMany(jobs: readonly QueuedJob[]): Promise<void> {
    const byQueue = new Map<JobQueue, ReturnType<Jobs['bullJob']>[]>();
    for (const job of jobs) {
      const queue = queueOf(job.name);
      const bulk = byQueue.get(queue) ?? [];
      bulk.push(this.bullJob(job));
      byQueue.set(queue, bulk);
    }
    for (const [queue, bulk] of byQueue) {
      for (let i = 0; i < bulk.length; i += BULK_ADD) await this.queue(queue).addBulk(bulk.slice(i, i + BULK_ADD));
    }
  }

  /** A job as BullMQ takes it. Delays come from the injected clock: the demo clock runs ahead of the wall clock. */
  private bullJob({ name, data, opts }: QueuedJob): { name: string; data: Record<string, unknown>; opts: { jobId: string; delay: number } } {
    const delay = opts.at ? Math.max(0, opts.at.getTime() - this.opts.clock.now().getTime()) : 0;
    const payload = opts.at ? { ...data, [DUE_AT]: opts.at.getTime() } : data;
    return { name, data: payload, opts: { jobId: bullJobId(opts.jobId), delay } };
  }

  async requeue(name: string, data: Record<string, unknown>, opts: { jobId: string; at?: Date }): Promise<boolean> {
    const job = await this.queue(queueOf(name)).getJob(bullJobId(opts.jobId));
    if (!job) {
      await this.enqueue(name, data, opts);
      return true;
    }
    if ((await job.getState()) !== 'failed') return false;
    // Two processes sweeping at once: the second retry finds the job no longer failed and throws; it is queued.
    return job.retry('failed').then(
      () => true,
      () => false,
    );
  }

  async cancel(jobId: string): Promise<void> {
    const job = await this.queue(queueOf(jobId)).getJob(bullJobId(jobId));
    if (!job) return;
    const state = await job.getState();
    if (state === 'delayed' || state === 'waiting' || state === 'prioritized') await job.remove().catch(() => undefined);
  }

  async discard(jobId: string): Promise<void> {
    await this.queue(queueOf(jobId)).remove(bullJobId(jobId));
  }

  async upsertRecurring(id: string, schedule: { pattern: string; timeZone: string }, name: string, data: Record<string, unknown>): Promise<void> {
    const queue = queueOf(name);
    // removeRecurring only has the id: it must name the same queue as the job.
    if (queueOf(id) !== queue) throw new Error(`schedule ${id} and its job ${name} name different queues`);
    await this.queue(queue).upsertJobScheduler(bullJobId(id), { pattern: schedule.pattern, tz: schedule.timeZone }, { name, data });
  }

  async removeRecurring(id: string): Promise<void> {
    await this.queue(queueOf(id)).removeJobScheduler(bullJobId(id));
  }

  /**
   * Starts one worker per queue, each with its own concurrency. A separate
   * process may run workers alone: nothing here is process-local state.
   */
  start(concurrency: Partial<Record<JobQueue, number>> = {}): void {
    if (this.workerConnection) return;
    const connection = this.connection.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
    connection.on('error', (err) => this.opts.logger.debug({ err: err.message }, 'worker connection error'));
    this.workerConnection = connection;
    for (const [name, queue] of this.queues) {
      // BullMQ duplicates `connection` for each worker's blocking reads and closes those itself.
      const worker = new Worker(queue.name, (job, token) => this.run(name, job, token), {
        connection,
        prefix: this.opts.prefix,
        concurrency: concurrency[name] ?? CONCURRENCY[name],
        // A job whose worker died (kill -9, OOM, a lost host) is taken up again by the stalled-job check; BullMQ's
        // default fails it after one such stall, which would lose the work of a process that crashed twice.
        maxStalledCount: MAX_STALLS,
      });
      worker.on('failed', (job, err) => this.failed(name, job, err));
      worker.on('error', (err) => this.opts.logger.warn({ err: err.message, queue: name }, 'worker error'));
      this.workers.push(worker);
    }
  }

  /**
   * Stops taking jobs, lets running ones finish, closes the queues and the workers' connections. `settle` runs
   * once the workers have finished their jobs and before the queues close, so that work started in process (first
   * escalation steps) can still discard or bring forward its jobs.
   */
  async close(settle?: () => Promise<void>): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await settle?.();
    await Promise.all(this.allQueues.map((q) => q.close()));
    const connection = this.workerConnection;
    this.workerConnection = undefined;
    // BullMQ does not close a connection it was given: without this one stays open and the process never exits.
    if (connection) await closeRedis(connection);
  }

  private async run(queue: JobQueue, job: Job, token?: string): Promise<void> {
    const declaration = this.declarations.get(job.name);
    if (!declaration) throw new JobRefusal('unknown_job', `no handler for job ${job.name} on the ${queue} queue`);
    const parsed = declaration.schema.safeParse(job.data);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
      this.opts.logger.error({ queue, job: job.name, jobId: job.id, issues }, 'job payload does not match its schema; failed without retry');
      throw new JobRefusal('invalid_payload', `invalid payload for ${job.name}: ${issues.join('; ')}`);
    }
    try {
      await declaration.handle(parsed.data, { id: job.id, attempt: job.attemptsMade + 1 });
    } catch (err) {
      // A domain refusal will not change on retry.
      if (isDomainError(err) && err.code !== 'unavailable') throw new JobRefusal('refused', `${err.code}: ${err.message}`);
      // Unavailable until a known instant (a message key another worker holds until then): the job waits for it
      // without spending one of its attempts, which a hold longer than the backoff would otherwise use up.
      const retryAt = isDomainError(err) ? err.details?.retryAt : undefined;
      if (retryAt instanceof Date && token) {
        await job.moveToDelayed(Date.now() + Math.max(0, retryAt.getTime() - this.opts.clock.now().getTime()) + RETRY_AT_MARGIN_MS, token);
        throw new DelayedError();
      }
      throw err;
    }
  }

  private failed(queue: JobQueue, job: Job | undefined, err: Error): void {
    const final = err instanceof UnrecoverableError || !job || job.attemptsMade >= (job.opts.attempts ?? 1);
    this.opts.logger.warn({ err, queue, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, final }, 'job failed');
    if (final) this.failures.inc({ queue, job: job?.name ?? 'unknown', reason: err instanceof JobRefusal ? err.reason : 'error' });
  }
}
