import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { defaultBodyLimit, HTTPResponseAck, isValidSlackRequest } from '@slack/bolt';
import type { App, Logger, Receiver, ReceiverEvent } from '@slack/bolt';
import { checkPayload } from './intake.js';

/**
 * Payloads whose ack every Tandem listener sends empty, first thing: the
 * receiver acknowledges them itself with an empty 200 as soon as the
 * signature checks out. Anything else (view_submission, whose ack carries
 * `response_action`; block_suggestion, whose ack carries the options) is
 * acknowledged by its listener through Bolt's own HTTPResponseAck.
 */
const ACKED_AT_ONCE = new Set(['event_callback', 'block_actions', 'shortcut', 'message_action', 'view_closed', 'interactive_message']);

type Body = Record<string, unknown>;

/** How far ahead of our clock a request timestamp may be (Slack's own window is 5 minutes). */
const MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * Bolt's HTTP receiver for Tandem's one HTTP server: a plain request
 * listener, no framework in front of it, that answers as early as Slack
 * allows. Slack wants its HTTP 200 within 3 s, and a burst of commands queues
 * on one event loop, so the ack is written right after the body is read and
 * its signature verified (Bolt's isValidSlackRequest: HMAC and a timestamp no
 * older than 5 minutes); Bolt's middleware and the listener run afterwards,
 * once every request already waiting has been acknowledged.
 *
 * Answers Slack the way Bolt's HTTPReceiver does: 401 for a missing, wrong or
 * stale signature (or a timestamp more than 5 minutes ahead); 413 past the
 * body limit; 400 for a body that does not parse or lacks what its type needs
 * (intake.ts); 200 with nothing done for a payload type Tandem does not serve; `ssl_check` and `url_verification` answered here.
 */
export class SlackHttpReceiver implements Receiver {
  private app: App | undefined;

  constructor(private readonly opts: { signingSecret: string; logger: Logger; bodyLimit?: number }) {}

  init(app: App): void {
    this.app = app;
  }

  /** Requests come through `listener` on Tandem's server, so there is nothing to open. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Called at shutdown once the HTTP server has stopped taking requests:
   * resolves when every request already acknowledged has been processed.
   */
  async stop(): Promise<void> {
    while (this.waiting.length > 0 || this.processing.size > 0) {
      await Promise.race([...this.processing, new Promise((resolve) => setImmediate(resolve))]);
    }
  }

  readonly listener: RequestListener = (req, res) => {
    const limit = this.opts.bodyLimit ?? defaultBodyLimit;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) {
        this.opts.logger.warn(`Slack request body over the limit of ${limit} bytes`);
        answer(res, 413);
        return;
      }
      this.handle(req, res, Buffer.concat(chunks, size).toString('utf8'));
    });
    req.on('error', (err) => {
      this.opts.logger.warn(`Slack request could not be read: ${err.message}`);
      answer(res, 400);
    });
  };

  private handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const form = req.headers['content-type'] === 'application/x-www-form-urlencoded';
    const query = form ? parseQuery(raw) : undefined;
    // Slack's SSL check carries no signature and nothing else is read from it.
    if (query?.ssl_check === '1') return answer(res, 200);
    const signature = req.headers['x-slack-signature'];
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    if (typeof signature !== 'string' || !isValidSlackRequest({ signingSecret: this.opts.signingSecret, body: raw, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp } })) {
      this.opts.logger.warn('Slack request refused: missing, wrong or stale signature');
      return answer(res, 401);
    }
    // Bolt refuses only old timestamps; one from the future would make a captured request replayable until then.
    if (timestamp > Date.now() / 1000 + MAX_CLOCK_SKEW_SECONDS) {
      this.opts.logger.warn('Slack request refused: timestamp more than 5 minutes in the future');
      return answer(res, 401);
    }
    let parsed: unknown;
    try {
      parsed = query ? (typeof query.payload === 'string' ? JSON.parse(query.payload) : query) : JSON.parse(raw);
    } catch (err) {
      this.opts.logger.warn(`Malformed Slack request body: ${(err as Error).message}`);
      return answer(res, 400);
    }
    if (typeof parsed === 'object' && parsed !== null && (parsed as Body).type === 'url_verification') {
      const { challenge } = parsed as Body;
      if (typeof challenge !== 'string') return answer(res, 400);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ challenge }));
      return;
    }
    const intake = checkPayload(parsed);
    if (intake.kind === 'refuse') {
      this.opts.logger.warn(`Slack request refused: ${intake.reason}`);
      return answer(res, 400);
    }
    if (intake.kind === 'ignore') {
      this.opts.logger.info(`Slack ${intake.what} acknowledged; Tandem does not serve it`);
      return answer(res, 200);
    }
    const body = intake.body;

    let ack: ReceiverEvent['ack'];
    if (typeof body.command === 'string' || ACKED_AT_ONCE.has(String(body.type))) {
      answer(res, 200);
      ack = async (response) => {
        if (response !== undefined) this.opts.logger.warn(`ack() with a body for a ${String(body.type ?? 'slash command')} payload, which was already acknowledged empty; the body is dropped`);
      };
    } else {
      ack = new HTTPResponseAck({ logger: this.opts.logger, processBeforeResponse: false, httpRequest: Object.assign(req, { rawBody: Buffer.from(raw) }), httpRequestBody: body, httpResponse: res }).bind();
    }
    const retry = req.headers['x-slack-retry-num'];
    const reason = req.headers['x-slack-retry-reason'];
    const event: ReceiverEvent = { body, ack };
    if (typeof retry === 'string') event.retryNum = Number.parseInt(retry, 10);
    if (typeof reason === 'string') event.retryReason = reason;
    this.waiting.push({ event, res });
    if (this.waiting.length === 1) setImmediate(this.processNext);
  }

  /** Verified requests waiting for Bolt, oldest first. */
  private readonly waiting: { event: ReceiverEvent; res: ServerResponse }[] = [];
  /** Requests Bolt is processing. */
  private readonly processing = new Set<Promise<void>>();

  /**
   * Hands one waiting request to Bolt per turn of the event loop, so that
   * requests arriving meanwhile are read and acknowledged between them
   * instead of queueing behind a whole burst's processing.
   */
  private readonly processNext = (): void => {
    const next = this.waiting.shift();
    if (this.waiting.length > 0) setImmediate(this.processNext);
    if (!next) return;
    const { event, res } = next;
    const processed: Promise<void> = (this.app?.processEvent(event) ?? Promise.resolve())
      .catch((err: unknown) => {
        this.opts.logger.error(`Slack ${String(event.body.type ?? 'command')} failed: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) answer(res, 500);
      })
      .finally(() => this.processing.delete(processed));
    this.processing.add(processed);
  };
}

function answer(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}
