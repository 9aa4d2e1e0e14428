import { CronExpressionParser } from 'cron-parser';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Scheduler } from '../../src/core/ports.js';
import { cronOf, dueAt, isDayOff, isoWeek, reconcileZones, weeksBefore, type DaysOff, type Member, type Rhythm } from '../../src/core/rhythm/schedule.js';

const weekly: Rhythm = { time: '09:00', weekdays: [1] };
const none: DaysOff = { holidays: [], timeOff: [] };
const member = (timeZone: string, extra: Partial<Member> = {}): Member => ({ id: 'p1', timeZone, workingDays: [1, 2, 3, 4, 5], ...extra });

/** The firings a scheduler (BullMQ uses cron-parser) makes for the rhythm in a zone. */
function firings(rhythm: Rhythm, timeZone: string, fromIso: string, count: number): Date[] {
  const it = CronExpressionParser.parse(cronOf(rhythm), { currentDate: new Date(fromIso), tz: timeZone });
  return Array.from({ length: count }, () => it.next().toDate());
}

const local = (at: Date, zone: string) => DateTime.fromJSDate(at, { zone }).toFormat('ccc yyyy-MM-dd HH:mm ZZZZ');

/** A scheduler that keeps its recurring schedules in a map. */
function fakeScheduler() {
  const recurring = new Map<string, { pattern: string; timeZone: string; name: string; data: Record<string, unknown> }>();
  const scheduler: Pick<Scheduler, 'upsertRecurring' | 'removeRecurring'> = {
    upsertRecurring: async (id, schedule, name, data) => void recurring.set(id, { ...schedule, name, data }),
    removeRecurring: async (id) => void recurring.delete(id),
  };
  return { scheduler, recurring };
}

describe('rhythm: cron of a local time and weekdays', () => {
  it('writes cron weekdays with Sunday as 0 and every day as *', () => {
    expect(cronOf({ time: '09:30', weekdays: [1, 3, 5] })).toBe('30 9 * * 1,3,5');
    expect(cronOf({ time: '18:05', weekdays: [7, 6] })).toBe('5 18 * * 0,6');
    expect(cronOf({ time: '15:00', weekdays: [1, 2, 3, 4, 5, 6, 7] })).toBe('0 15 * * *');
  });
});

describe('rhythm across DST', () => {
  it('fires Monday 09:00 local in Europe/Berlin across the March and October changes', () => {
    const march = firings(weekly, 'Europe/Berlin', '2026-03-20T00:00:00Z', 2);
    expect(march.map((d) => local(d, 'Europe/Berlin'))).toEqual(['Mon 2026-03-23 09:00 GMT+1', 'Mon 2026-03-30 09:00 GMT+2']);
    expect(march.map((d) => d.toISOString())).toEqual(['2026-03-23T08:00:00.000Z', '2026-03-30T07:00:00.000Z']);
    const october = firings(weekly, 'Europe/Berlin', '2026-10-20T00:00:00Z', 2);
    expect(october.map((d) => d.toISOString())).toEqual(['2026-10-26T08:00:00.000Z', '2026-11-02T08:00:00.000Z']);
    expect(october.map((d) => local(d, 'Europe/Berlin'))).toEqual(['Mon 2026-10-26 09:00 GMT+1', 'Mon 2026-11-02 09:00 GMT+1']);
    for (const at of [...march, ...october]) expect(dueAt(member('Europe/Berlin'), at, weekly, none)?.toISODate()).toBe(DateTime.fromJSDate(at, { zone: 'Europe/Berlin' }).toISODate());
  });

  it('fires Monday 09:00 local in America/New_York across the March and November changes', () => {
    const march = firings(weekly, 'America/New_York', '2026-03-04T00:00:00Z', 2);
    expect(march.map((d) => d.toISOString())).toEqual(['2026-03-09T13:00:00.000Z', '2026-03-16T13:00:00.000Z']);
    expect(firings(weekly, 'America/New_York', '2026-02-27T00:00:00Z', 2).map((d) => d.toISOString())).toEqual(['2026-03-02T14:00:00.000Z', '2026-03-09T13:00:00.000Z']);
    const november = firings(weekly, 'America/New_York', '2026-10-28T00:00:00Z', 2);
    expect(november.map((d) => d.toISOString())).toEqual(['2026-11-02T14:00:00.000Z', '2026-11-09T14:00:00.000Z']);
    for (const at of [...march, ...november]) expect(dueAt(member('America/New_York'), at, weekly, none)).not.toBeNull();
  });

  it('is not due before the local time, in the zone of the member (not the server)', () => {
    // 07:30 UTC on Monday 30 March 2026 is 09:30 in Berlin (summer time) but 03:30 in New York.
    const at = new Date('2026-03-30T07:30:00Z');
    expect(dueAt(member('Europe/Berlin'), at, weekly, none)?.toISODate()).toBe('2026-03-30');
    expect(dueAt(member('America/New_York'), at, weekly, none)).toBeNull();
    // A firing a few minutes early (scheduler jitter) still counts; an hour early does not.
    expect(dueAt(member('Europe/Berlin'), new Date('2026-03-30T06:57:00Z'), weekly, none)).not.toBeNull();
    expect(dueAt(member('Europe/Berlin'), new Date('2026-03-30T06:00:00Z'), weekly, none)).toBeNull();
    // Not one of the rhythm's weekdays.
    expect(dueAt(member('Europe/Berlin'), new Date('2026-03-31T07:30:00Z'), weekly, none)).toBeNull();
  });
});

