import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oncallScorecardFigures } from '../../src/core/oncall/scorecard-figures.js';
import type { Period } from '../../src/core/scorecards/scorecards.types.js';
import { MongoAlertRepository } from '../../src/store/alerts.repository.js';
import { recordFilters, watchedConnection } from '../support/scans.js';
import { isolatedNames } from '../support/stack.js';

const WEEK = { from: new Date('2026-11-16T00:00:00Z'), to: new Date('2026-11-23T00:00:00Z') };
const W47: Period = { ...WEEK, kind: 'week', label: '2026-W47', weeks: ['2026-W47'] };
/** More than the 500 a page of `list` holds: paging through them would read the collection once per page on FerretDB. */
const IN_WEEK = 1_200;

/*
 * The scorecard's alert figures and the open alerts per KPI read the alerts in one command each, whatever their
 * number: on FerretDB every filtered or sorted page is a read of the whole collection, so the roll-ups (every 5
 * minutes) used to cost a scan per 500 alerts.
 */
describe('alert reads of the scorecard roll-ups', () => {
  let conn: Connection;
  let alerts: MongoAlertRepository;

  beforeAll(async () => {
    conn = await watchedConnection(isolatedNames('alert_figures').mongoUri);
    alerts = new MongoAlertRepository(conn);
    const opened = (i: number, at: Date, kpiKey?: string) =>
      alerts.open(
        { key: `t:${i}`, severity: 'critical', teamId: i % 3 === 0 ? 'team-a' : 'team-b', source: 'kpi', title: `Alert ${i}`, explanation: 'x', lastValue: 1, worstValue: 1, ...(kpiKey ? { kpiKey } : {}) },
        at,
        { at, kind: 'opened', actor: 'test', text: `Alert ${i}` },
      );
    // The week's alerts, 40 minutes apart, and some on either side of it.
    await Promise.all(Array.from({ length: IN_WEEK }, (_, i) => opened(i, new Date(WEEK.from.getTime() + i * 8 * 60_000), i < 30 ? 'revenue' : i < 35 ? 'churn' : undefined)));
    await Promise.all([opened(-1, new Date(WEEK.from.getTime() - 1)), opened(-2, WEEK.to, 'churn')]);
  }, 120_000);
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('a period of 1,200 alerts in one find, bounds [from, to) kept', async () => {
    const { result, commands } = await recordFilters(conn, () => alerts.openedBetween(WEEK.from, WEEK.to));
    expect(commands.filter((c) => c === 'find alerts')).toHaveLength(1);
    // And the alerts' notes (first pages kept beside them: src/store/alert-notes.ts), one find as well.
    expect(commands.filter((c) => c === 'find alert_notes')).toHaveLength(1);
    expect(result).toHaveLength(IN_WEEK);
    expect(result.every((a) => a.createdAt >= WEEK.from && a.createdAt < WEEK.to && a.timeline.length === 1)).toBe(true);

    const figures = oncallScorecardFigures({ alerts, people: { getMany: () => Promise.resolve([]) } });
    const read = await recordFilters(conn, () => figures.forTeams(['team-a', 'team-b'], W47));
    expect(read.result.count).toBe(IN_WEEK);
    // One query of the alerts and one of their notes; the getMores that follow read on along the same cursors.
    expect(read.commands.filter((c) => !c.startsWith('getMore')).sort()).toEqual(['find alert_notes', 'find alerts']);
    expect((await figures.forTeams(['team-a'], W47)).count).toBe(IN_WEEK / 3);
    expect(await recordFilters(conn, () => figures.setUp())).toMatchObject({ result: true, commands: ['find alerts'] });
  });

  it('open and acknowledged alerts per KPI in one aggregation; resolved ones and alerts of no KPI are not counted', async () => {
    const one = await alerts.openId('t:0');
    const two = await alerts.openId('t:1');
    await alerts.changeStatus(one!, ['open'], 'acknowledged', { at: WEEK.to, kind: 'acknowledged', actor: 'test', text: 'ack' });
    await alerts.changeStatus(two!, ['open'], 'resolved', { at: WEEK.to, kind: 'resolved', actor: 'test', text: 'resolved' });
    const { result, commands } = await recordFilters(conn, () => alerts.liveCountByKpi());
    expect(commands).toEqual(['aggregate alerts']);
    expect(result).toEqual({ revenue: 29, churn: 6 });
  });
});
