import type { PageBlocker } from '../checkins/blockers.js';
import type { PeopleRepository } from '../ports.js';
import type { AlertDeps } from './lifecycle.js';
import { raiseAlert } from './raise.js';

/**
 * A check-in blocker as an alert (source `blocker`, one per blocker): routed
 * to the team's escalation policy and acknowledged like any other. Paging
 * again while it is open folds into the same alert.
 */
export const blockerPager =
  (d: AlertDeps & { people: Pick<PeopleRepository, 'get'> }): PageBlocker =>
  async (blocker, by) => {
    const name = (await d.people.get(blocker.personId))?.name ?? 'A teammate';
    const outcome = await raiseAlert(
      d,
      {
        key: `blocker:${blocker.id}`,
        severity: 'critical',
        teamId: blocker.teamId,
        source: 'blocker',
        title: `Blocker: ${name} needs help`.slice(0, 200),
        explanation: `${name} is blocked and asked for help in the check-in of ${blocker.period}:\n>${blocker.text}`,
        lastValue: null,
        worstValue: null,
      },
      { at: d.clock.now(), actor: by },
    );
    return { alertId: outcome.alert.id, opened: outcome.opened };
  };
