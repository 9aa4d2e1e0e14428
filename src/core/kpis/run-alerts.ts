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
 * The normal-sample streaks of the alerts a detection run knows, counted in
 * the run and written once: an alert the run opened or folded a breach into
 * has a streak of 0 (the write said so), one it counted has the count the
 * write returned. Further normal samples are counted here while they stay
 * under `resolveAfter`; the one that reaches it is written with what was
 * counted before (its answer decides the resolution, as one write per sample
 * would have), and `settle` writes the rest before the run records its
 * samples judged: a crash before that leaves them to be judged, and counted,
 * again. Only detection, under the lease, counts or resets a KPI rule's
 * streak; an alert resolved meanwhile counts for nothing either way (under
 * `resolveAfter` nothing is done with the count, and at it the write answers 0).
 */
class RunStreaks {
  private readonly known = new Map<string, { streak: number; unwritten: number }>();

  constructor(
    private readonly alerts: AlertRepository,
    private readonly resolveAfter: number,
  ) {}

  async count(id: string, by = 1): Promise<number> {
    const known = this.known.get(id);
    if (known && known.streak + by < this.resolveAfter) {
      known.streak += by;
      known.unwritten += by;
      return known.streak;
    }
    const streak = await this.alerts.countNormal(id, (known?.unwritten ?? 0) + by);
    this.reset(id, streak > 0 ? streak : null);
    return streak;
  }

  /** What a write just said of the alert's streak (null: not live, forgotten with what was counted). */
  reset(id: string, streak: number | null): void {
    if (streak === null) this.known.delete(id);
    else this.known.set(id, { streak, unwritten: 0 });
  }

  async settle(): Promise<void> {
    // One write per alert, each its own document: at once.
    const unwritten = [...this.known].filter(([, known]) => known.unwritten > 0);
    await Promise.all(unwritten.map(async ([id, known]) => this.reset(id, (await this.alerts.countNormal(id, known.unwritten)) || null)));
  }
}

/**
 * The ports of one detection run (under the KPI's lease), whose alert store
 * answers `openId` from what the run knows, so that a run of many samples
 * looks each rule's open alert up at most once (a normal sample looks up
 * every rule that may be open, a breach the one it raises), and a rule the
 * tail notes as closed is not looked up even when it breaches; and counts
 * the normal samples' streaks in the run (RunStreaks): `settle` writes them,
 * before the run records its judgements.
 *
 * What it knows stays true for the run: only detection opens or resolves a
 * KPI rule's alert on its own, under the lease this run holds, and it does
 * so through these ports, which learn the alert the run opened and the one
 * it resolved. A person resolving the alert from chat meanwhile is what a
 * lookup just before would have missed as well: a normal sample then counts
 * nothing (a resolved alert's streak counts for nothing), a breach folded
 * into it is refused (`addBreach` returns null) and its key looked up again.
 */
export function runPorts(d: KpiDeps, knows: RunAlertKnowledge, resolveAfter: number): { ports: KpiDeps; settle: () => Promise<void> } {
  const alerts = d.alerts;
  const streaks = new RunStreaks(alerts, resolveAfter);
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
      if (result.opened) streaks.reset(result.alert.id, 0);
      return result;
    },
    addBreach: async (id, breach, entry) => {
      const alert = await alerts.addBreach(id, breach, entry);
      if (!alert) knows.forget(id);
      // A breach folded in starts the streak again (what was counted before it is moot).
      streaks.reset(id, alert ? 0 : null);
      return alert;
    },
    changeStatus: async (id, from, to, entry) => {
      const alert = await alerts.changeStatus(id, from, to, entry);
      if (!alert) knows.forget(id);
      else if (to === 'resolved') knows.resolved(id);
      if (!alert || to === 'resolved') streaks.reset(id, null);
      return alert;
    },
    countNormal: (id, by) => streaks.count(id, by),
  };
  const proxied = new Proxy(alerts, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in answering) return answering[prop as keyof AlertRepository];
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ports: { ...d, alerts: proxied }, settle: () => streaks.settle() };
}
