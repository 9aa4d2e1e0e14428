import type { Alert, AlertBreach, NewAlert, OpeningRecord, Silence, TimelineEntry } from './alerts.types.js';
import type { AlertDeps } from './lifecycle.js';
import { resolveAlert } from './lifecycle.js';

export interface RaiseOptions {
  at: Date;
  actor: string;
  /** Flapping window of the key; openings beyond `opens` in it hold alerts open. */
  flapping?: { opens: number; windowHours: number };
}

export type RaiseOutcome = { opened: boolean; alert: Alert };

/** The silence covering an alert now: one on its KPI or its team, the longest running. */
export async function silenceFor(d: AlertDeps, alert: Pick<Alert, 'kpiKey' | 'teamId'>, at: Date): Promise<Silence | null> {
  const covering = (await d.alerts.activeSilences(at)).filter((s) => (s.kpiKey !== null && s.kpiKey === alert.kpiKey) || (s.teamId !== null && s.teamId === alert.teamId));
  return covering.sort((a, b) => b.until.getTime() - a.until.getTime())[0] ?? null;
}

/**
 * Raises an alert for its dedup key, or folds the breach into the one open:
 * count, last and worst value, severity raised if worse. A new alert starts
 * its escalation unless a silence covers it (it is still recorded, and the
 * timeline says it was suppressed).
 */
export async function raiseAlert(d: AlertDeps, input: NewAlert, o: RaiseOptions): Promise<RaiseOutcome> {
  const breach: AlertBreach = {
    at: o.at,
    value: input.lastValue,
    ...(input.lastAt ? { sampleAt: input.lastAt } : {}),
    severity: input.severity,
    title: input.title,
    explanation: input.explanation,
    ...(input.worse ? { worse: input.worse } : {}),
  };
  const entry = (kind: 'opened' | 'updated') => ({ at: o.at, kind, actor: o.actor, text: kind === 'opened' ? input.title : `Again: ${input.title}`, data: { value: input.lastValue } });
  // A key this process has not seen open is tried as a new alert first: its dedup insert decides (see OpenKeys).
  let lookup = d.openKeys?.has(input.key) ?? true;
  let winner: string | null = null;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const openId = winner ?? (lookup ? await d.alerts.openId(input.key) : null);
    [winner, lookup] = [null, true];
    if (openId) {
      const updated = await d.alerts.addBreach(openId, breach, entry('updated'));
      if (updated) {
        d.openKeys?.add(input.key);
        // Opened with its escalation but no step run yet: the first step's job may be what a crash lost after the
        // insert (the opening request then had no answer, and this is its resend). Queued again under its id.
        if (updated.escalation && !updated.cursor && updated.wave === 0 && updated.status === 'open') await notifyOpened(d, updated);
        await d.notifier.changed(updated).catch((err: unknown) => d.logger.warn({ err, alertId: openId }, 'alert message update failed'));
        return { opened: false, alert: updated };
      }
      continue;
    }
    const opening = await openingRecord(d, input, o.at);
    const result = await d.alerts.open(input, o.at, entry('opened'), opening.record);
    if (!result.opened) {
      // Open already (the insert lost to its dedup key): the repeat path, with the alert the key names.
      winner = result.id;
      continue;
    }
    d.openKeys?.add(input.key);
    // The opening is counted for the flapping window beside the escalation's start, not before it: the page does not
    // wait for that write (only a later resolution reads the count).
    const counted = o.flapping ? d.alerts.recordOpening(input.key, o.at, new Date(o.at.getTime() - o.flapping.windowHours * 3_600_000)) : null;
    const [alert] = await Promise.all([opening.silenced ? result.alert : notifyOpened(d, result.alert, true), counted]);
    return { opened: true, alert };
  }
  throw new Error(`could not raise or update the alert ${input.key}`);
}

/**
 * What a new alert is written with: the silence that suppresses it (its timeline says so), or the escalation
 * frozen for it (routing, policy, schedules and team read from caches), so that opening it is one insert.
 */
async function openingRecord(d: AlertDeps, input: NewAlert, at: Date): Promise<{ silenced: boolean; record?: OpeningRecord }> {
  const silence = await silenceFor(d, input, at);
  if (silence) {
    const text = `Notifications suppressed until ${silence.until.toISOString()} by a silence: ${silence.reason}`;
    const line: TimelineEntry = { at, kind: 'suppressed', actor: silence.createdBy, text, data: { silenceId: silence.id } };
    return { silenced: true, record: () => ({ timeline: [line], timelineKeys: [], silencedUntil: silence.until }) };
  }
  const record = await d.notifier.plan(input).catch((err: unknown) => {
    // Escalation is started after the write instead (start freezes the policy itself).
    d.logger.warn({ err, key: input.key }, 'could not freeze the escalation before opening the alert');
    return null;
  });
  return { silenced: false, ...(record ? { record } : {}) };
}

/** Starts the escalation of a new alert (`inserted`: just written here): with its snapshot written, this queues its first step. */
async function notifyOpened(d: AlertDeps, alert: Alert, inserted = false): Promise<Alert> {
  try {
    // Escalation writes its own timeline entries (who was notified, each step).
    await d.notifier.opened(alert, inserted);
  } catch (err) {
    d.logger.warn({ err, alertId: alert.id }, 'alert notification failed');
    return (await d.alerts.note(alert.id, { at: d.clock.now(), kind: 'notified', actor: 'tandem', text: 'Notification failed; see the logs' })) ?? alert;
  }
  return alert;
}

/**
 * One normal observation for the open alert of `key`: after `resolveAfter`
 * in a row it resolves itself, unless its key opened more than
 * `flapping.opens` times in the window: then it is held open and marked
 * flapping (the alert is read only then).
 */
export async function observeNormal(d: AlertDeps, alertId: string, key: string, o: { at: Date; resolveAfter: number; flapping: { opens: number; windowHours: number } }): Promise<void> {
  const streak = await d.alerts.countNormal(alertId);
  if (streak < o.resolveAfter) return;
  const openings = await d.alerts.openingsSince(key, new Date(o.at.getTime() - o.flapping.windowHours * 3_600_000));
  if (openings > o.flapping.opens) {
    const alert = await d.alerts.get(alertId);
    if (alert && !alert.flapping) {
      const text = `Flapping: opened ${openings} times in ${o.flapping.windowHours} h; held open until it settles`;
      const held = await d.alerts.note(alertId, { at: o.at, kind: 'flapping', actor: 'tandem', text }, { flapping: true });
      if (held) await d.notifier.changed(held).catch((err: unknown) => d.logger.warn({ err, alertId }, 'alert message update failed'));
    }
    return;
  }
  await resolveAlert(d, alertId, 'tandem', `Back to normal: ${streak} normal samples in a row`);
}