describe('rhythm: days off and holidays', () => {
  const monday = new Date('2026-11-23T08:30:00Z'); // 09:30 in Berlin

  it('skips a member whose working days leave out the firing day', () => {
    expect(dueAt(member('Europe/Berlin', { workingDays: [2, 3, 4, 5] }), monday, weekly, none)).toBeNull();
    expect(isDayOff(member('Europe/Berlin'), DateTime.fromISO('2026-11-28', { zone: 'Europe/Berlin' }), none)).toBe(true);
  });

  it('skips holidays for everyone and time off for the one person', () => {
    expect(dueAt(member('Europe/Berlin'), monday, weekly, { holidays: ['2026-11-23'], timeOff: [] })).toBeNull();
    const off: DaysOff = { holidays: [], timeOff: [{ personId: 'p1', from: '2026-11-20', to: '2026-11-23' }] };
    expect(dueAt(member('Europe/Berlin'), monday, weekly, off)).toBeNull();
    expect(dueAt(member('Europe/Berlin', { id: 'p2' }), monday, weekly, off)?.toISODate()).toBe('2026-11-23');
  });

  it('reads holidays as local dates: Monday in Sydney is still Sunday in New York', () => {
    const at = new Date('2026-11-22T22:30:00Z'); // Monday 09:30 in Sydney
    const holiday: DaysOff = { holidays: ['2026-11-23'], timeOff: [] };
    expect(dueAt(member('Australia/Sydney'), at, weekly, holiday)).toBeNull();
    expect(dueAt(member('Australia/Sydney'), at, weekly, none)?.toISODate()).toBe('2026-11-23');
  });
});

describe('rhythm: one schedule per zone, following joiners and leavers', () => {
  const plan = { id: 'pulse:t1', rhythm: weekly, job: 'pulse.fire', data: { surveyId: 's1' } };

  it('adds a schedule for a joiner in a new zone and removes the last leaver’s', async () => {
    const { scheduler, recurring } = fakeScheduler();
    const first = await reconcileZones(scheduler, { ...plan, members: [member('Europe/Berlin'), member('Europe/Berlin')], previous: [] });
    expect(first).toEqual(['pulse:t1:Europe/Berlin']);
    expect(recurring.get('pulse:t1:Europe/Berlin')).toEqual({ pattern: '0 9 * * 1', timeZone: 'Europe/Berlin', name: 'pulse.fire', data: { surveyId: 's1', timeZone: 'Europe/Berlin' } });

    // Someone in New York joins: the next firing there is theirs, at 09:00 New York time.
    const second = await reconcileZones(scheduler, { ...plan, members: [member('Europe/Berlin'), member('America/New_York')], previous: first });
    expect(second).toEqual(['pulse:t1:America/New_York', 'pulse:t1:Europe/Berlin']);
    expect(recurring.get('pulse:t1:America/New_York')?.timeZone).toBe('America/New_York');

    // Berlin's last member leaves.
    const third = await reconcileZones(scheduler, { ...plan, members: [member('America/New_York')], previous: second });
    expect(third).toEqual(['pulse:t1:America/New_York']);
    expect([...recurring.keys()]).toEqual(['pulse:t1:America/New_York']);

    // Nobody left (or the feature turned off): nothing fires.
    expect(await reconcileZones(scheduler, { ...plan, members: [], previous: third })).toEqual([]);
    expect(recurring.size).toBe(0);
  });

  it('moves every zone to a new time at once', async () => {
    const { scheduler, recurring } = fakeScheduler();
    const ids = await reconcileZones(scheduler, { ...plan, members: [member('Asia/Kolkata')], previous: [] });
    await reconcileZones(scheduler, { ...plan, rhythm: { time: '16:45', weekdays: [5] }, members: [member('Asia/Kolkata')], previous: ids });
    expect(recurring.get('pulse:t1:Asia/Kolkata')?.pattern).toBe('45 16 * * 5');
  });
});

describe('ISO weeks', () => {
  it('names the week in the zone and steps across years', () => {
    expect(isoWeek(new Date('2026-11-22T23:30:00Z'), 'UTC')).toBe('2026-W47');
    expect(isoWeek(new Date('2026-11-22T23:30:00Z'), 'Europe/Berlin')).toBe('2026-W48');
    expect(weeksBefore('2027-W01', 1)).toBe('2026-W53');
    expect(weeksBefore('2026-W52', -2)).toBe('2027-W01');
  });
});
