import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { Jobs } from '../../src/jobs/scheduler.js';
import { dropQueueKeys, isolatedNames } from '../support/stack.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const until = async (check: () => boolean | Promise<boolean>, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('jobs on a real Redis', () => {
  const { prefix } = isolatedNames('jobs');
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  let a: Jobs;
  let b: Jobs;
  const runs: string[] = [];

  beforeAll(() => {
    // Two workers on one queue, as two Tandem processes would run.
    a = new Jobs(redis, { prefix, logger: silent });
    b = new Jobs(redis, { prefix, logger: silent });
    for (const jobs of [a, b]) {
      jobs.handle('note', async (data) => {
        runs.push(String(data.what));
      });
      jobs.handle('refuse', async () => {
        throw new DomainError('forbidden', 'never');
      });
      jobs.start(4);
    }
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    redis.disconnect();
    await dropQueueKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix);
  });

  it('runs a job once per domain id, however often it is enqueued and by whom', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).enqueue('note', { what: 'prompt' }, { jobId: 'checkin.prompt:p1:2026-W47' })));
    await a.enqueue('note', { what: 'other' }, { jobId: 'checkin.prompt:p2:2026-W47' });
    await until(() => runs.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(runs.sort()).toEqual(['other', 'prompt']);
  });

  it('delays a job until its time and can cancel a pending one', async () => {
    await a.enqueue('note', { what: 'later' }, { jobId: 'later', at: new Date(Date.now() + 300) });
    await a.enqueue('note', { what: 'cancelled' }, { jobId: 'cancelled', at: new Date(Date.now() + 300) });
    await a.cancel('cancelled');
    expect(runs).not.toContain('later');
    await until(() => runs.includes('later'));
    await new Promise((r) => setTimeout(r, 400));
    expect(runs).not.toContain('cancelled');
  });

  it('does not retry a domain refusal', async () => {
    await a.enqueue('refuse', {}, { jobId: 'refuse-1' });
    await until(async () => (await a.queue.getJob('refuse-1'))?.failedReason !== undefined);
    const job = await a.queue.getJob('refuse-1');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toContain('forbidden: never');
  });

  it('keeps one recurring schedule per id, read in its time zone', async () => {
    await a.upsertRecurring('checkin:team1:Europe/Berlin', { pattern: '0 15 * * 5', timeZone: 'Europe/Berlin' }, 'note', { what: 'weekly' });
    await b.upsertRecurring('checkin:team1:Europe/Berlin', { pattern: '0 15 * * 5', timeZone: 'Europe/Berlin' }, 'note', { what: 'weekly' });
    const schedulers = await a.queue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ pattern: '0 15 * * 5', tz: 'Europe/Berlin' });
    const next = new Date(schedulers[0]?.next ?? 0);
    const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(next);
    expect(berlin).toBe('Fri 15:00');
    await a.removeRecurring('checkin:team1:Europe/Berlin');
    expect(await a.queue.getJobSchedulers()).toHaveLength(0);
  });
});
