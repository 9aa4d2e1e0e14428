/** Production requires a survey secret; the benchmarks run Tandem as production with this fixed one. */
export const BENCH_SURVEY_SECRET = 'bench-survey-secret-0123456789abcdef0123456789';
