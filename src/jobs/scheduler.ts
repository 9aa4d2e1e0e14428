import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import type { Scheduler } from '../core/ports.js';
import { isDomainError } from '../core/errors.js';

export type JobHandler = (data: Record<string, unknown>, job: { id: string | undefined; attempt: number }) => Promise<void>;

/** BullMQ forbids ':' in custom ids; domain keys use it, so it is swapped for a character ids never contain. */
/** How many worker deaths one job survives before it is failed (and kept in the failed set). */
const MAX_STALLS = 20;

export const bullJobId = (id: string): string => id.replaceAll(':', '|');

/**
 * The jobs layer: one BullMQ queue for Tandem's rhythm (prompts, reminders,
 * summaries, escalations), with recurring schedulers (cron + IANA zone) and
 * delayed one-off jobs whose ids come from the domain, so the same job is
 * never queued twice. Handlers are core use cases registered by name.
 */
export class Jobs implements Scheduler {
  readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly handlers = new Map<string, JobHandler>();

  constructor(
    private readonly connection: Redis,
    private readonly opts: { prefix: string; logger: Logger; queueName?: string },
  ) {
    this.queue = new Queue(opts.queueName ?? 'rhythm', {
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
    this.queue.on('error', (err) => opts.logger.warn({ err: err.message }, 'queue error'));
  }

  handle(name: string, handler: JobHandler): this {
    this.handlers.set(name, handler);
    return this;
  }

  get names(): string[] {
    return [...this.handlers.keys()];
  }

  async enqueue(name: string, data: Record<string, unknown>, opts: { jobId: string; at?: Date }): Promise<void> {
    const delay = opts.at ? Math.max(0, opts.at.getTime() - Date.now()) : 0;
    await this.queue.add(name, data, { jobId: bullJobId(opts.jobId), delay });
  }

  async cancel(jobId: string): Promise<void> {
    const job = await this.queue.getJob(bullJobId(jobId));
    if (!job) return;
    const state = await job.getState();
    if (state === 'delayed' || state === 'waiting' || state === 'prioritized') await job.remove().catch(() => undefined);
  }

  async upsertRecurring(id: string, schedule: { pattern: string; timeZone: string }, name: string, data: Record<string, unknown>): Promise<void> {
    await this.queue.upsertJobScheduler(bullJobId(id), { pattern: schedule.pattern, tz: schedule.timeZone }, { name, data });
  }

  async removeRecurring(id: string): Promise<void> {
    await this.queue.removeJobScheduler(bullJobId(id));
  }

  /** Starts processing. A separate process may run workers alone: nothing here is process-local state. */
  start(concurrency = 8): Worker {
    this.worker ??= new Worker(this.queue.name, (job) => this.run(job), {
      // Workers block on Redis and must ride out outages: retry commands forever and queue them while reconnecting.
      connection: this.connection.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true }),
      prefix: this.opts.prefix,
      concurrency,
      // A job whose worker died (kill -9, OOM, a lost host) is taken up again by the stalled-job check; BullMQ's
      // default fails it after one such stall, which would lose the work of a process that crashed twice.
      maxStalledCount: MAX_STALLS,
    });
    this.worker.on('failed', (job, err) => this.opts.logger.warn({ err, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade }, 'job failed'));
    this.worker.on('error', (err) => this.opts.logger.warn({ err: err.message }, 'worker error'));
    return this.worker;
  }

  /** Stops taking jobs, lets running ones finish, closes the queue. */
  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }

  private async run(job: Job): Promise<void> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
    try {
      await handler(job.data as Record<string, unknown>, { id: job.id, attempt: job.attemptsMade + 1 });
    } catch (err) {
      // A domain refusal will not change on retry.
      if (isDomainError(err) && err.code !== 'unavailable') throw new UnrecoverableError(`${err.code}: ${err.message}`);
      throw err;
    }
  }
}
