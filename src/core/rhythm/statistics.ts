/**
 * Statistical process control, as pure functions: a baseline (mean and sample
 * standard deviation), the 3σ exception, the run rules and the suspected
 * input error. KPIs use them; scorecards may too.
 */

export interface Baseline {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1). */
  sigma: number;
}

export interface StatSettings {
  /** Samples in the baseline: the last N accepted samples before the judged one. */
  baselineSize: number;
  /** No statistical rule applies with fewer baseline samples than this. */
  minBaseline: number;
  /** `bad`: only deviations on the bad side of the KPI fire; `both`: either side. */
  sides: 'bad' | 'both';
  exception: boolean;
  runRules: { twoOfThree: boolean; fourOfFive: boolean; eightInRow: boolean };
}

export const DEFAULT_STAT_SETTINGS: StatSettings = {
  baselineSize: 20,
  minBaseline: 8,
  sides: 'bad',
  exception: true,
  runRules: { twoOfThree: true, fourOfFive: true, eightInRow: true },
};

/** Beyond this many σ (or outside the KPI's bounds) a value is more likely a typo than a real change. */
export const INPUT_ERROR_SIGMAS = 10;

export type StatRule = 'sigma3' | 'run_2of3' | 'run_4of5' | 'run_8' | 'input_error';

export const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Sample standard deviation (divides by n − 1); 0 for fewer than two values. */
export function sampleSigma(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

export function baselineOf(xs: readonly number[]): Baseline {
  return { n: xs.length, mean: xs.length ? mean(xs) : Number.NaN, sigma: sampleSigma(xs) };
}

/** Which side of the mean counts: `above` when a higher value is worse, `below` when a lower one is. */
export type BadSide = 'above' | 'below';
type Side = 1 | -1;

export interface Judgement {
  baseline: Baseline;
  /** False when the baseline is too short (or flat) for any statistical rule. */
  applicable: boolean;
  /** (x − mean) / σ; null when not applicable. */
  z: number | null;
  fired: StatRule[];
}

/**
 * Judges `x` against its baseline. `history` is the baseline (the last N
 * accepted samples before x, oldest first, exceptions and data errors left
 * out); `recent` the samples just before x, oldest first, data errors left
 * out (the run rules look at them with x).
 *
 * - sigma3: |x − mean| > 3σ, strictly.
 * - run_2of3: x and at least one of the 2 before it beyond 2σ on the same side.
 * - run_4of5: x and at least three of the 4 before it beyond 1σ on the same side.
 * - run_8: x and the 7 before it all on the same side of the mean.
 * - input_error: |x − mean| > 10σ (bounds are checked by the caller).
 *
 * A run rule fires only when x completes the pattern (x itself is beyond), so
 * it is attached to the sample that showed the shift. With `sides: 'bad'`
 * only the KPI's bad side fires.
 */
export function judge(x: number, history: readonly number[], recent: readonly number[], settings: StatSettings, badSide: BadSide): Judgement {
  const baseline = baselineOf(history.slice(-settings.baselineSize));
  if (baseline.n < settings.minBaseline || baseline.sigma === 0) return { baseline, applicable: false, z: null, fired: [] };
  const { mean: m, sigma: s } = baseline;
  const z = (x - m) / s;
  const side: Side = x > m ? 1 : -1;
  const counts = (sd: Side) => settings.sides === 'both' || sd === (badSide === 'above' ? 1 : -1);
  const beyond = (v: number, k: number, sd: Side) => (sd === 1 ? v - m > k * s : m - v > k * s);
  const fired: StatRule[] = [];
  if (Math.abs(x - m) > INPUT_ERROR_SIGMAS * s) fired.push('input_error');
  if (!counts(side)) return { baseline, applicable: true, z, fired };
  if (settings.exception && Math.abs(x - m) > 3 * s) fired.push('sigma3');
  const before = (k: number) => recent.slice(-k);
  if (settings.runRules.twoOfThree && beyond(x, 2, side) && before(2).filter((v) => beyond(v, 2, side)).length >= 1) fired.push('run_2of3');
  if (settings.runRules.fourOfFive && beyond(x, 1, side) && before(4).filter((v) => beyond(v, 1, side)).length >= 3) fired.push('run_4of5');
  if (settings.runRules.eightInRow && x !== m && before(7).length === 7 && before(7).every((v) => beyond(v, 0, side))) fired.push('run_8');
  return { baseline, applicable: true, z, fired };
}
