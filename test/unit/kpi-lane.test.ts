import { describe, expect, it } from 'vitest';
import { SampleLane } from '../../src/core/kpis/lane.js';

/** A request held until released; `order` records when each started. */
function holder(lane: SampleLane, order: string[], name: string, key: string, pressing = false) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const done = lane.run(key, pressing, async () => {
    order.push(name);
    await held;
    return name;
  });
  return { release, done };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SampleLane: a few sample requests at once, a value off target straight in', () => {
  it('runs at most `limit` at once, the others in arrival order as places free', async () => {
    const lane = new SampleLane(2);
    const order: string[] = [];
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => holder(lane, order, n, `kpi-${n}`));
    await tick();
    expect(order).toEqual(['a', 'b']);
    expect(lane.waiting).toBe(2);
    b!.release();
    await b!.done;
    await tick();
    expect(order).toEqual(['a', 'b', 'c']);
    a!.release();
    c!.release();
    d!.release();
    expect(await Promise.all([a!.done, c!.done, d!.done])).toEqual(['a', 'c', 'd']);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(lane.waiting).toBe(0);
  });

  it('lets a pressing request in at once, beyond the limit, and gives no extra place when it ends', async () => {
    const lane = new SampleLane(1);
    const order: string[] = [];
    const a = holder(lane, order, 'a', 'kpi-a');
    const b = holder(lane, order, 'b', 'kpi-b');
    const red = holder(lane, order, 'red', 'kpi-r', true);
    await tick();
    expect(order).toEqual(['a', 'red']);
    red.release();
    await red.done;
    await tick();
    // Its end frees no place of the limit: b still waits for a.
    expect(order).toEqual(['a', 'red']);
    a.release();
    await a.done;
    await tick();
    expect(order).toEqual(['a', 'red', 'b']);
    b.release();
    await b.done;
  });

  it('keeps a KPI in order: a pressing request waits right behind its own KPI, ahead of the others', async () => {
    const lane = new SampleLane(1);
    const order: string[] = [];
    const a = holder(lane, order, 'a', 'kpi-a');
    const k1 = holder(lane, order, 'k1', 'kpi-k');
    const other = holder(lane, order, 'other', 'kpi-o');
    const k2 = holder(lane, order, 'k2', 'kpi-k', true);
    await tick();
    expect(order).toEqual(['a']);
    for (const r of [a, k1, other, k2]) r.release();
    await Promise.all([a.done, k1.done, other.done, k2.done]);
    expect(order).toEqual(['a', 'k1', 'k2', 'other']);
  });

  it('lets in a request that waited its longest, beyond the limit, in order', async () => {
    const lane = new SampleLane(1, 30);
    const order: string[] = [];
    const a = holder(lane, order, 'a', 'kpi-a');
    const b = holder(lane, order, 'b', 'kpi-b');
    const c = holder(lane, order, 'c', 'kpi-c');
    await tick();
    expect(order).toEqual(['a']);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(order).toEqual(['a', 'b', 'c']);
    expect(lane.waiting).toBe(0);
    for (const r of [a, b, c]) r.release();
    await Promise.all([a.done, b.done, c.done]);
    // Every place given back: one runs at once again, the next waits.
    const d = holder(lane, order, 'd', 'kpi-d');
    const e = holder(lane, order, 'e', 'kpi-e');
    await tick();
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    d.release();
    e.release();
    await Promise.all([d.done, e.done]);
  });

  it('frees the place of a request that fails', async () => {
    const lane = new SampleLane(1);
    await expect(lane.run('kpi-a', false, () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    expect(await lane.run('kpi-b', false, () => Promise.resolve('ran'))).toBe('ran');
  });
});
