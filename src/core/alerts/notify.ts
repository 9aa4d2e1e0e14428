import type { Messenger } from '../chat/messenger.js';
import type { Logger } from '../logger.js';
import type { TeamRepository } from '../ports.js';
import type { Alert, AlertNotifier } from './alerts.types.js';
import { alertView, messageKey } from './alerts.views.js';

/**
 * Until on-call routing exists: DMs an alert to the people who own it (the
 * owner team's manager, or every member when a KPI is owned by the members),
 * and rewrites those DMs in place when the alert changes.
 */
export class OwnerDmNotifier implements AlertNotifier {
  constructor(
    private readonly d: {
      teams: TeamRepository;
      messenger: Messenger;
      logger: Logger;
      /** Who owns alerts of a KPI: `manager` (default) or `members` of the owner team. */
      ownerRole: (kpiKey: string) => Promise<'manager' | 'members'>;
    },
  ) {}

  async owners(alert: Pick<Alert, 'teamId' | 'kpiKey'>): Promise<string[]> {
    const team = await this.d.teams.get(alert.teamId);
    if (!team) return [];
    const role = alert.kpiKey ? await this.d.ownerRole(alert.kpiKey) : 'manager';
    if (role === 'members') return [...new Set([...(team.managerId ? [team.managerId] : []), ...team.memberIds])];
    return team.managerId ? [team.managerId] : [];
  }

  async opened(alert: Alert): Promise<string[]> {
    const view = alertView(alert);
    const reached: string[] = [];
    for (const personId of await this.owners(alert)) {
      if (await this.d.messenger.dm(personId, view, `${messageKey(alert.id)}:${personId}`)) reached.push(personId);
    }
    return reached;
  }

  async changed(alert: Alert): Promise<void> {
    const view = alertView(alert);
    for (const personId of await this.owners(alert)) await this.d.messenger.update(`${messageKey(alert.id)}:${personId}`, view);
  }
}
