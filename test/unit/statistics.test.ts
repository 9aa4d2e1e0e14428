import { describe, expect, it } from 'vitest';
import { baselineOf, DEFAULT_STAT_SETTINGS, judge, mean, sampleSigma, type StatSettings } from '../../src/core/rhythm/statistics.js';

// mean 10, sample σ exactly 2 (sum of squares 28 over n − 1 = 7): every boundary below is exact in floating point.
const EIGHT = [13, 7, 12, 8, 11, 9, 10, 10];
// mean 10, σ exactly 2 with ten samples (36 / 9).
const TEN = [13, 7, 13, 7, 10, 10, 10, 10, 10, 10];
const S: StatSettings = DEFAULT_STAT_SETTINGS;
const high = (x: number, recent: number[] = TEN, history: number[] = TEN) => judge(x, history, recent, S, 'above').fired;

describe('statistics: baseline', () => {
  it('computes the mean and the sample standard deviation (n − 1)', () => {
    expect(mean(EIGHT)).toBe(10);
    expect(sampleSigma(EIGHT)).toBe(2);
    expect(baselineOf(TEN)).toEqual({ n: 10, mean: 10, sigma: 2 });
    expect(sampleSigma([5])).toBe(0);
  });

  it('applies no statistical rule with fewer than 8 baseline samples, or a flat baseline', () => {
    const seven = EIGHT.slice(0, 7);
    expect(judge(100, seven, seven, S, 'above')).toMatchObject({ applicable: false, fired: [] });
    expect(judge(100, EIGHT, EIGHT, S, 'above').applicable).toBe(true);
    expect(judge(11, [10, 10, 10, 10, 10, 10, 10, 10], [], S, 'above')).toMatchObject({ applicable: false, fired: [] });
  });

  it('uses only the last N samples of the history', () => {
    const history = [1000, 1000, ...TEN];
    expect(judge(10, history, [], { ...S, baselineSize: 10 }, 'above').baseline).toEqual({ n: 10, mean: 10, sigma: 2 });
  });
});

describe('statistics: the 3σ exception', () => {
  it('does not fire at exactly 3σ and fires just beyond, on the bad side only by default', () => {
    expect(high(16, [])).not.toContain('sigma3');
    expect(high(16.001, [])).toContain('sigma3');
    expect(high(3.999, [])).not.toContain('sigma3');
    expect(judge(3.999, TEN, [], S, 'below').fired).toContain('sigma3');
    expect(judge(3.999, TEN, [], { ...S, sides: 'both' }, 'above').fired).toContain('sigma3');
  });

  it('flags beyond 10σ as a suspected input error, on either side', () => {
    expect(high(30, [])).not.toContain('input_error');
    expect(high(30.001, [])).toContain('input_error');
    expect(high(-10.001, [])).toEqual(['input_error']);
  });

  it('can be turned off per KPI', () => {
    expect(judge(17, TEN, [], { ...S, exception: false }, 'above').fired).not.toContain('sigma3');
  });
});

describe('statistics: run rules', () => {
  it('2 of 3 beyond 2σ on the same side: minimal series fires, one just short does not', () => {
    expect(high(14.5, [10, 14.5])).toContain('run_2of3');
    expect(high(14.5, [14.5, 10])).toContain('run_2of3');
    expect(high(14.5, [14.5, 10, 10])).not.toContain('run_2of3'); // the earlier one is 3 back
    expect(high(14, [10, 14.5])).not.toContain('run_2of3'); // exactly 2σ is not beyond
    expect(high(14.5, [10, 5.5])).not.toContain('run_2of3'); // other side
  });

  it('4 of 5 beyond 1σ on the same side: minimal series fires, one just short does not', () => {
    expect(high(12.5, [12.5, 12.5, 10, 12.5])).toContain('run_4of5');
    expect(high(12.5, [12.5, 10, 10, 12.5])).not.toContain('run_4of5');
    expect(high(12.5, [12, 10, 12.5, 12.5])).not.toContain('run_4of5'); // exactly 1σ is not beyond
    expect(high(12.5, [12.5, 10, 12.5, 12.5])).toContain('run_4of5');
    expect(high(12, [12.5, 12.5, 12.5, 12.5])).not.toContain('run_4of5');
  });

  it('8 in a row on the same side of the mean: minimal series fires, one just short does not', () => {
    const seven = [10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5];
    expect(high(10.5, seven)).toContain('run_8');
    expect(high(10.5, seven.slice(1))).not.toContain('run_8');
    expect(high(10.5, [...seven.slice(1), 10])).not.toContain('run_8'); // one on the mean breaks the run
    expect(high(10, seven)).not.toContain('run_8');
    expect(judge(9.5, TEN, seven.map((x) => 20 - x), S, 'below').fired).toContain('run_8');
  });

  it('each run rule can be turned off', () => {
    const off = { ...S, runRules: { twoOfThree: false, fourOfFive: false, eightInRow: false } };
    expect(judge(14.5, TEN, [14.5, 14.5, 14.5, 14.5, 14.5, 14.5, 14.5], off, 'above').fired).toEqual([]);
  });
});
