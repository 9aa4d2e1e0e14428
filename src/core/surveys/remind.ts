import { keyOf, remindKey } from './context.js';
import { inviteView } from './surveys.views.js';
import type { InvitationRepository, SurveyConfig, SurveyResponseRepository, SurveyRoundRepository } from './surveys.types.js';
import type { Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import type { PeopleRepository } from '../ports.js';

/** What a reminder reads: the round, the invitation, whether the key has finished, and the person. */
export interface RemindDeps {
  store: { rounds: Pick<SurveyRoundRepository, 'get'>; invitations: Pick<InvitationRepository, 'get'>; responses: Pick<SurveyResponseRepository, 'get'> };
  people: Pick<PeopleRepository, 'get'>;
  messenger: Pick<Messenger, 'dm'>;
  clock: Clock;
  config: Pick<SurveyConfig, 'secret' | 'minGroupSize'>;
}

/**
 * Reminder `n` to one invited person: only while the round is open, before
 * their window ends, and only if they have not finished (read by HMAC key).
 */
export async function remind(deps: RemindDeps, id: string, personId: string, n: number): Promise<boolean> {
  const [round, invitation, person] = await Promise.all([deps.store.rounds.get(id), deps.store.invitations.get(id, personId), deps.people.get(personId)]);
  if (!round || round.status !== 'open' || !round.closesAt || !invitation || !person?.active) return false;
  const now = deps.clock.now();
  if (now >= round.closesAt || now >= invitation.closesAt) return false;
  if ((await deps.store.responses.get(id, keyOf(deps, id, personId)))?.finished) return false;
  return deps.messenger.dm(personId, inviteView(round, round.closesAt, person.timeZone, deps.config.minGroupSize, true), remindKey(id, personId, n));
}
