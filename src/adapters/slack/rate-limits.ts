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
 * Slack's rate limits as Slack documents them, per Web API method: a 429's
 * Retry-After holds every call of that method until it has passed, and the
 * refused call is sent again as soon as it has, once.
 *
 * The Web API client's own handling (`rejectRateLimitedCalls: false`) paused
 * every method for Retry-After, then sent the refused call again only after
 * one more of its retry timeouts (200–400 ms, doubling with each 429 of the
 * same call): at a bucket of one second that time was lost to sending, and a
 * call refused twice fell further behind. Use it with a client that rejects
 * rate-limited calls; network errors and 5xx are still retried by the client.
 * A refused call was not carried out by Slack, so sending it again sends it once
 * (files.uploadV2, several calls, starts its upload again).
 */
export class RateLimits {
  /** When each method may be called again. */
  private readonly resumeAt = new Map<string, number>();

  async call<T>(method: string, run: () => Promise<T>): Promise<T> {
    for (let refused = 0; ; refused += 1) {
      for (let wait = this.waitFor(method); wait > 0; wait = this.waitFor(method)) await sleep(wait);
      try {
        return await run();
      } catch (err) {
        const retryAfter = retryAfterOf(err);
        if (retryAfter === undefined || refused >= RATE_LIMIT_RETRIES) throw err;
        this.resumeAt.set(method, Math.max(this.resumeAt.get(method) ?? 0, Date.now() + retryAfter * 1000));
      }
    }
  }

  private waitFor(method: string): number {
    const at = this.resumeAt.get(method);
    if (at === undefined) return 0;
    const wait = at - Date.now();
    if (wait <= 0) this.resumeAt.delete(method);
    return wait;
  }
}
