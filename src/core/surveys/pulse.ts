import type { Reply } from '../chat/chat.port.js';
import { reply } from '../chat/chat.port.js';
import { DomainError } from '../errors.js';
import type { Person } from '../people/people.types.js';
import type { GroupResult, RoundResults, SuppressedGroup } from './surveys.types.js';
import { noResultsView, resultsView } from './surveys.views.js';
import type { SurveyPicture, SurveyRepository, SurveyResultsRepository, SurveyRoundRepository } from './surveys.types.js';
import type { TeamRepository } from '../ports.js';

/** What reading results reaches: stored results only, and the teams of the reader. */
export interface PulseDeps {
  store: { surveys: Pick<SurveyRepository, 'get'>; rounds: Pick<SurveyRoundRepository, 'ofSurvey' | 'closed'>; results: Pick<SurveyResultsRepository, 'get'> };
  teams: Pick<TeamRepository, 'managedBy' | 'teamsOf'>;
  picture?: SurveyPicture | undefined;
}

/**
 * Reading results. Results exist only for closed rounds and hold only
 * aggregates with suppression already applied (results.ts), so what is read
 * here can be shown as it is.
 */

/** The results of a survey's latest closed round (or round `n`), whole or for one team. */
export async function surveyResults(deps: PulseDeps, surveyId: string, opts: { team?: string | undefined; round?: number | undefined }): Promise<RoundResults & { group: GroupResult | SuppressedGroup | null }> {
  const survey = await deps.store.surveys.get(surveyId);
  if (!survey) throw new DomainError('not_found', `No survey with id ${surveyId}`, { id: surveyId });
  const rounds = (await deps.store.rounds.ofSurvey(surveyId)).filter((r) => r.status === 'closed' && (opts.round === undefined || r.n === opts.round));
  const last = rounds.sort((a, b) => b.n - a.n)[0];
  if (!last) throw new DomainError('conflict', 'No round of this survey has closed yet: results appear only after a survey closes.', { surveyId });
  const results = await deps.store.results.get(last.id);
  if (!results) throw new DomainError('conflict', 'The results of this round are still being computed.', { roundId: last.id });
  if (!opts.team) return { ...results, group: null };
  const group = results.teams.find((t) => t.teamId === opts.team);
  if (!group) throw new DomainError('not_found', `Team ${opts.team} was not in this survey's audience`, { team: opts.team });
  return { ...results, teams: [group], group };
}

/**
 * `/tandem pulse`: the latest results the person may see. Leaders and admins
 * see the organisation and every team; managers the organisation and the
 * teams they manage; everyone else the organisation and their own teams.
 */
export async function pulse(deps: PulseDeps, actor: Person): Promise<Reply> {
  const closed = await deps.store.rounds.closed(20);
  const everything = actor.roles.includes('leader') || actor.roles.includes('admin');
  const mine = new Set([...(await deps.teams.managedBy(actor.id)), ...(await deps.teams.teamsOf(actor.id))].map((t) => t.id));
  for (const round of closed) {
    const results = await deps.store.results.get(round.id);
    if (!results) continue;
    const teams = everything ? results.teams : results.teams.filter((t) => t.teamId && mine.has(t.teamId));
    const groups = [results.org, ...teams];
    return reply.private(resultsView(results, groups, (await deps.picture?.url(results, groups)) ?? null));
  }
  return reply.private(noResultsView());
}
