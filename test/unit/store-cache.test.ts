import { describe, expect, it } from 'vitest';
import { StoreCache } from '../../src/store/cache.js';

describe('StoreCache', () => {
  it('expires entries after the TTL and drops the oldest beyond its size', () => {
    let now = 0;
    const cache = new StoreCache(1_000, 2, () => now);
    cache.set('person', 'a', { name: 'A' });
    cache.set('person', 'b', { name: 'B' });
    cache.set('person', 'c', { name: 'C' });
    expect(cache.get('person', 'a')).toBeUndefined();
    expect(cache.get('person', 'b')).toEqual({ name: 'B' });
    now = 1_000;
    expect(cache.get('person', 'b')).toBeUndefined();
  });

  it('keeps identities (which never move) far longer than people by default', () => {
    let now = 0;
    const cache = new StoreCache(undefined, 100, () => now);
    cache.set('person', 'p', { name: 'P' });
    cache.set('identity', 'slack:T1:U1', { personId: 'p' });
    now = 10_000;
    expect(cache.get('person', 'p')).toBeUndefined();
    expect(cache.get('identity', 'slack:T1:U1')).toEqual({ personId: 'p' });
    now = 10 * 60_000;
    expect(cache.get('identity', 'slack:T1:U1')).toBeUndefined();
  });

  it('tells its listeners of local invalidations only, so a pub/sub bridge does not echo', () => {
    const cache = new StoreCache();
    const heard: string[] = [];
    const stop = cache.onInvalidate((kind, key) => heard.push(`${kind}:${key}`));
    cache.set('person', 'a', 1);
    cache.set('identity', 'slack:T:U', 2);
    cache.invalidate('person', 'a');
    cache.drop('identity', 'slack:T:U');
    expect(cache.get('person', 'a')).toBeUndefined();
    expect(cache.get('identity', 'slack:T:U')).toBeUndefined();
    expect(heard).toEqual(['person:a']);
    stop();
    cache.invalidate('person', 'b');
    expect(heard).toEqual(['person:a']);
  });

  it('caches nothing with a TTL of 0', () => {
    const cache = new StoreCache(0);
    cache.set('person', 'a', 1);
    expect(cache.get('person', 'a')).toBeUndefined();
  });

  it('load: misses during one read share it; a value read while an entry was dropped is not kept', async () => {
    const cache = new StoreCache();
    let reads = 0;
    let release: (v: string) => void = () => undefined;
    const read = () => {
      reads += 1;
      return new Promise<string>((resolve) => (release = resolve));
    };
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const burst = Array.from({ length: 5 }, () => cache.load('oncall', 'routing', read));
    await tick();
    release('old');
    expect(await Promise.all(burst)).toEqual(['old', 'old', 'old', 'old', 'old']);
    expect(reads).toBe(1);
    expect(await cache.load('oncall', 'routing', read)).toBe('old');
    expect(reads).toBe(1);
    // A write lands while a read is under way: that read answers its caller but is not cached.
    cache.invalidate('oncall', 'routing');
    const racing = cache.load('oncall', 'routing', read);
    cache.invalidate('oncall', 'routing');
    await tick();
    release('stale');
    expect(await racing).toBe('stale');
    const fresh = cache.load('oncall', 'routing', read);
    await tick();
    release('new');
    expect(await fresh).toBe('new');
    expect(reads).toBe(3);
  });

  it('load: a read that answers a thenable (a mongoose query) runs it once for all who share it', async () => {
    const cache = new StoreCache();
    let runs = 0;
    const query = { then: (ok: (v: string) => void) => ok(`run ${++runs}`) };
    const shared = await Promise.all([cache.load('account', 'p|slack', () => query as unknown as Promise<string>), cache.load('account', 'p|slack', () => query as unknown as Promise<string>)]);
    expect(shared).toEqual(['run 1', 'run 1']);
    expect(runs).toBe(1);
  });
});
