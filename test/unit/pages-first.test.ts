import { describe, expect, it } from 'vitest';
import { PagesFirst } from '../../src/core/pages-first.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Takes `n` turns at once and records when each was given (ms after the call). */
function takeTurns(gate: PagesFirst, n: number): { given: number[]; all: Promise<void> } {
  const start = performance.now();
  const given: number[] = [];
  const all = Promise.all(Array.from({ length: n }, () => gate.turn().then(() => given.push(performance.now() - start)))).then(() => undefined);
  return { given, all };
}

describe('PagesFirst: bulk work yields to work a page waits on', () => {
  it('gives turns at once while nothing urgent is in flight', async () => {
    const gate = new PagesFirst(100);
    const { given, all } = takeTurns(gate, 8);
    await all;
    expect(given).toHaveLength(8);
    expect(Math.max(...given)).toBeLessThan(50);
    expect(gate.delayedTurns).toBe(0);
  });

  it('while urgent work runs, gives one turn per spacing, and the rest at once when it ends', async () => {
    const gate = new PagesFirst(100);
    let end!: () => void;
    const urgent = gate.during(() => new Promise<void>((resolve) => (end = resolve)));
    expect(gate.busy).toBe(true);
    const { given, all } = takeTurns(gate, 8);
    await sleep(350);
    // One at once (no turn given before), then one per 100 ms: never stopped, never more.
    expect(given.length).toBeGreaterThanOrEqual(3);
    expect(given.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < given.length; i += 1) expect(given[i]! - given[i - 1]!).toBeGreaterThanOrEqual(95);
    end();
    await urgent;
    expect(gate.busy).toBe(false);
    await all;
    expect(given).toHaveLength(8);
    expect(given.at(-1)! - given.at(-2)!).toBeLessThan(50);
    expect(gate.delayedTurns).toBe(8);
  });

  it('counts what a probe reports in flight (first steps running outside any job)', async () => {
    const gate = new PagesFirst(1_000);
    let running = 1;
    gate.watch(() => running);
    expect(gate.busy).toBe(true);
    const { given, all } = takeTurns(gate, 3);
    await sleep(100);
    expect(given).toHaveLength(1);
    running = 0;
    await all;
    expect(given).toHaveLength(3);
    expect(given[2]!).toBeLessThan(300);
  });

  it('counts urgent work that fails until it has failed', async () => {
    const gate = new PagesFirst();
    await expect(gate.during(() => Promise.reject(new Error('page failed')))).rejects.toThrow('page failed');
    expect(gate.busy).toBe(false);
  });

  it('tells when nothing urgent has been in flight for a while, or that it was not within the time given', async () => {
    const gate = new PagesFirst(100);
    const start = performance.now();
    expect(await gate.quiet(100, 1_000)).toBe(true);
    expect(performance.now() - start).toBeGreaterThanOrEqual(95);

    // Urgent work that keeps coming (one piece every 30 ms, each 20 ms long): never quiet for 100 ms.
    let storming = true;
    const storm = (async () => {
      while (storming) {
        await gate.during(() => sleep(20));
        await sleep(10);
      }
    })();
    expect(await gate.quiet(100, 500)).toBe(false);
    // It ends: quiet after the spell asked for.
    const ended = gate.quiet(100, 2_000);
    storming = false;
    await storm;
    expect(await ended).toBe(true);
  });
});
