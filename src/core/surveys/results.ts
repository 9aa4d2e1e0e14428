import { randomInt } from 'node:crypto';
import type { AnonymousAnswer, GroupResult, QuestionResult, RoundResults, SuppressedGroup, SurveyQuestion, SurveyRound, TrendPoint } from './surveys.types.js';
import { isShown, TREND_ROUNDS } from './surveys.types.js';

/**
 * Results with suppression, as pure functions.
 *
 * - A group (the organisation, a team) with fewer respondents than the floor
 *   shows nothing: no figure, no breakdown, no comment, not even its count.
 * - Complementary suppression: when the organisation is shown, the people of
 *   the organisation outside every shown team must be 0 or at least the
 *   floor, or subtracting the shown teams from the organisation would reveal
 *   a small group (org 10, team A 6, team B 4: B is below the floor, and A
 *   must go too, or 10 − 6 gives B away). The smallest shown team is dropped
 *   until that holds.
 * - A question answered by fewer than the floor within a shown group shows
 *   no mean or distribution; comments need the group at or above the floor.
 */

/** Teams whose figures may be shown (and kept as tags on the anonymous answers). */
export function shownTeams(answers: readonly { teamIds: readonly string[] }[], floor: number): Set<string> {
  const counts = new Map<string, number>();
  for (const a of answers) for (const t of new Set(a.teamIds)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const shown = new Set([...counts].filter(([, n]) => n >= floor).map(([t]) => t));
  if (answers.length < floor) return new Set();
  for (;;) {
    const covered = answers.filter((a) => a.teamIds.some((t) => shown.has(t))).length;
    const rest = answers.length - covered;
    if (rest === 0 || rest >= floor || shown.size === 0) return shown;
    const smallest = [...shown].sort((a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0) || a.localeCompare(b))[0];
    if (smallest === undefined) return shown;
    shown.delete(smallest);
  }
}

/** Fisher–Yates with a cryptographic source: the order says nothing about who answered when. */
export function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The question eNPS is read from: the one with id `enps`, else the first 0–10 question. */
export function enpsQuestion(questions: readonly SurveyQuestion[]): SurveyQuestion | undefined {
  return questions.find((q) => q.id === 'enps' && q.kind === 'scale10') ?? questions.find((q) => q.kind === 'scale10');
}

/** % promoters (9–10) minus % detractors (0–6), rounded to a whole number. */
export function enps(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const promoters = values.filter((v) => v >= 9).length;
  const detractors = values.filter((v) => v <= 6).length;
  return Math.round(((promoters - detractors) / values.length) * 100);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function questionResult(q: SurveyQuestion, answers: readonly AnonymousAnswer[], floor: number, previous: QuestionResult | undefined): QuestionResult {
  const values = answers.map((a) => a.answers[q.id]).filter((v) => v !== undefined && v !== null && v !== '');
  const base: QuestionResult = { id: q.id, text: q.text, kind: q.kind, answered: values.length, mean: null, distribution: {}, comments: [], change: null };
  if (q.kind === 'text') return { ...base, comments: shuffle(values.map(String)) };
  if (values.length < floor) return base;
  const distribution: Record<string, number> = {};
  if (q.kind === 'choice') for (const o of q.options ?? []) distribution[o] = 0;
  else for (let v = q.kind === 'agree5' ? 1 : 0; v <= (q.kind === 'agree5' ? 5 : 10); v += 1) distribution[String(v)] = 0;
  for (const v of values) distribution[String(v)] = (distribution[String(v)] ?? 0) + 1;
  if (q.kind === 'choice') return { ...base, distribution };
  const nums = values.map(Number);
  const mean = round2(nums.reduce((a, b) => a + b, 0) / nums.length);
  const change = previous?.mean !== null && previous?.mean !== undefined ? round2(mean - previous.mean) : null;
  return { ...base, distribution, mean, change };
}

const trendPoint = (n: number, score: number | null, questions: readonly QuestionResult[]): TrendPoint => ({
  n,
  enps: score,
  means: Object.fromEntries(questions.filter((q) => q.kind === 'agree5' || q.kind === 'scale10').map((q) => [q.id, q.mean])),
});

/** The previous round's trend (a result stored before trends existed counts as its own single point), then this round. */
function trendOf(n: number, score: number | null, questions: readonly QuestionResult[], previous: GroupResult | null): TrendPoint[] {
  const before = previous ? (previous.trend ?? [trendPoint(n - 1, previous.enps, previous.questions)]) : [];
  return [...before, trendPoint(n, score, questions)].slice(-TREND_ROUNDS);
}

export function groupResult(
  scope: 'org' | 'team',
  teamId: string | null,
  name: string,
  invited: number,
  answers: readonly AnonymousAnswer[],
  round: { n: number; questions: readonly SurveyQuestion[] },
  floor: number,
  previous: GroupResult | null,
): GroupResult {
  const eq = enpsQuestion(round.questions);
  const enpsValues = eq ? answers.map((a) => a.answers[eq.id]).filter((v): v is number => typeof v === 'number') : [];
  const score = eq && enpsValues.length >= floor ? enps(enpsValues) : null;
  const questions = round.questions.map((q) => questionResult(q, answers, floor, previous?.questions.find((p) => p.id === q.id)));
  return {
    scope,
    teamId,
    name,
    invited,
    respondents: answers.length,
    responseRate: invited > 0 ? round2(answers.length / invited) : 0,
    enps: score,
    enpsChange: score !== null && previous?.enps != null ? score - previous.enps : null,
    questions,
    trend: trendOf(round.n, score, questions, previous),
  };
}

/** One reason for every hidden group, so the reason itself tells nothing about the size. */
const suppressed = (scope: 'org' | 'team', teamId: string | null, name: string, floor: number): SuppressedGroup => ({
  scope,
  teamId,
  name,
  suppressed: true,
  reason: `Not shown: results appear only for groups of ${floor} or more respondents, and a group is also hidden when subtracting it from another would reveal a smaller one.`,
});

/** The round's results from its anonymous answers (already tagged with shown teams only). */
export function computeResults(round: SurveyRound, answers: readonly AnonymousAnswer[], floor: number, previous: RoundResults | null, closedAt: Date): RoundResults {
  const prevOrg = previous && isShown(previous.org) ? previous.org : null;
  const org = answers.length >= floor ? groupResult('org', null, 'Organisation', round.invited, answers, round, floor, prevOrg) : suppressed('org', null, 'Organisation', floor);
  const teams = Object.keys(round.invitedByTeam)
    .sort((a, b) => (round.teamNames[a] ?? a).localeCompare(round.teamNames[b] ?? b))
    .map((teamId) => {
      const name = round.teamNames[teamId] ?? teamId;
      const mine = answers.filter((a) => a.teamIds.includes(teamId));
      if (mine.length < floor) return suppressed('team', teamId, name, floor);
      const prev = previous?.teams.find((t) => t.teamId === teamId);
      return groupResult('team', teamId, name, round.invitedByTeam[teamId] ?? 0, mine, round, floor, prev && isShown(prev) ? prev : null);
    });
  return { roundId: round.id, surveyId: round.surveyId, n: round.n, name: round.name, closedAt, minGroupSize: floor, org, teams };
}
