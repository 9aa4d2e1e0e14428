import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { defaultBodyLimit, HTTPResponseAck } from '@slack/bolt';
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

/** How far a request timestamp may be from our clock, either way (Slack's own window is 5 minutes). */
const MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * Slack's v0 signature: `v0=` and the hex HMAC-SHA256 of `v0:<timestamp>:<body>`
 * under the signing secret, for a timestamp within 5 minutes of our clock
 * either way (Bolt's isValidSlackRequest refuses only old ones, and one from
 * the future would make a captured request replayable until then). Compared
 * in constant time with node's timingSafeEqual: Bolt's check compares with
 * tsscmp, two more HMACs and random bytes per request, a quarter of the ack's
 * own CPU in a profile of a burst.
 */
function validSignature(secret: string, body: Buffer, signature: unknown, timestamp: unknown): boolean {
  if (typeof signature !== 'string' || typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) return false;
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Ack priority (see `holdFor`): acknowledged requests wait for Bolt until no
 * new request has come in for QUIET_MS, and never longer than MAX_HOLD_MS.
 * MAX_HOLD_MS outlasts the acks of a burst of 400 commands on a 2-core machine
 * (110-150 ms of reading and verifying), so that Bolt's work does not start
 * among the burst's last acks; it only binds under traffic that never pauses
 * for QUIET_MS (over 300 requests a second), where it is the most an answer
 * waits for the ack of others.
 */
const QUIET_MS = 3;
const MAX_HOLD_MS = 250;

/**
 * Bolt's HTTP receiver for Tandem's one HTTP server: a plain request
 * listener, no framework in front of it, that answers as early as Slack
 * allows. Slack wants its HTTP 200 within 3 s, and a burst of commands queues
 * on one event loop, so the ack is written right after the body is read and
 * its signature verified (`validSignature`: HMAC and a timestamp within 5
 * minutes); Bolt's middleware and the listener run afterwards,
 * once the burst's requests have been acknowledged (see `holdFor`).
 *
 * Answers Slack the way Bolt's HTTPReceiver does: 401 for a missing, wrong or
 * stale signature (or a timestamp more than 5 minutes ahead); 413 past the
 * body limit; 400 for a body that does not parse or lacks what its type needs
 * (intake.ts); 200 with nothing done for a payload type Tandem does not serve; `ssl_check` and `url_verification` answered here.
 */
export class SlackHttpReceiver implements Receiver {
  private app: App | undefined;

  constructor(private readonly opts: { signingSecret: string; logger: Logger; bodyLimit?: number; quietMs?: number; maxHoldMs?: number }) {}

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
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule();
    while (this.waiting.length > 0 || this.processing.size > 0) {
      await Promise.race([...this.processing, new Promise((resolve) => setImmediate(resolve))]);
    }
  }

  readonly listener: RequestListener = (req, res) => {
    this.lastArrival = performance.now();
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
      this.handle(req, res, Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      this.opts.logger.warn(`Slack request could not be read: ${err.message}`);
      answer(res, 400);
    });
  };

  private handle(req: IncomingMessage, res: ServerResponse, bytes: Buffer): void {
    const raw = bytes.toString('utf8');
    const form = req.headers['content-type'] === 'application/x-www-form-urlencoded';
    const query = form ? parseQuery(raw) : undefined;
    // Slack's SSL check carries no signature and nothing else is read from it.
    if (query?.ssl_check === '1') return answer(res, 200);
    // Signed as received: the bytes, not the string decoded from them (nor encoded again).
    if (!validSignature(this.opts.signingSecret, bytes, req.headers['x-slack-signature'], req.headers['x-slack-request-timestamp'])) {
      this.opts.logger.warn('Slack request refused: missing, wrong or stale signature, or a timestamp more than 5 minutes ahead');
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
    // Kept for a 500 only while the ack is still to come: an acknowledged request does not hold its response
    // (and the socket behind it) while it waits for Bolt.
    let unanswered: ServerResponse | undefined;
    if (typeof body.command === 'string' || ACKED_AT_ONCE.has(String(body.type))) {
      answer(res, 200);
      ack = async (response) => {
        if (response !== undefined) this.opts.logger.warn(`ack() with a body for a ${String(body.type ?? 'slash command')} payload, which was already acknowledged empty; the body is dropped`);
      };
    } else {
      ack = new HTTPResponseAck({ logger: this.opts.logger, processBeforeResponse: false, httpRequest: Object.assign(req, { rawBody: bytes }), httpRequestBody: body, httpResponse: res }).bind();
      unanswered = res;
    }
    const retry = req.headers['x-slack-retry-num'];
    const reason = req.headers['x-slack-retry-reason'];
    const event: ReceiverEvent = { body, ack };
    if (typeof retry === 'string') event.retryNum = Number.parseInt(retry, 10);
    if (typeof reason === 'string') event.retryReason = reason;
    this.waiting.push({ event, res: unanswered, at: performance.now() });
    this.schedule();
  }

  /** Verified requests waiting for Bolt, oldest first, with when each was verified (performance.now()); `res` while unanswered. */
  private readonly waiting: { event: ReceiverEvent; res: ServerResponse | undefined; at: number }[] = [];
  /** Requests Bolt is processing. */
  private readonly processing = new Set<Promise<void>>();
  /** When the last request started to arrive (performance.now()). */
  private lastArrival = 0;
  /** Pending while the oldest waiting request is held; `processNext` is queued with setImmediate otherwise. */
  private timer: NodeJS.Timeout | undefined;
  private immediate = false;
  /** Set by `stop`: nothing more is held. */
  private stopping = false;

  /**
   * How much longer, in ms, the oldest waiting request is held from Bolt: 0
   * once no request has arrived for QUIET_MS, once it has waited MAX_HOLD_MS,
   * or once `stop` was called.
   *
   * This is priority to Slack's 3 s ack deadline over the answers. A burst of
   * commands arrives on one event loop; work started for its first requests
   * (Bolt's middleware, then the continuations of their store reads and
   * writes, `users.info` and `response_url` posts) would run between the
   * reads of its later requests and delay their acks. Held until the
   * arrivals pause, the whole burst is acknowledged first; the answers start
   * at most a few ms later than they would have, since the work holding them
   * back would have shared the same CPU anyway. MAX_HOLD_MS bounds the delay
   * under steady traffic that never pauses for QUIET_MS; held requests are
   * already acknowledged, and `stop` hands every one of them to Bolt.
   */
  private holdFor(now: number): number {
    const oldest = this.waiting[0];
    if (!oldest || this.stopping) return 0;
    const quiet = this.lastArrival + (this.opts.quietMs ?? QUIET_MS) - now;
    const held = oldest.at + (this.opts.maxHoldMs ?? MAX_HOLD_MS) - now;
    return Math.max(0, Math.min(quiet, held));
  }

  /** Queues `processNext` for the next turn of the event loop, or a timer for when the hold of the oldest request ends. */
  private schedule(): void {
    if (this.immediate || this.timer || this.waiting.length === 0) return;
    const hold = this.holdFor(performance.now());
    if (hold > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, hold);
      return;
    }
    this.immediate = true;
    setImmediate(this.processNext);
  }

  /**
   * Hands one waiting request to Bolt per turn of the event loop, unless
   * requests arrived since it was queued (read in the same turn, before it):
   * requests arriving meanwhile are read and acknowledged between them
   * instead of queueing behind a whole burst's processing.
   */
  private readonly processNext = (): void => {
    this.immediate = false;
    const next = this.holdFor(performance.now()) > 0 ? undefined : this.waiting.shift();
    this.schedule();
    if (!next) return;
    const { event, res } = next;
    const processed: Promise<void> = (this.app?.processEvent(event) ?? Promise.resolve())
      .catch((err: unknown) => {
        this.opts.logger.error(`Slack ${String(event.body.type ?? 'command')} failed: ${err instanceof Error ? err.message : String(err)}`);
        if (res && !res.headersSent) answer(res, 500);
      })
      .finally(() => this.processing.delete(processed));
    this.processing.add(processed);
  };
}

function answer(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}
