import type { z } from 'zod';

/**
 * Each feature runs its jobs on its own queue, so a long fan-out in one (a
 * 10,000-person check-in, a burst of KPI samples to judge) never delays
 * another (an alert escalation).
 */
export const JOB_QUEUES = ['checkins', 'recognition', 'kpis', 'alerts', 'surveys', 'scorecards', 'system'] as const;
export type JobQueue = (typeof JOB_QUEUES)[number];

/**
 * The queue of a job is named by the first word of its name, job id or
 * recurring-schedule id (the text before the first '.', ':' or '|'):
 * `checkin.prompt`, `checkin.prompt:<person>:<week>` and `checkin:<team>:<zone>`
 * all belong to the check-ins queue. That is how the Scheduler port knows
 * the queue from what a use case already passes it.
 */
const PREFIXES: Readonly<Record<string, JobQueue>> = {
  checkin: 'checkins',
  kudos: 'recognition',
  alert: 'alerts',
  escalation: 'alerts',
  oncall: 'alerts',
  kpi: 'kpis',
  survey: 'surveys',
  scorecard: 'scorecards',
  retention: 'system',
  system: 'system',
};

/** The queue a job name, job id or schedule id belongs to; throws on a word no feature owns. */
export function queueOf(nameOrId: string): JobQueue {
  const word = /^[a-z]+/i.exec(nameOrId)?.[0] ?? '';
  const queue = PREFIXES[word.toLowerCase()];
  if (!queue) throw new Error(`no job queue for "${nameOrId}": job names and ids start with one of ${Object.keys(PREFIXES).join(', ')}`);
  return queue;
}

/** What a handler knows about the run it is part of. */
export interface JobRun {
  id: string | undefined;
  attempt: number;
}

/** One job: its name, the zod schema of its payload, and the use case it runs (one call). */
export interface JobDeclaration<T = unknown> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
  // Method syntax on purpose: a list of declarations with different payloads is a JobDeclaration[].
  handle(data: T, run: JobRun): Promise<unknown>;
}

export function defineJob<S extends z.ZodType>(name: string, schema: S, handle: (data: z.output<S>, run: JobRun) => Promise<unknown>): JobDeclaration<z.output<S>> {
  return { name, schema: schema as z.ZodType<z.output<S>>, handle };
}

/** A recurring schedule: a cron pattern read in an IANA time zone, queuing the named job. */
export interface RecurringJob {
  id: string;
  pattern: string;
  timeZone: string;
  name: string;
  data: Record<string, unknown>;
}

/** Everything one feature runs in the background. */
export interface FeatureJobs {
  queue: JobQueue;
  jobs: readonly JobDeclaration[];
  recurring: readonly RecurringJob[];
  /** Runs once when the jobs are registered. */
  atStart?: () => Promise<void>;
  /**
   * Rebuilds from MongoDB what the feature keeps in Redis (its per-team or per-zone recurring schedules): at boot,
   * after every Redis reconnect and on the reconcile timer (RECONCILE_INTERVAL_MS), so a Redis that lost its data
   * fires again without a restart. Must be safe to run any time, in every process at once.
   */
  reconcile?: () => Promise<unknown>;
  /**
   * Puts back work that is due and not done (e.g. this week's prompts nobody sent), right after `reconcile`: the
   * pending jobs a Redis that lost its data forgot. Requeues under the same domain job ids
   * (`Scheduler.requeue`), so a job still queued is never doubled; returns how many it requeued.
   */
  sweep?: () => Promise<number>;
}

/** Declares a feature's jobs; every name and schedule id must belong to the feature's queue. */
export function defineJobs(queue: JobQueue, spec: Omit<FeatureJobs, 'queue' | 'recurring'> & { recurring?: readonly RecurringJob[] }): FeatureJobs {
  const recurring = spec.recurring ?? [];
  for (const key of [...spec.jobs.map((j) => j.name), ...recurring.flatMap((r) => [r.id, r.name])]) {
    if (queueOf(key) !== queue) throw new Error(`job "${key}" does not belong to the ${queue} queue`);
  }
  return { ...spec, queue, recurring };
}
