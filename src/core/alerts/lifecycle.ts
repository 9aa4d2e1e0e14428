import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Alert, AlertNotifier, AlertRepository, AlertStatus } from './alerts.types.js';
import type { OpenKeys } from './open-keys.js';

export interface AlertDeps {
  alerts: AlertRepository;
  notifier: AlertNotifier;
  clock: Clock;
  logger: Logger;
  /** Keys seen open in this process: a new one is opened without a lookup first (see OpenKeys); absent: always looked up. */
  openKeys?: OpenKeys;
}

/** Which statuses each target status may be reached from. */
const ALLOWED_FROM: Record<Exclude<AlertStatus, 'open'>, readonly AlertStatus[]> = {
  acknowledged: ['open'],
  resolved: ['open', 'acknowledged'],
};

export type StatusChange = { changed: true; alert: Alert } | { changed: false; alert: Alert | null };

/**
 * Moves an alert to `acknowledged` or `resolved` in one guarded update (the
 * timeline entry is appended in the same update), then re-renders what was
 * sent about it. Of two concurrent acknowledgements exactly one changes the
 * alert; the other gets `{changed: false}` and the alert as it now is.
 */
export async function changeAlertStatus(
  d: AlertDeps,
  id: string,
  to: Exclude<AlertStatus, 'open'>,
  by: { actor: string; text?: string; data?: Record<string, unknown> },
): Promise<StatusChange> {
  const at = d.clock.now();
  const text = by.text ?? (to === 'acknowledged' ? 'Acknowledged' : 'Resolved');
  const alert = await d.alerts.changeStatus(id, ALLOWED_FROM[to], to, { at, kind: to, actor: by.actor, text, ...(by.data ? { data: by.data } : {}) });
  if (!alert) return { changed: false, alert: await d.alerts.get(id) };
  await d.notifier.changed(alert).catch((err: unknown) => d.logger.warn({ err, alertId: id }, 'alert message update failed'));
  return { changed: true, alert };
}

/** Acknowledges an open alert: the first acknowledgement wins; a later one is told who was first. */
export async function acknowledgeAlert(d: AlertDeps, id: string, actor: string): Promise<StatusChange> {
  const result = await changeAlertStatus(d, id, 'acknowledged', { actor });
  if (!result.changed && !result.alert) throw new DomainError('not_found', `No alert ${id}`);
  return result;
}

/** Resolves an open or acknowledged alert (by a person, a rule or an intake) and frees its dedup key. */
export async function resolveAlert(d: AlertDeps, id: string, actor: string, text?: string): Promise<StatusChange> {
  const result = await changeAlertStatus(d, id, 'resolved', { actor, ...(text ? { text } : {}) });
  if (!result.changed && !result.alert) throw new DomainError('not_found', `No alert ${id}`);
  return result;
}
