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
});
