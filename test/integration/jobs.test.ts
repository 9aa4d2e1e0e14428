import { Redis } from 'ioredis';
import client from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OffsetClock } from '../../src/core/clock.js';
import { DomainError } from '../../src/core/errors.js';
import { defineJob, defineJobs, queueOf } from '../../src/core/job-declarations.js';
import type { Logger } from '../../src/core/logger.js';
import { registerJobs } from '../../src/jobs/register.js';
import { Jobs } from '../../src/jobs/scheduler.js';
import { dropQueueKeys, isolatedNames } from '../support/stack.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const until = async (check: () => boolean | Promise<boolean>, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('job queues: one per feature', () => {
  it('routes a job name, job id or schedule id to its feature queue by its first word', () => {
    expect(queueOf('checkin.prompt')).toBe('checkins');
    expect(queueOf('checkin.remind:abc:1')).toBe('checkins');
    expect(queueOf('checkin:team1:Europe/Berlin')).toBe('checkins');
    expect(queueOf('kudos.deliver')).toBe('recognition');
    expect(queueOf('escalation.step')).toBe('alerts');
    expect(queueOf('retention')).toBe('system');
    expect(() => queueOf('mystery.job')).toThrow(/no job queue for "mystery.job"/);
    expect(() => defineJobs('alerts', { jobs: [defineJob('checkin.fire', z.object({}), async () => undefined)] })).toThrow(/does not belong to the alerts queue/);
  });
});

describe('jobs on a real Redis', () => {
  const { prefix } = isolatedNames('jobs');
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  // Time as the demo sees it: a day ahead of the wall clock.
  const clock = new OffsetClock();
  clock.advanceTo(new Date(Date.now() + 86_400_000));
  let a: Jobs;
  let b: Jobs;
  const runs: string[] = [];
  const held: number[] = [];

  beforeAll(async () => {
    // Two workers on one set of queues, as two Tandem processes would run.
    a = new Jobs(redis, { prefix, logger: silent, clock, registry: new client.Registry() });
    b = new Jobs(redis, { prefix, logger: silent, clock, registry: new client.Registry() });
    for (const jobs of [a, b]) {
      await registerJobs(jobs, [
        defineJobs('system', {
          jobs: [
            defineJob('system.note', z.object({ what: z.string() }), async (d) => runs.push(d.what)),
            defineJob('system.refuse', z.object({}), async () => {
              throw new DomainError('forbidden', 'never');
            }),
            // Busy until 150 ms after it was first tried, eight times over (more than a job's five attempts).
            defineJob('system.held', z.object({}), async () => {
              held.push(clock.now().getTime());
              if (held.length <= 8) throw new DomainError('unavailable', 'held elsewhere', { retryAt: new Date(held[0]! + 150 * held.length) });
              runs.push('held');
            }),
          ],
        }),
      ]);
      jobs.start({ system: 4 });
    }
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    redis.disconnect();
    await dropQueueKeys(REDIS_URL, prefix);
  });

  it('runs a job once per domain id, however often it is enqueued and by whom', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).enqueue('system.note', { what: 'prompt' }, { jobId: 'system.note:p1:2026-W47' })));
    await a.enqueue('system.note', { what: 'other' }, { jobId: 'system.note:p2:2026-W47' });
    await until(() => runs.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(runs.sort()).toEqual(['other', 'prompt']);
  });

  it('queues many jobs in bulk, each once per domain id, delayed on the injected clock', async () => {
    await a.enqueue('system.note', { what: 'bulk-0' }, { jobId: 'system.bulk:0' });
    const bulk = Array.from({ length: 600 }, (_, i) => ({ name: 'system.note', data: { what: `bulk-${i}` }, opts: { jobId: `system.bulk:${i}` } }));
    await Promise.all([a.enqueueMany(bulk), b.enqueueMany(bulk)]);
    await a.enqueueMany([{ name: 'system.note', data: { what: 'bulk-later' }, opts: { jobId: 'system.bulk:later', at: new Date(clock.now().getTime() + 300) } }]);
    expect((await a.queue('system').getJob('system.bulk|later'))?.delay).toBeLessThanOrEqual(300);
    await until(() => runs.filter((r) => r.startsWith('bulk-')).length >= 601);
    await new Promise((r) => setTimeout(r, 200));
    const ran = runs.filter((r) => r.startsWith('bulk-'));
    expect(ran).toHaveLength(601);
    expect(new Set(ran).size).toBe(601);
  });

  it('delays a job until its time on the injected clock and can cancel a pending one', async () => {
    await a.enqueue('system.note', { what: 'later' }, { jobId: 'system.later', at: new Date(clock.now().getTime() + 300) });
    await a.enqueue('system.note', { what: 'cancelled' }, { jobId: 'system.cancelled', at: new Date(clock.now().getTime() + 300) });
    await a.cancel('system.cancelled');
    expect(runs).not.toContain('later');
    const job = await a.queue('system').getJob('system.later');
    expect(job?.delay).toBeLessThanOrEqual(300);
    await until(() => runs.includes('later'));
    await new Promise((r) => setTimeout(r, 400));
    expect(runs).not.toContain('cancelled');
  });

  it('does not retry a domain refusal', async () => {
    await a.enqueue('system.refuse', {}, { jobId: 'system.refuse-1' });
    await until(async () => (await a.queue('system').getJob('system.refuse-1'))?.failedReason !== undefined);
    const job = await a.queue('system').getJob('system.refuse-1');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toContain('forbidden: never');
  });

  it('runs a job that is unavailable until a known instant again at that instant, without spending its attempts', async () => {
    await a.enqueue('system.held', {}, { jobId: 'system.held-1' });
    await until(() => runs.includes('held'));
    expect(held).toHaveLength(9);
    // Each retry came at its instant on the injected clock (a day ahead of the wall clock), not after a backoff.
    held.slice(1).forEach((at, i) => expect(at).toBeGreaterThanOrEqual(held[0]! + 150 * (i + 1)));
    expect(held[8]! - held[0]!).toBeLessThan(150 * 8 + 8 * 1_000);
    const job = await a.queue('system').getJob('system.held-1');
    expect(job?.attemptsMade).toBeLessThanOrEqual(1);
  });

  it('keeps one recurring schedule per id, read in its time zone', async () => {
    await a.upsertRecurring('system:team1:Europe/Berlin', { pattern: '0 15 * * 5', timeZone: 'Europe/Berlin' }, 'system.note', { what: 'weekly' });
    await b.upsertRecurring('system:team1:Europe/Berlin', { pattern: '0 15 * * 5', timeZone: 'Europe/Berlin' }, 'system.note', { what: 'weekly' });
    const schedulers = await a.queue('system').getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ pattern: '0 15 * * 5', tz: 'Europe/Berlin' });
    const next = new Date(schedulers[0]?.next ?? 0);
    const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(next);
    expect(berlin).toBe('Fri 15:00');
    await a.removeRecurring('system:team1:Europe/Berlin');
    expect(await a.queue('system').getJobSchedulers()).toHaveLength(0);
    await expect(a.upsertRecurring('kudos:x', { pattern: '* * * * *', timeZone: 'UTC' }, 'system.note', {})).rejects.toThrow(/different queues/);
  });
});

