import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerInputSchema } from '../../src/core/oncall/oncall.types.js';
import { ScheduleReads } from '../../src/core/oncall/schedules.js';
import { onCallAt } from '../../src/core/oncall/rotation.js';
import { createStore, type Store } from '../../src/store/index.js';
import { syncIndexes } from '../../src/store/models.js';
import { expectNoScan, watchedConnection } from '../support/scans.js';
import { dropDatabases } from '../../src/store/databases.js';
import { isolatedNames } from '../support/stack.js';

// Wednesday 25 March 2026, 11:00 in Berlin; the rotation hands off daily at 09:00.
const clock = { now: () => new Date('2026-03-25T10:00:00Z') };

/**
 * Who is on call is read on every `/tandem oncall`, every escalation step
 * and every coverage check: a team's schedule through its `_id`-keyed
 * pointer, a schedule by its id, the policy and the routing by `_id`, and
 * the shifts computed in code. None of it may scan a collection on FerretDB.
 */
describe('on-call reads and override writes are _id lookups', () => {
  let conn: Connection;
  let store: Store;
  let reads: ScheduleReads;
  const team = '5f0000000000000000000001';
  const [ana, jonas] = ['5f00000000000000000000a1', '5f00000000000000000000a2'];
  let scheduleId: string;

  beforeAll(async () => {
    conn = await watchedConnection(isolatedNames('oncall_lookups').mongoUri);
    store = createStore(conn);
    await syncIndexes(conn);
    reads = new ScheduleReads({ oncall: store.oncall, clock });
    const layer = { ...layerInputSchema.parse({ name: 'primary', people: [ana, jonas], shift: 'daily', handoff: '09:00', start: '2026-03-23' }), timeZone: 'Europe/Berlin' };
    // Other teams' schedules, so a scan would have rows to read.
    for (let i = 2; i < 6; i++) await store.oncall.createSchedule({ teamId: `5f000000000000000000000${i}`, name: `other ${i}`, timeZone: 'UTC', layers: [layer] });
    scheduleId = (await store.oncall.createSchedule({ teamId: team, name: 'Platform', timeZone: 'Europe/Berlin', layers: [layer] })).id;
  });
  afterAll(async () => {
    await dropDatabases(conn);
    await conn.close();
  });

  it('on-call shift by schedule and time: a schedule read by team and by id, without a scan', async () => {
    // Schedules are cached once read (creating one reads it back): from the store, the reads are by _id.
    store.cache.clear();
    const byTeam = await expectNoScan(conn, () => reads.nowAndNext(team));
    expect(byTeam.commands).toEqual(['find oncall_team_schedules', 'find oncall_schedules']);
    const again = await expectNoScan(conn, () => reads.nowAndNext(team));
    expect(again.commands).toEqual(['find oncall_team_schedules']);
    // Shift 2 from Monday 23 March: Ana (0: Mon, 1: Tue Jonas, 2: Wed Ana), until Thursday 09:00 CET.
    expect(byTeam.result.now).toMatchObject({ personId: ana, end: new Date('2026-03-26T08:00:00Z') });
    expect(byTeam.result.next).toMatchObject({ personId: jonas });

    store.cache.clear();
    const byId = await expectNoScan(conn, () => reads.shifts(scheduleId, clock.now(), new Date('2026-03-27T00:00:00Z')));
    expect(byId.commands).toEqual(['find oncall_schedules']);
    expect(byId.result.map((s) => s.personId)).toEqual([ana, jonas]);

    // What an escalation step reads: the live schedule by id, for its overrides.
    const live = await expectNoScan(conn, () => store.oncall.getSchedule(scheduleId));
    expect(onCallAt(live.result!, clock.now())).toBe(ana);
  });

  it('adds, prunes and removes overrides with single-document updates by _id', async () => {
    const old = { id: 'old', personId: jonas, start: new Date('2025-11-01T00:00:00Z'), end: new Date('2025-11-02T00:00:00Z'), createdBy: 'test', createdAt: new Date('2025-11-01T00:00:00Z') };
    const cover = { id: 'cover', personId: jonas, start: clock.now(), end: new Date('2026-03-25T16:00:00Z'), createdBy: 'test', createdAt: clock.now() };
    await store.oncall.addOverride(scheduleId, old, new Date('2025-01-01T00:00:00Z'));
    // An override that ended before the retention window is dropped when the next one is added.
    const added = await expectNoScan(conn, () => store.oncall.addOverride(scheduleId, cover, new Date('2026-01-01T00:00:00Z')));
    expect(added.result.overrides.map((o) => o.id)).toEqual(['cover']);
    expect(added.commands).toEqual(['findAndModify oncall_schedules', 'findAndModify oncall_schedules']);
    expect((await reads.nowAndNext(team)).now).toMatchObject({ personId: jonas, source: 'override' });

    const removed = await expectNoScan(conn, () => store.oncall.removeOverride(scheduleId, 'cover'));
    expect(removed.result.overrides).toEqual([]);
  });

  it('keeps every override when many are added and removed at once', async () => {
    const at = (i: number) => new Date(Date.UTC(2026, 3, 1 + i));
    const override = (i: number) => ({ id: `o${i}`, personId: ana, start: at(i), end: at(i + 1), createdBy: 'test', createdAt: clock.now() });
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.oncall.addOverride(scheduleId, override(i), new Date('2026-01-01T00:00:00Z'))));
    await Promise.all([
      ...[0, 2, 4, 6, 8].map((i) => store.oncall.removeOverride(scheduleId, `o${i}`)),
      ...Array.from({ length: 5 }, (_, i) => store.oncall.addOverride(scheduleId, override(10 + i), new Date('2026-01-01T00:00:00Z'))),
    ]);
    const ids = (await store.oncall.getSchedule(scheduleId))!.overrides.map((o) => o.id).sort();
    expect(ids).toEqual(['o1', 'o10', 'o11', 'o12', 'o13', 'o14', 'o3', 'o5', 'o7', 'o9']);
  });

  it('reads a policy and the routing by _id', async () => {
    const policy = await store.oncall.createPolicy({ name: 'Platform', steps: [{ delayMinutes: 0, target: { kind: 'oncall', scheduleId } }], repeat: 0, urgency: 'high' });
    await store.oncall.setRouting({ rules: [{ teamId: team, policyId: policy.id }], defaultPolicyId: null });
    // Both are read on every alert: the writes above read them back into the cache, so the next reads send nothing.
    const cached = await expectNoScan(conn, async () => [await store.oncall.routing(), await store.oncall.getPolicy(policy.id)] as const);
    expect(cached.commands).toEqual([]);
    expect(cached.result[1]?.id).toBe(policy.id);
    store.cache.clear();
    const read = await expectNoScan(conn, async () => [await store.oncall.routing(), await store.oncall.getPolicy(policy.id)] as const);
    expect(read.commands).toEqual(['find escalation_routing', 'find escalation_policies']);
  });
});
