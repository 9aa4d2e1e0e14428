import { inBatches, inviteKey, remindKey, type SurveyDeps } from './context.js';
import { openJobOf } from './define.js';
import { SURVEY_JOBS, type Invitation, type Survey, type SurveyRound } from './surveys.types.js';

type Requeue = (name: string, data: Record<string, unknown>, opts: { jobId: string; at?: Date }) => Promise<void>;

/**
 * The surveys' sweep (see `FeatureJobs.sweep`): the database says which rounds
 * are waiting, open or closing, and whatever Redis no longer holds is queued
 * again under the job ids the normal path uses (a job still there is never
 * doubled; a message already sent is never sent again, by its key). It puts
 * back what a Redis that lost its data, or a crash between an open marking its
 * round open and queuing its jobs, would lose:
 * - the next round's open (a waiting round's, at the time the fatigue guard set);
 * - for an open round: each invitation not yet sent (at its time), the reminders
 *   of those sent (ahead at their time, the latest due one at once) and the close;
 * - a closing round's close, at once.
 */
export function surveySweeper(deps: SurveyDeps): () => Promise<number> {
  return async () => {
    const now = deps.clock.now();
    let requeued = 0;
    const requeue: Requeue = async (name, data, opts) => {
      if (await deps.scheduler.requeue(name, data, opts)) requeued += 1;
    };
    for (const survey of await deps.store.surveys.list()) {
      const rounds = await deps.store.rounds.ofSurvey(survey.id);
      for (const round of rounds) await sweepRound(deps, survey, round, now, requeue);
      const latest = rounds.at(-1);
      if (survey.active && latest?.status !== 'waiting') {
        const next = openJobOf(survey, (latest?.n ?? 0) + 1, now);
        if (next) await requeue(SURVEY_JOBS.open, next.data, next.opts);
      }
    }
    if (requeued > 0) deps.logger.info({ requeued }, 'survey sweep requeued work Redis did not hold');
    return requeued;
  };
}

async function sweepRound(deps: SurveyDeps, survey: Survey, round: SurveyRound, now: Date, requeue: Requeue): Promise<void> {
  const close = { roundId: round.id };
  switch (round.status) {
    case 'waiting': {
      if (!survey.active) return;
      const data = { surveyId: survey.id, n: round.n };
      if (round.waiting) await requeue(SURVEY_JOBS.open, data, { jobId: `survey.open:${survey.id}:${round.n}:${round.waiting.until.getTime()}`, at: round.waiting.until });
      else await requeue(SURVEY_JOBS.open, data, { jobId: `survey.open:${survey.id}:${round.n}` });
      return;
    }
    case 'open': {
      const closesAt = round.closesAt ?? now;
      if (now < closesAt) {
        const invitations = await deps.store.invitations.ofRound(round.id);
        await inBatches(invitations, 25, (i) => sweepInvitation(deps, i, now, requeue));
      }
      await requeue(SURVEY_JOBS.close, close, { jobId: `survey.close:${round.id}`, ...(closesAt > now ? { at: closesAt } : {}) });
      return;
    }
    case 'closing':
      await requeue(SURVEY_JOBS.close, close, { jobId: `survey.close:${round.id}` });
      return;
    case 'closed':
      return;
  }
}

/** An invitation not sent is queued again; once sent, its reminders (the invitation job queues them after sending). */
async function sweepInvitation(deps: SurveyDeps, i: Invitation, now: Date, requeue: Requeue): Promise<void> {
  if (now >= i.closesAt) return;
  const key = inviteKey(i.roundId, i.personId);
  if ((await deps.messenger.addresses(key)).length === 0) {
    await requeue(SURVEY_JOBS.invite, { roundId: i.roundId, personId: i.personId }, { jobId: key, at: i.inviteAt });
    return;
  }
  const due = i.remindAt.filter((at) => at <= now).length;
  for (const [k, at] of i.remindAt.entries()) {
    // Reminders whose time passed while Redis held nothing: only the latest is worth sending, at once.
    if (at <= now && k + 1 < due) continue;
    const data = { roundId: i.roundId, personId: i.personId, n: k + 1 };
    await requeue(SURVEY_JOBS.remind, data, { jobId: remindKey(i.roundId, i.personId, k + 1), ...(at > now ? { at } : {}) });
  }
}