describe('feature queues on a real Redis', () => {
  const { prefix } = isolatedNames('queues');
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const registry = new client.Registry();
  const errors: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
  const logger: Logger = { ...silent, error: (obj: object | string, msg?: string) => void errors.push({ obj: typeof obj === 'string' ? {} : (obj as Record<string, unknown>), msg }) };
  const jobs = new Jobs(redis, { prefix, logger, clock: new OffsetClock(), registry });
  let prompted = 0;
  let alerted: number | undefined;

  beforeAll(async () => {
    await registerJobs(jobs, [
      defineJobs('checkins', {
        jobs: [
          defineJob('checkin.prompt', z.object({ personId: z.string() }), async () => {
            await new Promise((r) => setTimeout(r, 20));
            prompted += 1;
          }),
        ],
      }),
      defineJobs('alerts', {
        jobs: [
          defineJob('alert.raise', z.object({ alertId: z.string() }), async () => {
            alerted = Date.now();
          }),
        ],
      }),
    ]);
  });
  afterAll(async () => {
    await jobs.close();
    redis.disconnect();
    await dropQueueKeys(REDIS_URL, prefix);
  });

  it('runs an alert at once while 5,000 check-in prompts wait on their own queue', async () => {
    const prompts = Array.from({ length: 5_000 }, (_, i) => ({ name: 'checkin.prompt', data: { personId: `p${i}` }, opts: { jobId: `checkin.prompt|p${i}|2026-W48` } }));
    for (let from = 0; from < prompts.length; from += 1_000) await jobs.queue('checkins').addBulk(prompts.slice(from, from + 1_000));
    jobs.start();
    await until(() => prompted > 0);
    const raisedAt = Date.now();
    await jobs.enqueue('alert.raise', { alertId: 'a1' }, { jobId: 'alert.raise:a1' });
    await until(() => alerted !== undefined, 5_000);
    expect(alerted! - raisedAt).toBeLessThan(1_000);
    const waiting = await jobs.queue('checkins').getWaitingCount();
    expect(waiting).toBeGreaterThan(4_000);
    expect(prompted).toBeLessThan(1_000);
  });

  it('fails a job whose payload does not match its schema: no retry, logged with its id, kept, counted', async () => {
    await jobs.enqueue('alert.raise', { alert: 42 }, { jobId: 'alert.raise:bad' });
    const queue = jobs.queue('alerts');
    await until(async () => (await queue.getJob('alert.raise|bad'))?.failedReason !== undefined);
    const job = await queue.getJob('alert.raise|bad');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toMatch(/invalid payload for alert.raise: alertId: /);
    expect((await queue.getFailed()).map((j) => j.id)).toContain('alert.raise|bad');
    expect(errors).toContainEqual({ obj: expect.objectContaining({ queue: 'alerts', job: 'alert.raise', jobId: 'alert.raise|bad' }), msg: expect.stringContaining('does not match its schema') });
    await until(async () => (await registry.metrics()).includes('reason="invalid_payload"'));
    expect(await registry.metrics()).toContain('tandem_jobs_failed_total{queue="alerts",job="alert.raise",reason="invalid_payload"} 1');
  });
});
