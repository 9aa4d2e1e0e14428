import { keyOf, remindKey, type SurveyDeps } from './context.js';
import { inviteView } from './surveys.views.js';

/**
 * Reminder `n` to one invited person: only while the round is open, before
 * their window ends, and only if they have not finished (read by HMAC key).
 */
export async function remind(deps: SurveyDeps, id: string, personId: string, n: number): Promise<boolean> {
  const [round, invitation, person] = await Promise.all([deps.store.rounds.get(id), deps.store.invitations.get(id, personId), deps.people.get(personId)]);
  if (!round || round.status !== 'open' || !round.closesAt || !invitation || !person?.active) return false;
  const now = deps.clock.now();
  if (now >= round.closesAt || now >= invitation.closesAt) return false;
  if (await deps.store.participation.hasFinished(keyOf(deps, id, personId))) return false;
  return deps.messenger.dm(personId, inviteView(round, round.closesAt, person.timeZone, deps.config.minGroupSize, true), remindKey(id, personId, n));
}
