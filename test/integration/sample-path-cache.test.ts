import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { kpiApi } from '../support/kpis.js';
import { eventually } from '../support/servers.js';
import { dropTestData, startTestTandem } from '../support/stack.js';

type Tandem = Awaited<ReturnType<typeof startTestTandem>>;

/**
 * The admin token and the KPI definition are read on every sample request
 * from the store's cache (kinds `token` and `kpi`): two Tandem processes on
 * one database and queue prefix, each with its own cache. A revoked token is
 * refused by the process that revoked it from the moment the revoke returned,
 * and by the other as soon as the invalidation arrives (not 10 s later); a
 * KPI changed in one process is used by the other's next request.
 */
describe('the sample path reads its token and KPI from the cache, never a stale one', () => {
  let a: Tandem;
  let b: Tandem;
  /** The admin API of process B (from the KPI test on). */
  let onB: Awaited<ReturnType<typeof kpiApi>>;
  const clock = { now: () => new Date('2026-11-25T12:00:00Z') };

  const mint = async (name: string) => {
    const secret = generateToken();
    await a.store.tokens.create({ name, hash: hashToken(secret), scopes: ['admin'] });
    return secret;
  };
  const statusOf = async (tandem: Tandem, secret: string) => (await fetch(`${tandem.url}/api/v1/kpis`, { headers: { authorization: `Bearer ${secret}` } })).status;

  beforeAll(async () => {
    const env = { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false' };
    a = await startTestTandem(env, { clock, workers: false });
    b = await startTestTandem({ ...env, MONGODB_URI: a.config.MONGODB_URI, QUEUE_PREFIX: a.config.QUEUE_PREFIX }, { clock, workers: false });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    if (a) await dropTestData(a.config);
  });

  it('refuses a revoked token in its process from the moment the revoke returned, and in the other at once', async () => {
    const secret = await mint('feeder');
    expect(await statusOf(a, secret)).toBe(200);
    expect(await statusOf(b, secret)).toBe(200);
    // Cached now: the token's document changed behind the store's back is not seen (there is a cache).
    await a.store.models.ApiToken.updateOne({ name: 'feeder' }, { $set: { scopes: ['people:read'] } });
    expect(await statusOf(a, secret)).toBe(200);

    // Requests keep arriving on both processes while the token is revoked.
    let revokedAt = Infinity;
    let stop = false;
    const seen: { tandem: 'a' | 'b'; sentAt: number; status: number }[] = [];
    const stream = async (tandem: 'a' | 'b') => {
      while (!stop) {
        const sentAt = performance.now();
        seen.push({ tandem, sentAt, status: await statusOf(tandem === 'a' ? a : b, secret) });
      }
    };
    const streams = [...Array.from({ length: 4 }, () => stream('a')), stream('b')];
    await new Promise((r) => setTimeout(r, 100));
    expect(await a.store.tokens.revoke('feeder', new Date())).toBe(true);
    revokedAt = performance.now();
    expect(await statusOf(a, secret)).toBe(401);
    await eventually(async () => (await statusOf(b, secret)) === 401, 1_000, 'the other process refuses the token');
    await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await Promise.all(streams);

    expect(seen.some((s) => s.sentAt < revokedAt && s.status === 200)).toBe(true);
    expect(seen.filter((s) => s.tandem === 'a' && s.sentAt > revokedAt).map((s) => s.status)).toEqual(expect.arrayContaining([401]));
    expect(seen.filter((s) => s.tandem === 'a' && s.sentAt > revokedAt && s.status !== 401)).toEqual([]);
  });

  it('drops a token revoked with npm run admin:token from running processes at once', async () => {
    const secret = await mint('spawned');
    expect(await statusOf(a, secret)).toBe(200);
    expect(await statusOf(b, secret)).toBe(200);
    const env = { ...process.env, MONGODB_URI: a.config.MONGODB_URI, QUEUE_PREFIX: a.config.QUEUE_PREFIX, REDIS_URL: a.config.REDIS_URL };
    await promisify(execFile)('npx', ['tsx', 'scripts/admin-token.ts', '--revoke', 'spawned'], { env });
    // Well before the cached entries' 10 s.
    const refused = performance.now();
    expect(await statusOf(a, secret)).toBe(401);
    expect(await statusOf(b, secret)).toBe(401);
    expect(performance.now() - refused).toBeLessThan(5_000);
  }, 90_000);

  it("judges and validates with a KPI changed in the other process from the other's next request", async () => {
    const lena = await a.store.people.create({ name: 'Lena Fischer', email: 'lena@example.com', roles: ['manager'] });
    const team = await a.store.teams.create({ name: 'Shop', managerId: lena.id, memberIds: [] });
    const t0 = new Date('2026-11-25T12:30:00Z'); // after the change's version takes effect (now)
    onB = await kpiApi(b, team, t0);
    const definition = { key: 'latency', name: 'Latency', unit: 'ms', direction: 'lower_is_better', target: 100, thresholds: { amber: 200, red: 300 }, perspective: 'process', ownerTeamId: team.id, cadence: 'PT1H' };
    await a.core.kpis.create({ ...definition, bounds: { min: 0, max: 1_000 } }, 'test');
    // B reads the KPI for its request and its judgement: cached from now on.
    await onB.post('latency', [120]);
    expect(await b.core.kpis.detect('latency')).toBe(1);

    // Changed through process A's use case.
    await a.core.kpis.change('latency', { target: 90, thresholds: { amber: 150, red: 250 }, bounds: { min: 0, max: 500 } }, 'test');
    const outOfNewBounds = await onB.call('POST', '/kpis/latency/samples', { at: onB.hour(1), value: 600 });
    expect(outOfNewBounds.status).toBe(422);
    await onB.post('latency', [160], 1);
    expect(await b.core.kpis.detect('latency')).toBe(1);
    const [second] = (await onB.call('GET', `/kpis/latency/samples?from=${onB.hour(1)}`)).body.items;
    expect(second).toMatchObject({ value: 160, version: 2, rag: 'amber' });
    // The newest sample's instant is noted on the tail, and read with the KPI.
    expect((await a.core.kpis.get('latency')).lastSampleAt).toEqual(new Date(onB.hour(1)));
  });

  it('folds a breach into the open alert when the tail wrongly notes its rule as closed (a run answers from what it knows)', async () => {
    await onB.define('errors', { bounds: { min: 0, max: 1_000 } });
    await onB.post('errors', [400]);
    expect(await b.core.kpis.detect('errors')).toBe(1);
    expect((await onB.alertsOf('errors')).map((x) => [x.rule, x.count, x.status])).toEqual([['threshold', 1, 'open']]);
    // A note lost (e.g. a crash between opening and writing the tail): the run believes no alert is open.
    await b.store.conn.collection('kpi_tails').updateOne({ _id: 'errors' as never }, { $set: { openRules: [] } });
    await onB.post('errors', [410], 1);
    expect(await b.core.kpis.detect('errors')).toBe(1);
    expect((await onB.alertsOf('errors')).map((x) => [x.rule, x.count, x.status])).toEqual([['threshold', 2, 'open']]);
  });
});
