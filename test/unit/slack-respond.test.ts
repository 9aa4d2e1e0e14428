import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseUrlError, ResponseUrlPoster } from '../../src/adapters/slack/respond.js';

describe("Slack answers to response_url (Tandem's respond())", () => {
  const bodies: unknown[] = [];
  const sockets = new Set<unknown>();
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      sockets.add(req.socket);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        if (req.url === '/expired') res.writeHead(404, { 'content-type': 'text/plain' }).end('expired_url');
        else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const respondTo = (poster: ResponseUrlPoster, to: string) => {
    const respond = poster.to(to);
    if (!respond) throw new Error(`no respond() for ${to}`);
    return respond;
  };

  it('gives no respond() for a payload without an http(s) response_url, so the answer goes through the Web API', () => {
    const poster = new ResponseUrlPoster();
    for (const missing of [undefined, '', 'help', '/relative/path', 'javascript:alert(1)', 'file:///etc/passwd']) expect(poster.to(missing)).toBeUndefined();
    expect(poster.to(`${url}/r`)).toBeTypeOf('function');
    poster.close();
  });

  it('posts each message as JSON over kept-alive connections, and fails on an answer other than 2xx', async () => {
    const poster = new ResponseUrlPoster();
    await Promise.all(Array.from({ length: 100 }, (_, i) => respondTo(poster, `${url}/r${i}`)({ response_type: 'ephemeral', text: `answer ${i}` })));
    await respondTo(poster, `${url}/plain`)('just text');
    expect(bodies).toHaveLength(101);
    expect(bodies).toContainEqual({ response_type: 'ephemeral', text: 'answer 7' });
    expect(bodies.at(-1)).toEqual({ text: 'just text' });
    // A burst shares a few connections instead of opening one per answer.
    expect(sockets.size).toBeLessThanOrEqual(32);
    await expect(respondTo(poster, `${url}/expired`)({ text: 'late' })).rejects.toThrow(ResponseUrlError);
    await expect(respondTo(poster, `${url}/expired`)({ text: 'late' })).rejects.toMatchObject({ status: 404 });
    poster.close();
    // Closing leaves no socket open (the server would keep them 5 s), so nothing of Tandem's answers holds a stopping process.
    const open = () => new Promise<number>((resolve) => server.getConnections((_err, count) => resolve(count)));
    for (let i = 0; i < 50 && (await open()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await open()).toBe(0);
  });
});
