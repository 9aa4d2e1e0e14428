import mongoose, { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../src/core/alerts/alerts.types.js';
import type { EscalationSnapshot } from '../../src/core/oncall/escalation.types.js';
import { encodeLine } from '../../src/store/alerts.codec.js';
import { featureConnection } from '../../src/store/databases.js';
import { isolatedNames, startTestTandem } from '../support/stack.js';

type Tandem = Awaited<ReturnType<typeof startTestTandem>>;

/**
 * How an alert is stored (src/store/alerts.codec.ts): its escalation snapshot, timeline lines and kept copies as
 * JSON strings, one scalar each, read back as the same values; and alerts stored before, with those as nested
 * documents (production MongoDB holds them), read, escalated and updated as they were, old and new lines mixed.
 */
describe('the stored shape of an alert', () => {
  let tandem: Tandem;
  let conn: mongoose.Connection;
  const teamId = 'b'.repeat(24);
  const frozenAt = new Date('2026-11-20T08:00:00Z');
  const snapshot: EscalationSnapshot = {
    policyId: 'p'.repeat(24),
    policyName: 'Old policy',
    urgency: 'high',
    repeat: 0,
    // Step 2 names a team that does not exist: run, it writes its "nobody to notify" line (no message to send).
    steps: [
      { delayMinutes: 0, target: { kind: 'oncall', scheduleId: 's1' } },
      { delayMinutes: 5, target: { kind: 'channel' } },
    ],
    teamId,
    managerId: null,
    schedules: { s1: { id: 's1', teamId, name: 'Primary', timeZone: 'Europe/Berlin', layers: [{ name: 'primary', people: ['ana'], shift: 'P1W', handoff: '09:00', start: '2026-11-02', restriction: null, timeZone: 'Europe/Berlin' }] } },
    onCall: { s1: 'ana' },
    frozenAt,
  };
  const raw = () => featureConnection(conn, 'alerts').collection<Record<string, unknown>>('alerts');

  beforeAll(async () => {
    const names = isolatedNames('alert_shape');
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false', MONGODB_URI: names.mongoUri }, { workers: false });
    conn = mongoose.connections.find((c) => c.name === new URL(names.mongoUri).pathname.slice(1))!;
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  it('stores a new alert’s snapshot, lines and copies as strings and reads back the same values', async () => {
    const at = new Date('2026-11-26T10:00:00Z');
    const input = { key: 'test:shape:new', severity: 'critical' as const, teamId, source: 'alertmanager' as const, title: 'new', explanation: 'new', lastValue: 4.5, worstValue: 4.5 };
    const started: TimelineEntry = { at, kind: 'escalated', actor: 'tandem', text: 'Escalation started', data: { key: 'started', escalation: 'escalation_started' } };
    const opened = await tandem.store.alerts.open(input, at, { at, kind: 'opened', actor: 'integration:x', text: 'new', data: { value: 4.5 } }, () => ({
      timeline: [started],
      timelineKeys: ['started'],
      escalation: snapshot,
    }));
    if (!opened.opened) throw new Error('expected a new alert');
    const id = opened.alert.id;
    const copy = { platform: 'slack' as const, channel: 'DANA', messageId: '1.0001' };
    const page: TimelineEntry = { at: new Date('2026-11-26T10:00:01Z'), kind: 'notified', actor: 'tandem', text: 'Step 1: sent', data: { key: 'page', escalation: 'notified', repeat: 0, step: 0, personId: 'ana' } };
    await tandem.store.alerts.noteOnce(id, 'page', page, { messageKey: 'page', cursor: { wave: 0, repeat: 0, step: 0 }, copy });
    // A line whose data holds a Date is kept as the object it is (a string would give the Date back as text).
    const snoozed: TimelineEntry = { at: new Date('2026-11-26T10:01:00Z'), kind: 'snoozed', actor: 'ana', text: 'Snoozed', data: { until: new Date('2026-11-26T11:00:00Z') } };
    await tandem.store.alerts.note(id, snoozed);

    const doc = (await raw().findOne({ _id: new Types.ObjectId(id) }))!;
    expect(typeof doc.escalation).toBe('string');
    expect((doc.timeline as unknown[]).map((t) => typeof t)).toEqual(['string', 'string', 'object']);
    // The first page, sent on the insert's hold, is a note beside the alert (src/store/alert-notes.ts), its line
    // and copy strings too; the alert itself was not rewritten for it.
    expect(doc.copies).toBeUndefined();
    const [note, ...more] = await featureConnection(conn, 'alerts').collection<Record<string, unknown>>('alert_notes').find({ key: 'page' }).toArray();
    expect(more).toEqual([]);
    expect(note).toMatchObject({ _id: expect.stringMatching(new RegExp(`^${id}:[0-7]$`)), after: 2, messageKey: 'page', rank: 0 });
    expect([typeof note!.line, typeof note!.copy]).toEqual(['string', 'string']);

    const alert = (await tandem.store.alerts.get(id))!;
    expect(alert.escalation).toEqual(snapshot);
    expect(alert.escalation?.frozenAt).toBeInstanceOf(Date);
    expect(alert.timeline).toEqual([{ at, kind: 'opened', actor: 'integration:x', text: 'new', data: { value: 4.5 } }, started, page, snoozed]);
    expect(alert.copies).toEqual([{ key: 'page', ...copy }]);
    expect(alert.messageKeys).toEqual(['page']);
    expect(alert.cursor).toEqual({ repeat: 0, step: 0 });
    // Its own escalation view reads the same snapshot.
    expect((await tandem.core.escalation.runStep(id, 0, 1)).kind).toBe('ran');
  });

  it('reads, escalates and updates an alert stored in the old shape (nested documents)', async () => {
    const _id = new Types.ObjectId();
    const id = _id.toString();
    const createdAt = new Date(Date.now() - 60_000);
    const pageKey = `escalation:${id}:0:0:ana`;
    const oldLines = [
      { at: createdAt, kind: 'opened', actor: 'integration:x', text: 'old', data: { value: null } },
      { at: createdAt, kind: 'escalated', actor: 'tandem', text: 'Escalation started with the policy Old policy', data: { key: `escalation:${id}:started`, escalation: 'escalation_started' } },
      { at: createdAt, kind: 'notified', actor: 'tandem', text: 'Step 1: sent to <@person:ana>', data: { key: pageKey, escalation: 'notified', repeat: 0, step: 0, personId: 'ana' } },
    ];
    const oldCopy = { key: pageKey, platform: 'slack', channel: 'DANA', messageId: '9.0001' };
    await raw().insertOne({
      _id,
      key: 'test:shape:old',
      severity: 'critical',
      teamId,
      source: 'alertmanager',
      title: 'old',
      explanation: 'old',
      lastValue: null,
      worstValue: null,
      status: 'open',
      count: 1,
      flapping: false,
      normalStreak: 0,
      timeline: oldLines,
      timelineKeys: [`escalation:${id}:started`, pageKey],
      messageKeys: [pageKey],
      wave: 0,
      createdAt,
      updatedAt: createdAt,
      escalation: snapshot,
      copies: [oldCopy],
      stepRank: 0,
    });
    await featureConnection(conn, 'alerts').collection('open_alerts').insertOne({ _id: 'test:shape:old' as never, alertId: id });

    const read = (await tandem.store.alerts.get(id))!;
    expect(read.escalation).toEqual(snapshot);
    expect(read.timeline).toEqual(oldLines);
    expect(read.copies).toEqual([oldCopy]);
    expect(read.cursor).toEqual({ repeat: 0, step: 0 });

    // Step 2 runs from the old snapshot: its line is a new (string) line beside the old ones, the cursor moves.
    expect(await tandem.core.escalation.runStep(id, 0, 1)).toMatchObject({ kind: 'ran', notified: [] });
    let now = (await tandem.store.alerts.get(id))!;
    expect(now.timeline.slice(0, 3)).toEqual(oldLines);
    expect(now.timeline.slice(3).map((t) => t.data?.escalation)).toEqual(['no_target']);
    expect(now.cursor).toEqual({ repeat: 0, step: 1 });
    expect(now.copies).toEqual([oldCopy]);

    // A repeat of the alert: count, value and its line.
    const breach = { at: new Date(), value: 7, severity: 'critical' as const, title: 'old', explanation: 'again' };
    const again: TimelineEntry = { at: new Date(), kind: 'updated', actor: 'integration:x', text: 'Again: old', data: { value: 7 } };
    now = (await tandem.store.alerts.addBreach(id, breach, again))!;
    expect(now.count).toBe(2);
    expect(now.timeline.at(-1)).toEqual(again);

    // Acknowledged and resolved as before; the old copy is still what a change rewrites.
    const acked = (await tandem.store.alerts.changeStatus(id, ['open'], 'acknowledged', { at: new Date(), kind: 'acknowledged', actor: 'ana', text: 'Acknowledged' }))!;
    expect(acked.status).toBe('acknowledged');
    expect(acked.messageKeys).toEqual([pageKey]);
    const resolved = (await tandem.store.alerts.changeStatus(id, ['open', 'acknowledged'], 'resolved', { at: new Date(), kind: 'resolved', actor: 'ana', text: 'Resolved' }))!;
    expect(resolved.timeline.map((t) => t.kind)).toEqual(['opened', 'escalated', 'notified', 'escalated', 'updated', 'acknowledged', 'resolved']);
    expect(resolved.escalation).toEqual(snapshot);
    expect(await tandem.store.alerts.openId('test:shape:old')).toBeNull();
    const late: TimelineEntry = { at: new Date(), kind: 'updated', actor: 'integration:x', text: 'Again: old', data: { value: 9 } };
    // A breach of the resolved alert is not folded into it.
    expect(await tandem.store.alerts.addBreach(id, { ...breach, value: 9 }, late)).toBeNull();
    const after = (await tandem.store.alerts.get(id))!;
    expect(after.count).toBe(2);
    expect(after.timeline).toHaveLength(7);
  });

  it('takes back a line by its stored string (a breach that landed on an alert resolved in between)', async () => {
    const at = new Date('2026-11-26T12:00:00Z');
    const input = { key: 'test:shape:pull', severity: 'warning' as const, teamId, source: 'kpi' as const, title: 'pull', explanation: 'pull', lastValue: 1, worstValue: 1 };
    const opened = await tandem.store.alerts.open(input, at, { at, kind: 'opened', actor: 'tandem', text: 'pull', data: { value: 1 } });
    if (!opened.opened) throw new Error('expected a new alert');
    const line: TimelineEntry = { at: new Date('2026-11-26T12:01:00Z'), kind: 'updated', actor: 'tandem', text: 'Again: pull', data: { value: 2 } };
    await tandem.store.alerts.note(opened.alert.id, line);
    // addBreach's take-back is this `$pull`, of the line encoded again from the same entry.
    await raw().updateOne({ _id: new Types.ObjectId(opened.alert.id) }, { $pull: { timeline: encodeLine({ ...line, data: { value: 2 } }) } } as never);
    expect((await tandem.store.alerts.get(opened.alert.id))!.timeline.map((t) => t.kind)).toEqual(['opened']);
  });
});
