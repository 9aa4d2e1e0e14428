import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger } from '../support/logs.js';
import { startTestTandem } from '../support/stack.js';

/**
 * The intakes' HTTP surface, as express.json and the error handler answered
 * it before the intakes were served straight from node:http: body limit,
 * malformed and non-JSON bodies, encodings, the request id, the metric label
 * and the access log line.
 */
describe('alert intakes over HTTP', () => {
  const logs = capturingLogger('info');
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let key = '';
  const AM = '/api/v1/integrations/alertmanager';
  const EVENTS = '/api/v1/integrations/events';
  const firing = (fingerprint: string) => ({ version: '4', status: 'firing', commonLabels: { alertname: 'Disk' }, alerts: [{ status: 'firing', labels: {}, annotations: { summary: 'full' }, fingerprint }] });
  const event = (custom_details?: string) => ({ routing_key: key, event_action: 'trigger', payload: { summary: 'Disk full', source: 'db1', severity: 'error', custom_details } });

  const post = async (path: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    const res = await fetch(`${tandem.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers }, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { error?: { code: string; message: string } } };
  };

  beforeAll(async () => {
    tandem = await startTestTandem({}, { logger: logs.logger });
    const team = await tandem.store.teams.create({ name: 'Storage', managerId: null, memberIds: [] });
    key = (await tandem.core.alerts.integrations.create({ name: 'http-intake', teamId: team.id, defaultSeverity: 'critical' })).key;
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  it('answers JSON that does not parse, or is not an object or array, with 400 malformed (before the key is looked at)', async () => {
    for (const path of [AM, EVENTS]) {
      for (const raw of ['{"version": ', '"firing"', '  42']) {
        const res = await post(path, raw);
        expect(res.status, `${path} ${raw}`).toBe(400);
        expect(res.body.error?.code).toBe('malformed');
      }
    }
    const keyless = await post(AM, '{', { authorization: '' });
    expect([keyless.status, keyless.body.error?.code]).toEqual([400, 'malformed']);
    const noKey = await post(AM, JSON.stringify(firing('a')), { authorization: '' });
    expect([noKey.status, noKey.body.error?.code]).toEqual([401, 'unauthenticated']);
  });

  it('refuses a body over 1 MB with 413 payload_too_large, takes one just under it, and keeps the connection usable', async () => {
    const big = await post(EVENTS, JSON.stringify(event('x'.repeat(1024 * 1024))));
    expect([big.status, big.body.error?.code]).toEqual([413, 'payload_too_large']);
    const under = await post(EVENTS, JSON.stringify(event('x'.repeat(1000 * 1000))));
    expect(under.status).toBe(202);
    expect((await post(AM, JSON.stringify(firing('after-413')))).body).toMatchObject({ status: 'success', raised: 1 });
  });

  it('reads a body that is not application/json, or empty, as no payload', async () => {
    const plain = await post(AM, JSON.stringify(firing('plain')), { 'content-type': 'text/plain' });
    expect([plain.status, plain.body.error?.code]).toEqual([422, 'validation']);
    const plainEvent = await post(EVENTS, JSON.stringify(event()), { 'content-type': 'text/plain' });
    expect([plainEvent.status, plainEvent.body.status]).toEqual([400, 'invalid event']);
    expect((await post(AM, '')).status).toBe(422);
    expect((await post(EVENTS, '')).body).toMatchObject({ status: 'invalid event', message: 'Event object is invalid' });
  });

  it('decodes a gzip body and refuses an unknown encoding or charset with 415', async () => {
    const zipped = await post(EVENTS, gzipSync(JSON.stringify(event())), { 'content-encoding': 'gzip' });
    expect(zipped.body).toMatchObject({ status: 'success', outcome: 'raised' });
    const unknown = await post(EVENTS, JSON.stringify(event()), { 'content-encoding': 'compress' });
    expect([unknown.status, unknown.body.error?.code]).toEqual([415, 'bad_request']);
    const latin = await post(AM, JSON.stringify(firing('latin')), { 'content-type': 'application/json; charset=iso-8859-1' });
    expect([latin.status, latin.body.error?.code]).toEqual([415, 'bad_request']);
    expect((await post(AM, JSON.stringify(firing('utf8')), { 'content-type': 'application/json; charset=UTF-8' })).status).toBe(200);
  });

  // Counted under the route whatever the status (express counted a body it could not read as `unmatched`); a trailing slash is the same route.
  it('echoes the request id, counts the request under its route and logs it at info', async () => {
    logs.clear();
    const given = await post(AM, JSON.stringify(firing('traced')), { 'x-request-id': 'am-42' });
    expect(given.headers.get('x-request-id')).toBe('am-42');
    expect((await post(`${EVENTS}/?source=x`, JSON.stringify(event()))).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const metrics = (await (await fetch(`${tandem.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('tandem_http_request_duration_seconds_count'));
    const counted = (route: string, status: number) => metrics.some((l) => l.includes('method="POST"') && l.includes(`route="${route}"`) && l.includes(`status="${status}"`));
    expect([counted(AM, 200), counted(AM, 400), counted(EVENTS, 202), counted(EVENTS, 413)]).toEqual([true, true, true, true]);
    const line = logs.entries.find((e) => e.msg === 'request completed' && (e.req as { id?: string } | undefined)?.id === 'am-42');
    expect(line).toMatchObject({ level: 30, req: { method: 'POST', url: AM }, res: { statusCode: 200 }, responseTime: expect.any(Number) });
  });
});
