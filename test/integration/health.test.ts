import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNMATCHED_ROUTE } from '../../src/http/server.js';
import { startTestTandem } from '../support/stack.js';

describe('health, readiness and metrics', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  beforeAll(async () => {
    tandem = await startTestTandem();
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('answers /healthz and /readyz with both dependencies up', async () => {
    expect((await fetch(`${tandem.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${tandem.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { mongodb: 'up', redis: 'up' } });
  });

  it('keeps an idle keep-alive connection open for 65 s, past the 5 s after which Node closes it', { timeout: 20_000 }, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ reused: boolean; keepAlive: string | undefined }>((resolve, reject) => {
        const req = http.get(`${tandem.url}/healthz`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ reused: req.reusedSocket, keepAlive: res.headers['keep-alive'] as string | undefined }));
        });
        req.on('error', reject);
      });
    expect(await get()).toEqual({ reused: false, keepAlive: 'timeout=65' });
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    // The same socket, not a new one: a sender writing on it meanwhile is not reset.
    expect((await get()).reused).toBe(true);
    agent.destroy();
  });

  it('echoes a given request id and makes one otherwise', async () => {
    const given = await fetch(`${tandem.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await fetch(`${tandem.url}/healthz`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves Prometheus metrics', async () => {
    const res = await fetch(`${tandem.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const body = await res.text();
    expect(body).toContain('process_resident_memory_bytes');
    expect(body).toContain('tandem_http_request_duration_seconds');
  });

  it('labels request metrics with known routes only: every unknown path is one `unmatched` series', async () => {
    const series = async () => (await (await fetch(`${tandem.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('tandem_http_request_duration_seconds_count'));
    await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`${tandem.url}/random-${i}-${Math.random().toString(36).slice(2)}/x`)));
    await fetch(`${tandem.url}/api/v1/people/abc`);
    const lines = await series();
    expect(lines.filter((l) => l.includes('random-'))).toEqual([]);
    expect(lines.some((l) => l.includes(`route="${UNMATCHED_ROUTE}"`) && l.includes('status="404"'))).toBe(true);
    expect(lines.some((l) => l.includes('route="/api/v1/people/:id"'))).toBe(true);
    expect(lines.some((l) => l.includes('route="/healthz"'))).toBe(true);
    const before = lines.length;
    await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`${tandem.url}/other-${i}`)));
    expect((await series()).length).toBe(before);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await fetch(`${tandem.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
