import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, TimelineEntry } from '../../src/core/alerts/alerts.types.js';
import { slotOf } from '../../src/store/alert-notes.js';
import { MongoAlertRepository } from '../../src/store/alerts.repository.js';
import { featureConnection } from '../../src/store/databases.js';
import { isolatedNames, startTestTandem } from '../support/stack.js';

type Tandem = Awaited<ReturnType<typeof startTestTandem>>;

/**
 * A first page sent on the insert's hold is kept as a note beside its alert (src/store/alert-notes.ts), not as an
 * update of it: written once per key however often it is recorded, read back with the alert where it was written,
 * and a key whose slot another key's note holds, or a page recorded by a process that did not insert the alert, is
 * written on the alert as before.
 */
describe('first pages kept as notes beside their alert', () => {
  let tandem: Tandem;
  let conn: mongoose.Connection;
  let n = 0;

  beforeAll(async () => {
    const names = isolatedNames('alert_notes');
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false', MONGODB_URI: names.mongoUri }, { workers: false });
    conn = mongoose.connections.find((c) => c.name === new URL(names.mongoUri).pathname.slice(1))!;
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  const newAlert = async (): Promise<Alert> => {
    n += 1;
    const at = new Date();
    const input = { key: `test:notes:${n}`, severity: 'critical' as const, teamId: 'a'.repeat(24), source: 'alertmanager' as const, title: 'notes', explanation: 'notes', lastValue: null, worstValue: null };
    const opened = await tandem.store.alerts.open(input, at, { at, kind: 'opened', text: 'notes' }, () => ({ timeline: [line('started')], timelineKeys: ['started'] }));
    if (!opened.opened) throw new Error('expected a new alert');
    return opened.alert;
  };
  const line = (key: string): TimelineEntry => ({ at: new Date(), kind: 'notified', actor: 'tandem', text: key, data: { key } });
  const copy = (key: string) => ({ platform: 'slack' as const, channel: `D${key}`, messageId: `${key}.1` });
  const page = (alert: Alert, key: string, repo = tandem.store.alerts) => repo.noteOnce(alert.id, key, line(key), { messageKey: key, cursor: { wave: 0, repeat: 0, step: 0 }, copy: copy(key) });
  /** The first key `<prefix>:<i>` (i from 1) whose slot passes. */
  const keyIn = (prefix: string, passes: (slot: number) => boolean) => {
    let i = 1;
    while (!passes(slotOf(`${prefix}:${i}`))) i += 1;
    return `${prefix}:${i}`;
  };
  const raw = (alert: Alert) => featureConnection(conn, 'alerts').collection<{ timelineKeys: string[] }>('alerts').findOne({ _id: new mongoose.Types.ObjectId(alert.id) });
  const notes = (alert: Alert) => featureConnection(conn, 'alerts').collection('alert_notes').countDocuments({ _id: { $in: Array.from({ length: 8 }, (_, i) => `${alert.id}:${i}`) } as never });

  it('records each page once, as a note, and reads it back after the opening lines and before later ones', async () => {
    const alert = await newAlert();
    // Two pages of one step, each recorded three times at once (a retried line).
    const other = keyIn('p', (slot) => slot !== slotOf('p:0'));
    await Promise.all([0, 1, 2].flatMap(() => [page(alert, 'p:0'), page(alert, other)]));
    expect(await notes(alert)).toBe(2);
    // The step's job run again (no copy: it found the page kept): its line is not written on the alert a second time.
    await tandem.store.alerts.noteOnce(alert.id, 'p:0', line('p:0'), { messageKey: 'p:0', cursor: { wave: 0, repeat: 0, step: 0 } });
    expect((await raw(alert))?.timelineKeys).toEqual(['started']);
    await tandem.store.alerts.changeStatus(alert.id, ['open'], 'acknowledged', { at: new Date(), kind: 'acknowledged', actor: 'ana', text: 'ack' });
    const read = (await tandem.store.alerts.get(alert.id))!;
    const texts = read.timeline.map((t) => t.text);
    expect([...texts.slice(0, 2), texts.slice(2, 4).sort(), texts[4]]).toEqual(['notes', 'started', ['p:0', other].sort(), 'ack']);
    expect(new Set(read.messageKeys)).toEqual(new Set(['p:0', other]));
    expect(read.copies?.map((c) => c.key).sort()).toEqual(['p:0', other].sort());
    expect(read.cursor).toEqual({ repeat: 0, step: 0 });
    expect((await tandem.store.alerts.list({ limit: 50 })).items.find((a) => a.id === alert.id)?.copies).toHaveLength(2);
  });

  it('writes a page on the alert when its slot holds another key, or when another process inserted the alert', async () => {
    const alert = await newAlert();
    const same = keyIn('q', (slot) => slot === slotOf('q:0'));
    await Promise.all([page(alert, 'q:0'), page(alert, same), page(alert, same)]);
    expect(await notes(alert)).toBe(1);
    expect((await raw(alert))?.timelineKeys).toEqual(['started', same]);
    // Another process's repository (nothing inserted by it): on the alert, once.
    const elsewhere = new MongoAlertRepository(featureConnection(conn, 'alerts'));
    await Promise.all([page(alert, 'q:2', elsewhere), page(alert, 'q:2', elsewhere)]);
    expect((await raw(alert))?.timelineKeys).toEqual(['started', same, 'q:2']);
    const read = (await elsewhere.get(alert.id))!;
    expect(read.timeline.filter((t) => t.kind === 'notified').map((t) => t.text).sort()).toEqual(['q:0', 'q:2', same, 'started'].sort());
    expect(read.copies?.map((c) => c.key).sort()).toEqual(['q:0', 'q:2', same].sort());
  });
});
