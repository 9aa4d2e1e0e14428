import { DomainError } from '../errors.js';
import { resolveAlert } from '../alerts/lifecycle.js';
import type { Person } from '../people/people.types.js';
import type { KpiDeps } from './deps.js';
import { getKpi } from './define.js';
import type { Kpi, Sample } from './kpis.types.js';

/** Who may act on a KPI's alerts: an admin, the owner team's manager, or its members when they own it. */
export async function isOwner(d: Pick<KpiDeps, 'teams'>, person: Person, teamId: string, ownerRole: Kpi['ownerRole'] = 'manager'): Promise<boolean> {
  if (person.roles.includes('admin')) return true;
  const team = await d.teams.get(teamId);
  if (!team) return false;
  return team.managerId === person.id || (ownerRole === 'members' && team.memberIds.includes(person.id));
}

/**
 * Marks a sample as a data error (or takes the mark back): it is left out of
 * baselines and alerts from then on. Audited; an alert raised by it alone is
 * resolved.
 */
export async function markDataError(d: KpiDeps, key: string, at: Date, actor: string, opts: { dataError?: boolean; alertId?: string } = {}): Promise<Sample> {
  await getKpi(d, key);
  const dataError = opts.dataError ?? true;
  const before = await d.kpis.getSample(key, at);
  if (!before) throw new DomainError('not_found', `No sample of ${key} at ${at.toISOString()}`);
  const after = await d.kpis.markDataError(key, at, dataError);
  if (!after) throw new DomainError('not_found', `No sample of ${key} at ${at.toISOString()}`);
  const now = d.clock.now();
  await d.audit.record({ actor, action: dataError ? 'kpi.sample.data_error' : 'kpi.sample.data_error.undo', target: `kpi:${key}`, before: { at, value: before.value, dataError: before.dataError }, after: { at, value: after.value, dataError } });
  if (opts.alertId && dataError) {
    const text = `Marked the value ${after.value} at ${at.toISOString()} as a data error`;
    const alert = await d.alerts.note(opts.alertId, { at: now, kind: 'data_error', actor, text, data: { at, value: after.value } });
    if (alert && alert.count <= 1 && alert.status !== 'resolved') await resolveAlert(d, alert.id, actor, 'Resolved: the value was a data error');
    else if (alert) await d.notifier.changed(alert).catch(() => undefined);
  }
  return after;
}
