import type { PulseSource, PulseStats } from '../scorecards/scorecards.types.js';
import { enpsQuestion } from './results.js';
import { SourceRollups } from '../scorecards/source-rollups.js';
import type { GroupResult, RoundResults, SuppressedGroup, SurveyResultsRepository, SurveyRound, SurveyRoundRepository } from './surveys.types.js';
import { isShown } from './surveys.types.js';

/** Closed rounds looked at: the latest and the trend before it. */
const ROUNDS_READ = 12;

export interface PulseSourceDeps {
  rounds: Pick<SurveyRoundRepository, 'closed'>;
  results: Pick<SurveyResultsRepository, 'get'>;
  /** Where the rounds read are kept between scorecards (absent: read every time). */
  rollups?: Pick<SourceRollups, 'read'>;
}

/** What the scorecard keeps of a closed round: who was invited per team, and its groups' figures (not their questions). */
interface KeptRound {
  round: Pick<SurveyRound, 'invitedByTeam'>;
  results: RoundResults;
}

/**
 * A round's eNPS for some teams, from its stored results (suppression
 * already applied there): the organisation when the teams cover the whole
 * audience; one team's own group; for several teams, the respondent-weighted
 * eNPS of those shown (a hidden team adds nothing, so nothing about it can be
 * read). Suppressed when no group of the scope is shown.
 */
export function scopeFigures(round: Pick<SurveyRound, 'invitedByTeam'>, results: RoundResults, teamIds: readonly string[]): { enps: number | null; responseRate: number | null; suppressed: boolean } {
  const inScope = new Set(teamIds);
  const audience = Object.keys(round.invitedByTeam);
  const hidden = { enps: null, responseRate: null, suppressed: true };
  const whole = audience.length > 0 && audience.every((t) => inScope.has(t));
  if (whole) return isShown(results.org) ? { enps: results.org.enps, responseRate: results.org.responseRate, suppressed: false } : hidden;
  const groups = results.teams.filter((g) => g.teamId !== null && inScope.has(g.teamId));
  const shown = groups.filter(isShown) as GroupResult[];
  if (!shown.length) return hidden;
  const respondents = shown.reduce((n, g) => n + g.respondents, 0);
  const invited = shown.reduce((n, g) => n + g.invited, 0);
  const scored = shown.filter((g) => g.enps !== null);
  const scoredN = scored.reduce((n, g) => n + g.respondents, 0);
  return {
    enps: scoredN ? Math.round(scored.reduce((n, g) => n + (g.enps ?? 0) * g.respondents, 0) / scoredN) : null,
    responseRate: invited ? Math.round((respondents / invited) * 100) / 100 : null,
    suppressed: false,
  };
}

const withoutQuestions = (g: GroupResult | SuppressedGroup): GroupResult | SuppressedGroup => (isShown(g) ? { ...g, questions: [], trend: [] } : g);

/**
 * The surveys' side of the scorecard: the latest closed round with an eNPS question, and the rounds before
 * it. The rounds and their results are read together and kept as a roll-up until a round closes or results
 * are saved.
 */
export function surveyPulseSource(d: PulseSourceDeps): PulseSource {
  const rollups = d.rollups ?? SourceRollups.none;
  const rounds = () =>
    rollups.read('pulse:rounds', [{ source: 'pulse' }], async (): Promise<{ closed: number; kept: KeptRound[] }> => {
      const closed = (await d.rounds.closed(ROUNDS_READ * 2)).filter((r) => enpsQuestion(r.questions)).slice(0, ROUNDS_READ);
      const read = await Promise.all(closed.map(async (r) => ({ round: r, results: await d.results.get(r.id) })));
      const kept = read.flatMap(({ round, results }) => (results ? [{ round: { invitedByTeam: round.invitedByTeam }, results: { ...results, org: withoutQuestions(results.org), teams: results.teams.map(withoutQuestions) } }] : []));
      return { closed: closed.length, kept };
    });
  return {
    /** Set up once a round with an eNPS question has closed. */
    setUp: async () => (await rounds()).closed > 0,
    async latest(teamIds: readonly string[]): Promise<PulseStats | null> {
      const figures = (await rounds()).kept.map(({ round, results }) => ({ results, ...scopeFigures(round, results, teamIds) }));
      const [last] = figures;
      if (!last) return null;
      const enpsTrend = figures
        .filter((f) => !f.suppressed && f.enps !== null)
        .map((f) => f.enps as number)
        .reverse();
      return { enps: last.suppressed ? null : last.enps, responseRate: last.suppressed ? null : last.responseRate, suppressed: last.suppressed, enpsTrend, roundEndedAt: last.results.closedAt };
    },
  };
}
