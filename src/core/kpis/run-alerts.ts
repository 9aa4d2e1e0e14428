import type { AlertRepository } from '../alerts/alerts.types.js';
import type { KpiDeps } from './deps.js';

/** What a detection run knows of its KPI's open alerts, by dedup key (OpenRules). */
export interface RunAlertKnowledge {
  /** The open alert's id, null when there is none, undefined when it is to be looked up. */
  known(key: string): string | null | undefined;
  /** A lookup's answer, or an alert this run opened (or lost the race to open: the winner's id). */
  found(key: string, id: string | null): void;
  /** This run resolved the alert: its key has no open alert now. */
  resolved(id: string): void;
  /** The alert turned out not to be open any more (resolved elsewhere): its key is looked up again. */
  forget(id: string): void;
}

/**
 * The ports of one detection run (under the KPI's lease), whose alert store
 * answers `openId` from what the run knows, so that a run of many samples
 * looks each rule's open alert up at most once (a normal sample looks up
 * every rule that may be open, a breach the one it raises), and a rule the
 * tail notes as closed is not looked up even when it breaches.
 *
 * What it knows stays true for the run: only detection opens or resolves a
 * KPI rule's alert on its own, under the lease this run holds, and it does
 * so through these ports, which learn the alert the run opened and the one
 * it resolved. A person resolving the alert from chat meanwhile is what a
 * lookup just before would have missed as well: a normal sample then counts
 * nothing (a resolved alert's streak counts for nothing), a breach folded
 * into it is refused (`addBreach` returns null) and its key looked up again.
 */
export function runPorts(d: KpiDeps, knows: RunAlertKnowledge): KpiDeps {
  const alerts = d.alerts;
  const answering: Partial<AlertRepository> = {
    openId: async (key) => {
      const known = knows.known(key);
      if (known !== undefined) return known;
      const id = await alerts.openId(key);
      knows.found(key, id);
      return id;
    },
    open: async (alert, at, entry, record) => {
      const result = await alerts.open(alert, at, entry, record);
      knows.found(alert.key, result.opened ? result.alert.id : result.id);
      return result;
    },
    addBreach: async (id, breach, entry) => {
      const alert = await alerts.addBreach(id, breach, entry);
      if (!alert) knows.forget(id);
      return alert;
    },
    changeStatus: async (id, from, to, entry) => {
      const alert = await alerts.changeStatus(id, from, to, entry);
      if (!alert) knows.forget(id);
      else if (to === 'resolved') knows.resolved(id);
      return alert;
    },
  };
  const proxied = new Proxy(alerts, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in answering) return answering[prop as keyof AlertRepository];
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ...d, alerts: proxied };
}
