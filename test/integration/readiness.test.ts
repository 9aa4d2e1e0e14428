import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/core/job-declarations.js';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { startTestTandem } from '../support/stack.js';
import { eventually, freePort, OwnServer } from '../support/servers.js';

/**
 * Outages of Redis and MongoDB: this file starts its OWN redis-server and its
 * OWN FerretDB on free ports (never the shared stack), points a Tandem at them,
 * kills and restarts them, and checks /readyz follows and Tandem survives.
 */
describe('readiness through Redis and MongoDB outages', () => {
  let redis: OwnServer;
  let ferret: OwnServer;
  let dataDir: string;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;

  const readyz = async () => {
    const res = await fetch(`${tandem.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
  };
  const isReady = async () => (await readyz()).status === 200;

  beforeAll(async () => {
    // The shared stack may be an external MongoDB: then the FerretDB binary is built here (go build).
    if (!existsSync(OwnServer.FERRETDB_BIN)) execFileSync('bash', ['scripts/stack.sh', 'build'], { stdio: 'inherit' });
    dataDir = await mkdtemp(join(tmpdir(), 'tandem-ferret-'));
    redis = OwnServer.redis(await freePort());
    ferret = OwnServer.ferretdb(await freePort(), dataDir);
    await Promise.all([redis.start(), ferret.start()]);
    tandem = await startTestTandem({ MONGODB_URI: `mongodb://127.0.0.1:${ferret.port}/tandem_readiness`, REDIS_URL: `redis://127.0.0.1:${redis.port}` });
  }, 300_000);
  afterAll(async () => {
    await tandem?.stop();
    await Promise.all([redis?.stop(), ferret?.stop()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  const jobRuns = async (tag: string) => {
    const ran = new Promise<void>((resolve) => tandem.jobs.declare('system', defineJob(`system.test-${tag}`, z.object({}), async () => resolve())));
    await tandem.jobs.enqueue(`system.test-${tag}`, {}, { jobId: `system.test:${tag}` });
    await Promise.race([ran, new Promise((_, reject) => setTimeout(() => reject(new Error(`job ${tag} did not run`)), 15_000))]);
  };

  it('is ready with both up', async () => {
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', checks: { mongodb: 'up', redis: 'up' } } });
  });

  it('goes 503 while Redis is down and back to 200 when it returns; jobs run again', async () => {
    await redis.stop();
    await eventually(async () => (await readyz()).status === 503, 10_000, 'readyz 503 without Redis');
    expect((await readyz()).body).toEqual({ status: 'unavailable', checks: { mongodb: 'up', redis: 'down' } });
    expect((await fetch(`${tandem.url}/healthz`)).status).toBe(200);
    // A few seconds of outage, so the clients go through several reconnect attempts.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await readyz()).status).toBe(503);

    await redis.start();
    await eventually(isReady, 20_000, 'readyz 200 after Redis returned');
    // The queue and the worker reconnected too (a fresh redis-server holds no old state).
    await jobRuns('after-redis');
  }, 60_000);

  it('goes 503 while MongoDB is down and back to 200 when it returns; writes work again', async () => {
    await tandem.store.people.create({ name: 'Before', email: 'before@example.com' });
    const token = generateToken();
    await tandem.store.tokens.create({ name: 'outage', hash: hashToken(token), scopes: ['people:read'] });
    await ferret.stop();
    await eventually(async () => (await readyz()).status === 503, 15_000, 'readyz 503 without MongoDB');
    expect((await readyz()).body).toEqual({ status: 'unavailable', checks: { mongodb: 'down', redis: 'up' } });
    expect((await fetch(`${tandem.url}/healthz`)).status).toBe(200);
    // The admin API answers 503, not a generic 500, while the database is away.
    const refused = await fetch(`${tandem.url}/api/v1/people`, { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'unavailable' } });
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await readyz()).status).toBe(503);

    await ferret.start();
    await eventually(isReady, 40_000, 'readyz 200 after MongoDB returned');
    expect(await tandem.store.people.findByEmail('before@example.com')).toMatchObject({ name: 'Before' });
    await tandem.store.people.create({ name: 'After', email: 'after@example.com' });
    await jobRuns('after-mongo');
  }, 90_000);
});
