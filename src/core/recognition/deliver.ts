import type { Messenger } from '../chat/messenger.js';
import type { Logger } from '../logger.js';
import type { Team } from '../people/people.types.js';
import type { TeamRepository } from '../ports.js';
import type { RecognitionRepository } from './recognition.types.js';
import { channelView, receivedView } from './recognition.views.js';

export const DELIVER_JOB = 'kudos.deliver';

/** Message keys of a kudos: one DM per recipient, one post per team channel. */
export const kudosDmKey = (kudosId: string, recipientId: string) => `kudos:${kudosId}:${recipientId}`;
export const kudosPostKey = (kudosId: string, teamId: string) => `kudos:${kudosId}:team:${teamId}`;

/** Every team any of these people belongs to, once. */
export async function teamsOfPeople(teams: Pick<TeamRepository, 'teamsOf'>, personIds: readonly string[]): Promise<Team[]> {
  const found = new Map<string, Team>();
  for (const id of personIds) for (const t of await teams.teamsOf(id)) found.set(t.id, t);
  return [...found.values()];
}

export interface DeliverDeps {
  recognition: Pick<RecognitionRepository, 'get' | 'settings'>;
  teams: Pick<TeamRepository, 'teamsOf'>;
  messenger: Pick<Messenger, 'dm' | 'post'>;
  logger: Logger;
}

/** Sends the DMs and the channel posts of a kudos. Each send happens once per key, so a retried job is safe. */
export function deliverer(d: DeliverDeps): (kudosId: string) => Promise<void> {
  return async (kudosId) => {
    const kudos = await d.recognition.get(kudosId);
    if (!kudos || kudos.revokedAt) return;
    const s = await d.recognition.settings();
    const failures: unknown[] = [];
    const dm = receivedView(kudos, s);
    for (const recipientId of kudos.recipientIds) {
      try {
        const sent = await d.messenger.dm(recipientId, dm, kudosDmKey(kudos.id, recipientId));
        if (!sent) d.logger.debug({ kudosId, recipientId }, 'kudos DM already sent or recipient unreachable');
      } catch (err) {
        failures.push(err);
      }
    }
    if (!kudos.private && s.channelPosts) {
      const post = channelView(kudos, s);
      for (const team of await teamsOfPeople(d.teams, kudos.recipientIds)) {
        const channels = team.id in s.teamChannels ? s.teamChannels[team.id] : team.channels;
        if (!channels) continue;
        try {
          await d.messenger.post({ ...team, channels }, post, kudosPostKey(kudos.id, team.id));
        } catch (err) {
          failures.push(err);
        }
      }
    }
    if (failures.length) {
      d.logger.warn({ kudosId, failures: failures.length, err: failures[0] }, 'some kudos deliveries failed; the job will retry them');
      throw failures[0];
    }
  };
}
