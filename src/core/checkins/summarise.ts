import type { Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import type { PeopleRepository, TeamRepository } from '../ports.js';
import { activeMembers } from './access.js';
import { defaultSettings, FINAL_STATUSES, type Checkin, type CheckinRepository } from './checkins.types.js';
import { summaryView, type SummaryEntry } from './checkins.views.js';
import { summaryKey } from './keys.js';
import { deadlineOf, periodMinus, promptDate } from './schedule.js';

export interface SummariseDeps {
  checkins: Pick<CheckinRepository, 'getSettings' | 'ofTeamPeriod'>;
  teams: Pick<TeamRepository, 'get'>;
  people: Pick<PeopleRepository, 'getMany'>;
  messenger: Pick<Messenger, 'dm' | 'post' | 'update' | 'addresses'>;
  clock: Clock;
}

export type Summarise = (teamId: string, period: string) => Promise<'sent' | 'updated' | 'waiting'>;

/**
 * The team summary of a week: sent once every expected member is final
 * (answered, skipped or past their deadline), to the manager and/or the team
 * channel, and afterwards rewritten in place as late answers arrive.
 */
export function summariser(d: SummariseDeps): Summarise {
  return async (teamId, period) => {
    const team = await d.teams.get(teamId);
    if (!team) return 'waiting';
    const settings = (await d.checkins.getSettings(teamId)) ?? defaultSettings(teamId);
    const now = d.clock.now();
    const checkins = new Map((await d.checkins.ofTeamPeriod(teamId, period)).map((c) => [c.personId, c]));
    const members = await activeMembers(d.people, team);
    const entries: SummaryEntry[] = [];
    let waiting = false;
    for (const m of members) {
      const c = checkins.get(m.id) ?? null;
      const date = promptDate(m, period, settings);
      if (c) {
        if (!FINAL_STATUSES.includes(c.status)) waiting = true;
      } else if (date && now < deadlineOf(period, m.timeZone, settings)) {
        waiting = true;
      }
      entries.push({ personId: m.id, checkin: c, away: !c && !date });
    }
    for (const c of checkins.values()) if (!members.some((m) => m.id === c.personId)) entries.push({ personId: c.personId, checkin: c, away: false });
    const moodNow = mood([...checkins.values()]);
    const moodBefore = mood(await d.checkins.ofTeamPeriod(teamId, periodMinus(period, 1)));
    const view = summaryView(team.name, period, entries, moodNow, moodBefore, !waiting);
    const key = summaryKey(teamId, period);
    const channelKey = `${key}:channel`;
    // Each destination on its own: a summary already out somewhere is kept current everywhere, and one whose
    // send failed half-way (the DM went, the channel post did not) is completed by the retry, not only updated.
    const dmOut = (await d.messenger.addresses(key)).length > 0;
    const channelOut = (await d.messenger.addresses(channelKey)).length > 0;
    if (waiting && !dmOut && !channelOut) return 'waiting';
    if (settings.summary.managerDm && team.managerId) {
      if (dmOut) await d.messenger.update(key, view);
      else await d.messenger.dm(team.managerId, view, key);
    }
    if (settings.summary.teamChannel) {
      if (channelOut) await d.messenger.update(channelKey, view);
      else await d.messenger.post(team, view, channelKey);
    }
    if (dmOut || channelOut) return 'updated';
    return 'sent';
  };
}

function mood(checkins: Checkin[]): number | null {
  const values = checkins.filter((c) => c.status === 'answered').map((c) => Number(c.answers.mood)).filter((n) => n >= 1 && n <= 5);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}
