import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, TimelineEntry } from '../../src/core/alerts/alerts.types.js';
import { startTestTandem } from '../support/stack.js';

type Tandem = Awaited<ReturnType<typeof startTestTandem>>;

/**
 * An escalation step's line, its message key, the step's cursor and where a held page went are one guarded
 * update of the alert: the cursor is kept by `$max` of the step's rank (no guard in the filter, which would keep
 * the line out too), so a line of an older step or wave never moves it back, whatever order they land in.
 */
describe('an escalation step written with its timeline line', () => {
  let tandem: Tandem;
  let n = 0;

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false' }, { workers: false });
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  const newAlert = async (): Promise<Alert> => {
    n += 1;
    const at = new Date();
    const input = { key: `test:steps:${n}`, severity: 'critical' as const, teamId: 'a'.repeat(24), source: 'alertmanager' as const, title: 'steps', explanation: 'steps', lastValue: null, worstValue: null };
    const opened = await tandem.store.alerts.open(input, at, { at, kind: 'opened', text: 'steps' });
    if (!opened.opened) throw new Error('expected a new alert');
    return opened.alert;
  };
  const line = (key: string): TimelineEntry => ({ at: new Date(), kind: 'notified', actor: 'tandem', text: key, data: { key } });
  const reload = async (a: Alert) => (await tandem.store.alerts.get(a.id))!;

  it('keeps the latest step of the current wave, whatever order the lines land in, each line once', async () => {
    const alert = await newAlert();
    const steps = [3, 0, 7, 1, 5, 2, 6, 4];
    await Promise.all(steps.map((step) => tandem.store.alerts.noteOnce(alert.id, `k${step}`, line(`k${step}`), { messageKey: `k${step}`, cursor: { wave: 0, repeat: 0, step } })));
    // A retried step's line: written once, and it does not move the cursor.
    await tandem.store.alerts.noteOnce(alert.id, 'k1', line('k1'), { cursor: { wave: 0, repeat: 0, step: 1 } });
    let now = await reload(alert);
    expect(now.cursor).toEqual({ repeat: 0, step: 7 });
    expect(now.timeline.filter((t) => t.kind === 'notified')).toHaveLength(8);
    expect(new Set(now.messageKeys)).toEqual(new Set(steps.map((s) => `k${s}`)));
    // A later round beats any step of an earlier one.
    await tandem.store.alerts.noteOnce(alert.id, 'r1', line('r1'), { cursor: { wave: 0, repeat: 1, step: 0 } });
    await tandem.store.alerts.noteOnce(alert.id, 'k9', line('k9'), { cursor: { wave: 0, repeat: 0, step: 9 } });
    now = await reload(alert);
    expect(now.cursor).toEqual({ repeat: 1, step: 0 });

    // "Escalate now": a new wave has no step run yet, and a late line of the old wave does not give it one.
    const next = await tandem.store.alerts.nextWave(alert.id, 0, ['open'], {}, { at: new Date(), kind: 'escalated', actor: 'someone', text: 'now' });
    expect(next?.wave).toBe(1);
    expect(next?.cursor).toBeUndefined();
    await tandem.store.alerts.noteOnce(alert.id, 'late', line('late'), { cursor: { wave: 0, repeat: 1, step: 3 } });
    now = await reload(alert);
    expect(now.cursor).toBeUndefined();
    expect(now.timeline.some((t) => t.text === 'late')).toBe(true);
    await tandem.store.alerts.noteOnce(alert.id, 'w1', line('w1'), { cursor: { wave: 1, repeat: 0, step: 2 } });
    await tandem.store.alerts.noteOnce(alert.id, 'late2', line('late2'), { cursor: { wave: 0, repeat: 1, step: 4 } });
    expect((await reload(alert)).cursor).toEqual({ repeat: 0, step: 2 });
  });

  it('keeps where a held page went with its line, once, and the message key with it', async () => {
    const alert = await newAlert();
    const copy = { platform: 'slack' as const, channel: 'DANA', messageId: '1.0001' };
    const key = `escalation:${alert.id}:0:0:person`;
    // The line's write, twice at once (a retried step): one line, one copy.
    await Promise.all([0, 1].map(() => tandem.store.alerts.noteOnce(alert.id, key, line(key), { messageKey: key, cursor: { wave: 0, repeat: 0, step: 0 }, copy })));
    const now = await reload(alert);
    expect(now.copies).toEqual([{ key, ...copy }]);
    expect(now.messageKeys).toEqual([key]);
    expect(now.cursor).toEqual({ repeat: 0, step: 0 });
    // The Messenger's update of that key finds it on the alert (no posted-message record), on an enabled platform only.
    expect(await tandem.store.postedMessages.addresses(key)).toEqual([]);
    expect(await tandem.core.messenger.update(key, { text: 'x', blocks: [] }, [{ platform: 'teams', channel: 'c', messageId: 'm' }])).toBe(0);
  });
});
