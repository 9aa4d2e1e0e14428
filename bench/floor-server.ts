/**
 * The floor of bench:slack: a bare node:http server, in a process of its own,
 * that only does what every Slack app must do before it acks: read the body,
 * check the timestamp and Slack's v0 signature (HMAC-SHA256, constant-time
 * compare), and answer 200 (401 when the signature is wrong). No framework,
 * no logging, no work after the ack. Tandem's ack latency is reported as a
 * ratio to this server's, measured in the same run, so that the machine's
 * load cancels out as far as it can.
 *
 * Run by bench/slack-ack.ts with SLACK_SIGNING_SECRET and PORT; it sends
 * `ready` over IPC once listening.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

const secret = process.env.SLACK_SIGNING_SECRET ?? '';
const port = Number(process.env.PORT ?? 0);

function verified(body: Buffer, timestamp: string | undefined, sig: string | undefined): boolean {
  if (!timestamp || !sig) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`);
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const ok = verified(Buffer.concat(chunks), req.headers['x-slack-request-timestamp'] as string | undefined, req.headers['x-slack-signature'] as string | undefined);
    res.writeHead(ok ? 200 : 401).end();
  });
});

server.listen(port, '127.0.0.1', () => process.send?.('ready'));
process.on('disconnect', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
