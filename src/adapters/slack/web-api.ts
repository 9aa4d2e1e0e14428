import { setTimeout as sleep } from 'node:timers/promises';
import { webApi } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';
import { KeptAliveHttp, type HttpAnswer } from './kept-alive.js';

/** Calls in flight at once per host, as the Web API client's queue allowed (`maxRequestConcurrency`, 100). */
const MAX_SOCKETS = 100;
/** How long one call may go unanswered before it counts as a network failure (undici's header and body timeouts). */
const TIMEOUT_MS = 300_000;

/** How network failures and answers other than 200 and 429 are retried: the Web API client's `retryConfig`. */
export interface RetryPolicy {
  retries: number;
  factor: number;
  minTimeout: number;
  maxTimeout: number;
  randomize: boolean;
}

/** Where and as whom the Web API is called: the WebClient's own `slackApiUrl` and `token`. */
export interface WebApiTarget {
  slackApiUrl: string;
  token?: string | undefined;
}

/**
 * Slack's Web API for the calls on Tandem's hot paths (a page is one
 * chat.postMessage), as @slack/web-api's WebClient makes them with
 * `rejectRateLimitedCalls: true`, minus what cost ~15 % of Tandem's CPU at
 * 1,000 alerts/s: its request queue and retry wrapper, fetch's streams, and a
 * redacted JSON copy of every request and answer built for a debug line
 * whether debug is on or not. The same calls and errors:
 * - POST to `slackApiUrl` + method, the bot token as a bearer token; the
 *   arguments as a JSON body, which Slack takes for these write methods;
 * - 429 with Retry-After: `WebAPIRateLimitedError` at once (`RateLimits` waits
 *   it out per method); a 429 without one: an Error, not retried;
 * - `ok: false`: `WebAPIPlatformError`, its `data` the answer (`data.error`);
 * - no answer or an HTTP status other than 200: retried as `retry` sets, with
 *   growing waits, then `WebAPIRequestError` / `WebAPIHTTPError`.
 * Slack's warnings in `response_metadata` are logged as the client logs them.
 */
export class SlackWebApi {
  private readonly http = new KeptAliveHttp(MAX_SOCKETS, TIMEOUT_MS);
  private readonly urls = new Map<string, URL>();
  private readonly headers: Record<string, string>;

  constructor(
    private readonly target: WebApiTarget,
    private readonly retry: RetryPolicy,
    private readonly logger?: Logger,
  ) {
    this.headers = {
      'content-type': 'application/json; charset=utf-8',
      accept: 'application/json',
      'user-agent': `tandem node/${process.version.slice(1)}`,
      ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
    };
  }

  postMessage(args: webApi.ChatPostMessageArguments): Promise<webApi.ChatPostMessageResponse> {
    return this.call('chat.postMessage', args);
  }

  update(args: webApi.ChatUpdateArguments): Promise<webApi.ChatUpdateResponse> {
    return this.call('chat.update', args);
  }

  openConversation(args: webApi.ConversationsOpenArguments): Promise<webApi.ConversationsOpenResponse> {
    return this.call('conversations.open', args);
  }

  /** Closes the idle kept-alive connections (at shutdown). */
  close(): void {
    this.http.close();
  }

  private async call<R extends webApi.WebAPICallResult>(method: string, args: object): Promise<R> {
    const body = JSON.stringify(args);
    for (let attempt = 0; ; attempt += 1) {
      let failure: Error;
      try {
        const answer = await this.http.post(this.url(method), body, this.headers);
        if (answer.status === 200) return this.result<R>(answer);
        if (answer.status === 429) throw rateLimited(method, answer);
        failure = new webApi.WebAPIHTTPError(answer.status, answer.statusMessage, flatHeaders(answer.headers), answer.body);
      } catch (err) {
        if (err instanceof webApi.SlackError || err instanceof UnretriedError) throw err;
        failure = new webApi.WebAPIRequestError(err instanceof Error ? err : new Error(String(err)));
        this.logger?.warn({ method, err: failure }, 'slack: http request failed');
      }
      if (attempt >= this.retry.retries) throw failure;
      await sleep(this.backoff(attempt));
    }
  }

  /** The answer as the client's `buildResult` reads it: JSON, or `{ok: false, error: <text>}` when it is not. */
  private result<R extends webApi.WebAPICallResult>(answer: HttpAnswer): R {
    let data: webApi.WebAPICallResult & { error?: string };
    try {
      data = JSON.parse(answer.body) as webApi.WebAPICallResult;
    } catch {
      data = { ok: false, error: answer.body };
    }
    for (const warning of data.response_metadata?.warnings ?? []) this.logger?.warn(`slack: ${warning}`);
    if (!data.ok) throw new webApi.WebAPIPlatformError(data as webApi.WebAPICallResult & { error: string });
    return data as R;
  }

  /** The `retry` package's timeouts, as p-retry waits between the client's attempts. */
  private backoff(attempt: number): number {
    const { factor, minTimeout, maxTimeout, randomize } = this.retry;
    return Math.min(maxTimeout, Math.round((randomize ? 1 + Math.random() : 1) * minTimeout * factor ** attempt));
  }

  private url(method: string): URL {
    let url = this.urls.get(method);
    if (!url) {
      const base = this.target.slackApiUrl.endsWith('/') ? this.target.slackApiUrl : `${this.target.slackApiUrl}/`;
      url = new URL(`${base}${method}`);
      this.urls.set(method, url);
    }
    return url;
  }
}

/** A 429 without a Retry-After the client could read: it gave up on the call at once. */
class UnretriedError extends Error {}

function rateLimited(method: string, answer: HttpAnswer): Error {
  const retryAfter = Number.parseInt(String(answer.headers['retry-after']), 10);
  if (!Number.isNaN(retryAfter)) return new webApi.WebAPIRateLimitedError(retryAfter);
  return new UnretriedError(`Retry header did not contain a valid timeout (method: ${method}, retry-after header: ${String(answer.headers['retry-after'])})`);
}

function flatHeaders(headers: HttpAnswer['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
}
