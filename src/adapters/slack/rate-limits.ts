import { setTimeout as sleep } from 'node:timers/promises';

/** How many 429s in a row one call waits out before its error is thrown (the WebClient's own retries were 10). */
const RATE_LIMIT_RETRIES = 10;

/** The Retry-After seconds of a Web API client's 429 error (`rejectRateLimitedCalls: true`), or undefined. */
export function retryAfterOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, retryAfter } = err as { code?: unknown; retryAfter?: unknown };
  return code === 'slack_webapi_rate_limited_error' && typeof retryAfter === 'number' && retryAfter >= 0 ? retryAfter : undefined;
}

/**
 * Slack's rate limits as Slack documents them, per Web API method: a refused
 * call is sent again as soon as its own Retry-After has passed, and the first
 * 429 of a method holds that method's other calls for its Retry-After (as the
 * Web API client's queue pause did: later 429s of the same burst do not
 * lengthen the hold, they only hold their own call).
 *
 * The Web API client's own handling (`rejectRateLimitedCalls: false`) paused
 * every method for Retry-After, then sent the refused call again only after
 * one more of its retry timeouts (200–400 ms, doubling with each 429 of the
 * same call). Use it with a client that rejects rate-limited calls; network
 * errors and 5xx are still retried by the client. A refused call was not
 * carried out by Slack, so sending it again sends it once (files.uploadV2,
 * several calls, starts its upload again).
 */
export class RateLimits {
  /** Until when each method's calls are held, after a first 429. */
  private readonly holds = new Map<string, number>();

  async call<T>(method: string, run: () => Promise<T>): Promise<T> {
    let notBefore = 0;
    for (let refused = 0; ; refused += 1) {
      for (let wait = this.wait(method, notBefore); wait > 0; wait = this.wait(method, notBefore)) await sleep(wait);
      try {
        return await run();
      } catch (err) {
        const retryAfter = retryAfterOf(err);
        if (retryAfter === undefined || refused >= RATE_LIMIT_RETRIES) throw err;
        const now = Date.now();
        notBefore = now + retryAfter * 1000;
        if ((this.holds.get(method) ?? 0) <= now) this.holds.set(method, notBefore);
      }
    }
  }

  /** Milliseconds until a call of `method` (refused until `notBefore`) may be sent. */
  private wait(method: string, notBefore: number): number {
    const now = Date.now();
    const hold = this.holds.get(method) ?? 0;
    if (hold <= now) this.holds.delete(method);
    return Math.max(hold, notBefore) - now;
  }
}
