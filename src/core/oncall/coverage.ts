import type { Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { PeopleRepository, TeamRepository } from '../ports.js';
import type { OncallRepository } from './oncall.types.js';
import { gapWarningView } from './oncall.views.js';
import { coverageGaps } from './rotation.js';
import { DAY } from './schedules.js';

/** How far ahead the coverage check looks for gaps. */
export const GAP_LOOKAHEAD_DAYS = 7;

export interface CoverageDeps {
  oncall: Pick<OncallRepository, 'listSchedules'>;
  teams: Pick<TeamRepository, 'get'>;
  people: Pick<PeopleRepository, 'get'>;
  messenger: Pick<Messenger, 'dm'>;
  clock: Clock;
  logger: Logger;
}

/**
 * The periodic coverage check: tells each team's manager about every gap in
 * the next days, once per gap (the message key names the gap's start).
 * Returns how many warnings went out.
 */
export function coverageCheck(d: CoverageDeps): () => Promise<number> {
  return async () => {
    const now = d.clock.now();
    const until = new Date(now.getTime() + GAP_LOOKAHEAD_DAYS * DAY);
    let told = 0;
    for (const schedule of await d.oncall.listSchedules()) {
      const gaps = coverageGaps(schedule, now, until);
      if (gaps.length === 0) continue;
      const team = await d.teams.get(schedule.teamId);
      if (!team?.managerId) {
        d.logger.warn({ scheduleId: schedule.id, gaps: gaps.length }, 'on-call gap ahead, but the team has no manager to tell');
        continue;
      }
      const manager = await d.people.get(team.managerId);
      const zone = manager?.timeZone ?? schedule.timeZone;
      for (const gap of gaps) {
        const key = `oncall.gap:${schedule.id}:${gap.start.toISOString()}`;
        if (await d.messenger.dm(team.managerId, gapWarningView(team, schedule, gap, zone), key)) told += 1;
      }
    }
    return told;
  };
}
