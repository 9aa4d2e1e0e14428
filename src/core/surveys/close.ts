import { DomainError } from '../errors.js';
import { inBatches, inviteKey, remindKey, resultsKey, roundId } from './context.js';
import { computeResults, shownTeams, shuffle } from './results.js';
import { SURVEY_JOBS, type AnonymousAnswer, type GroupResult, type RoundResults, type SuppressedGroup, type SurveyRound } from './surveys.types.js';
import { closedView, resultsView } from './surveys.views.js';
import type { InvitationRepository, SurveyPicture, SurveyAnswerRepository, SurveyConfig, SurveyResponseRepository, SurveyResultsRepository, SurveyRoundRepository } from './surveys.types.js';
import type { Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { PeopleRepository, Scheduler, TeamRepository } from '../ports.js';

/** What closing reads, writes and deletes, and whom it tells. */
export interface CloseDeps {
  store: {
    rounds: Pick<SurveyRoundRepository, 'get' | 'ofSurvey' | 'update'>;
    invitations: Pick<InvitationRepository, 'ofRound' | 'deleteRound'>;
    responses: Pick<SurveyResponseRepository, 'ofRound' | 'deleteRound'>;
    answers: Pick<SurveyAnswerRepository, 'insertRound' | 'deleteRound'>;
    results: Pick<SurveyResultsRepository, 'get' | 'save' | 'answersStored' | 'ofClosing'>;
  };
  people: Pick<PeopleRepository, 'allActive'>;
  teams: Pick<TeamRepository, 'get'>;
  messenger: Pick<Messenger, 'dm' | 'update'>;
  scheduler: Pick<Scheduler, 'enqueue'>;
  clock: Clock;
  logger: Logger;
  config: Pick<SurveyConfig, 'minGroupSize'>;
  picture?: SurveyPicture | undefined;
}

/**
 * Closes a round: from then on nothing can be answered or changed.
 *
 * 1. The round turns `closing` (answers are refused from this instant).
 * 2. The finished responses are read and shuffled, with no key, no person,
 *    no time finer than the close, and team tags only for teams that may be
 *    shown (a round below the floor keeps none); the results are computed
 *    from them and saved.
 * 3. They are copied into the anonymous store; then the keyed responses are
 *    deleted, and the invitations rewritten.
 * 4. Managers get their team's results, leaders the organisation's; then
 *    the invitations (who was asked) are deleted too.
 *
 * A retried close keeps saved results and redoes steps 3–4 from the keyed
 * responses, which exist until the anonymous answers are stored.
 */
export async function closeRound(deps: CloseDeps, id: string): Promise<RoundResults | null> {
  const round = await deps.store.rounds.get(id);
  if (!round || round.status === 'closed' || round.status === 'waiting') return round?.status === 'closed' ? deps.store.results.get(id) : null;
  const now = deps.clock.now();
  if (round.status === 'open' && round.closesAt && now < round.closesAt) {
    // Promoted before its time by the clock: come back at the close.
    await deps.scheduler.enqueue(SURVEY_JOBS.close, { roundId: id }, { jobId: `survey.close:${id}:${now.getTime()}`, at: round.closesAt });
    return null;
  }
  const closing = await deps.store.rounds.update(id, ['open', 'closing'], { status: 'closing', closesAt: round.status === 'open' && round.closesAt && round.closesAt < now ? round.closesAt : now });
  if (!closing) return null;
  const closedAt = closing.closesAt ?? now;
  const floor = deps.config.minGroupSize;
  const saved = round.status === 'closing' ? await deps.store.results.ofClosing(id) : null;
  if (saved?.answersStored) return finish(deps, closing, saved.results);

  // The keyed responses exist until `finish`, which runs only once the anonymous answers are stored.
  // The round's responses in RESPONSE_BUCKETS reads by `_id` (src/store/survey-responses.repository.ts), not a scan.
  const [responses, previous] = await Promise.all([
    deps.store.responses.ofRound(id),
    round.n > 1 && !saved ? deps.store.results.get(roundId(round.surveyId, round.n - 1)) : null,
  ]);
  const kept = responses.filter((r) => r.finished).map((r) => ({ teamIds: r.teamIds, answers: r.answers }));
  const shown = shownTeams(kept, floor);
  const anonymous: AnonymousAnswer[] =
    kept.length < floor ? [] : shuffle(kept).map((a) => ({ surveyId: round.surveyId, roundId: id, closedAt, teamIds: a.teamIds.filter((t) => shown.has(t)), answers: a.answers }));
  // The results first (computed from the answers in hand), then the anonymous answers: the results do not wait for
  // thousands of inserts. A retry after a crash in between keeps the saved results and stores the answers again.
  const results = saved?.results ?? computeResults(closing, anonymous, floor, previous, closedAt);
  if (!saved) await deps.store.results.save(results);
  // Only a retried close (the round was `closing` already) can find answers of an earlier attempt to replace.
  if (round.status === 'closing') await deps.store.answers.deleteRound(id);
  await deps.store.answers.insertRound(id, anonymous);
  await deps.store.results.answersStored(id);
  return finish(deps, closing, results);
}

/** Deletes the keyed responses, marks the round closed and delivers the results. */
async function finish(deps: CloseDeps, round: SurveyRound, results: RoundResults): Promise<RoundResults> {
  await deps.store.responses.deleteRound(round.id);
  const closed = await deps.store.rounds.update(round.id, ['closing'], { status: 'closed', closedAt: results.closedAt });
  deps.logger.info({ roundId: round.id, invited: round.invited }, 'survey round closed');
  if (closed) {
    await deliver(deps, closed, results);
    await deps.store.invitations.deleteRound(round.id);
  }
  return results;
}

/** Closes the survey's open round now (admin API). */
export async function closeNow(deps: CloseDeps, surveyId: string): Promise<RoundResults> {
  const open = (await deps.store.rounds.ofSurvey(surveyId)).find((r) => r.status === 'open' || r.status === 'closing');
  if (!open) throw new DomainError('conflict', 'This survey has no open round to close.', { surveyId });
  await deps.store.rounds.update(open.id, ['open'], { closesAt: deps.clock.now() });
  const results = await closeRound(deps, open.id);
  if (!results) throw new DomainError('conflict', 'The round is being closed already.', { roundId: open.id });
  return results;
}

/** Rewrites every invitation and reminder without answers, then sends results to managers and leaders. */
async function deliver(deps: CloseDeps, round: SurveyRound, results: RoundResults): Promise<void> {
  const invitations = await deps.store.invitations.ofRound(round.id);
  await inBatches(invitations, 20, async (i) => {
    await deps.messenger.update(inviteKey(round.id, i.personId), closedView(round));
    for (const n of [1, 2]) await deps.messenger.update(remindKey(round.id, i.personId, n), closedView(round));
  });
  const byManager = new Map<string, (GroupResult | SuppressedGroup)[]>();
  for (const group of results.teams) {
    const team = group.teamId ? await deps.teams.get(group.teamId) : null;
    if (!team?.managerId) continue;
    byManager.set(team.managerId, [...(byManager.get(team.managerId) ?? []), group]);
  }
  const leaders: string[] = [];
  for await (const p of deps.people.allActive()) if (p.roles.includes('leader')) leaders.push(p.id);
  const view = async (groups: (GroupResult | SuppressedGroup)[]) => resultsView(results, groups, (await deps.picture?.url(results, groups)) ?? null);
  if (leaders.length) {
    const whole = await view([results.org, ...results.teams]);
    for (const id of leaders) await deps.messenger.dm(id, whole, resultsKey(round.id, id));
  }
  for (const [managerId, groups] of byManager) {
    if (leaders.includes(managerId)) continue;
    await deps.messenger.dm(managerId, await view(groups), resultsKey(round.id, managerId));
  }
}
