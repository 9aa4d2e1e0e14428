import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullJobId } from '../../src/jobs/scheduler.js';
import { kpiApi } from '../support/kpis.js';
import { dropQueueKeys, startTestTandem } from '../support/stack.js';

/*
 * Samples written but never judged (their detection job lost with Redis, or a
 * process killed between writing them and queuing the job) are put back by the
 * KPIs' sweep, under the id the sample path gives the job. No workers: the
 * test runs detection itself.
 */
describe('the KPI sweep queues again the detection of samples left unjudged', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let api: Awaited<ReturnType<typeof kpiApi>>;
  const t0 = new Date('2026-10-01T00:00:00Z');

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false' }, { clock: { now: () => new Date('2026-11-25T12:00:00Z') }, workers: false });
    const lena = await tandem.store.people.create({ name: 'Lena Fischer', email: 'lena@example.com', roles: ['manager'] });
    const team = await tandem.store.teams.create({ name: 'Shop', managerId: lena.id, memberIds: [] });
    api = await kpiApi(tandem, team, t0);
    await api.define('orders');
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  it('requeues once, only while samples wait, never beside the job the sample path queued', async () => {
    await api.post('orders', [100, 101, 102]);
    // The job the request queued is still there: the sweep finds it under the same id and adds nothing.
    expect(await tandem.core.kpis.sweep()).toBe(0);
    await dropQueueKeys(tandem.config.REDIS_URL, tandem.config.QUEUE_PREFIX);
    expect(await tandem.core.kpis.sweep()).toBe(1);
    expect(await tandem.core.kpis.sweep()).toBe(0);
    // Judged: nothing waits, so a Redis emptied again needs nothing back.
    expect(await tandem.core.kpis.detect('orders')).toBe(3);
    await dropQueueKeys(tandem.config.REDIS_URL, tandem.config.QUEUE_PREFIX);
    expect(await tandem.core.kpis.sweep()).toBe(0);
  });

  it('a detection job that finds the lease held while samples wait comes back when it runs out', async () => {
    await api.post('orders', [103, 104], 3);
    // A holder that died 30 s into its lease (a request or job killed while judging).
    const now = new Date('2026-11-25T12:00:00Z');
    expect(await tandem.store.kpis.lease('orders', 'dead', new Date(now.getTime() - 30_000), 60_000, 10)).not.toBeNull();
    expect(await tandem.core.kpis.detectQueued('orders')).toBe(0);
    const until = now.getTime() + 30_000;
    const job = await tandem.jobs.queue('kpis').getJob(bullJobId(`kpi.detect:orders:held:${until}`));
    expect(job?.data).toMatchObject({ kpiKey: 'orders' });
    expect(await job?.isDelayed()).toBe(true);
    // When it runs, the lease has run out (here: given back) and the samples are judged.
    await tandem.store.kpis.release('orders', 'dead');
    expect(await tandem.core.kpis.detectQueued('orders')).toBe(2);
    // Nothing waits: a job finds nothing to come back for.
    const delayed = await tandem.jobs.queue('kpis').getDelayedCount();
    expect(await tandem.core.kpis.detectQueued('orders')).toBe(0);
    expect(await tandem.jobs.queue('kpis').getDelayedCount()).toBe(delayed);
  });
});
