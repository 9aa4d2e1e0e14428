import { describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { RateLimits, retryAfterOf } from '../../src/adapters/slack/rate-limits.js';

const refused = (seconds: number) => new webApi.WebAPIRateLimitedError(seconds);

describe('RateLimits', () => {
  it("reads Retry-After from the Web API client's rate-limit error only", () => {
    expect(retryAfterOf(refused(3))).toBe(3);
    expect(retryAfterOf(new Error('boom'))).toBeUndefined();
    expect(retryAfterOf({ code: 'slack_webapi_platform_error', retryAfter: 3 })).toBeUndefined();
  });

  it("holds every call of the refused method until Retry-After has passed, not other methods' calls", async () => {
    const limits = new RateLimits();
    const started = Date.now();
    let first = true;
    const refusedOnce = limits.call('chat.postMessage', async () => {
      if (!first) return Date.now() - started;
      first = false;
      throw refused(1);
    });
    await new Promise((r) => setTimeout(r, 20));
    const other = await limits.call('conversations.open', async () => Date.now() - started);
    const held = await limits.call('chat.postMessage', async () => Date.now() - started);
    expect(other).toBeLessThan(500);
    expect(held).toBeGreaterThanOrEqual(1000);
    expect(await refusedOnce).toBeGreaterThanOrEqual(1000);
  });

  it('throws other errors at once, and a rate-limit error after ten refusals of one call', async () => {
    const limits = new RateLimits();
    let calls = 0;
    await expect(
      limits.call('chat.update', async () => {
        calls += 1;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      limits.call('chat.update', async () => {
        calls += 1;
        throw refused(0);
      }),
    ).rejects.toBeInstanceOf(webApi.WebAPIRateLimitedError);
    expect(calls).toBe(11);
  });
});
