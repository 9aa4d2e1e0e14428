import { describe, expect, it } from 'vitest';
import { OpenKeys } from '../../src/core/alerts/open-keys.js';

describe('OpenKeys: the dedup keys a process saw open', () => {
  it('remembers keys, the least recently seen dropped first beyond its bound', () => {
    const keys = new OpenKeys(2);
    keys.add('a');
    keys.add('b');
    keys.add('a'); // seen again: now the most recent
    keys.add('c');
    expect(['a', 'b', 'c'].map((k) => keys.has(k))).toEqual([true, false, true]);
  });
});
