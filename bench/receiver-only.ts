/**
 * Tandem's Slack receiver (src/adapters/slack/receiver.ts) alone, for
 * bench/ack-ab.ts: behind Tandem's HTTP listener (createHttpApp: metrics,
 * routing; RECEIVER_MODE=bare for the receiver's listener alone), with a Bolt
 * that does nothing with what it is handed. What its code path costs against
 * the floor, without the rest of Tandem's process (heap, store, queues).
 */
import http from 'node:http';
import type { App, Logger } from '@slack/bolt';
import { LogLevel } from '@slack/bolt';
import client from 'prom-client';
import { SlackHttpReceiver } from '../src/adapters/slack/receiver.js';
import { createHttpApp } from '../src/http/server.js';
import { createLogger } from '../src/logger.js';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, setLevel: () => undefined, getLevel: () => LogLevel.WARN, setName: () => undefined };
const receiver = new SlackHttpReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET ?? '', logger: quiet });
// Only processEvent is called by the receiver.
receiver.init({ processEvent: () => Promise.resolve() } as unknown as App);
const listener =
  process.env.RECEIVER_MODE === 'bare'
    ? receiver.listener
    : createHttpApp({ logger: createLogger('warn'), registry: new client.Registry(), readiness: {}, mount: () => undefined, routes: { 'POST /slack/events': receiver.listener } });
const server = http.createServer(listener);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.send?.('ready'));
process.on('disconnect', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
