import { CronExpressionParser } from 'cron-parser';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { checkinSettingsSchema } from '../../src/core/checkins/checkins.types.js';
import { cronPattern, deadlineOf, dueNow, periodOf, promptDate, reminderTimes, type Member } from '../../src/core/checkins/schedule.js';

const defaults = checkinSettingsSchema.parse({});
const member = (timeZone: string, extra: Partial<Member> = {}): Member => ({ id: 'a'.repeat(24), timeZone, workingDays: [1, 2, 3, 4, 5], ...extra });

/** The firings BullMQ would make: it computes next runs with cron-parser, the pattern and the scheduler's tz. */
function firings(timeZone: string, fromIso: string, count: number): Date[] {
  const it = CronExpressionParser.parse(cronPattern(defaults), { currentDate: new Date(fromIso), tz: timeZone });
  return Array.from({ length: count }, () => it.next().toDate());
}

/** Local wall-clock of the firings at which the member is actually prompted. */
function prompts(timeZone: string, fromIso: string, days: number): string[] {
  return firings(timeZone, fromIso, days)
    .filter((at) => dueNow(member(timeZone), at, defaults) !== null)
    .map((at) => DateTime.fromJSDate(at, { zone: timeZone }).toFormat('ccc yyyy-MM-dd HH:mm ZZZZ'));
}

describe('check-in schedule across time zones and DST', () => {
  it('fires daily at 15:00 local and prompts on Friday 15:00 in New York across the March change', () => {
    const all = firings('America/New_York', '2026-03-05T00:00:00Z', 10);
    for (const at of all) expect(DateTime.fromJSDate(at, { zone: 'America/New_York' }).toFormat('HH:mm')).toBe('15:00');
    expect(prompts('America/New_York', '2026-03-05T00:00:00Z', 10)).toEqual(['Fri 2026-03-06 15:00 EST', 'Fri 2026-03-13 15:00 EDT']);
    // Same wall-clock, one hour less in UTC after the change.
    const fridays = all.filter((at) => dueNow(member('America/New_York'), at, defaults));
    expect(fridays.map((d) => d.toISOString())).toEqual(['2026-03-06T20:00:00.000Z', '2026-03-13T19:00:00.000Z']);
  });

  it('keeps 15:00 local in New York across the November change', () => {
    const at = firings('America/New_York', '2026-10-29T00:00:00Z', 10).filter((d) => dueNow(member('America/New_York'), d, defaults));
    expect(at.map((d) => d.toISOString())).toEqual(['2026-10-30T19:00:00.000Z', '2026-11-06T20:00:00.000Z']);
  });

  it('keeps 15:00 local in Berlin across the March and October changes', () => {
    expect(prompts('Europe/Berlin', '2026-03-23T00:00:00Z', 14)).toEqual(['Fri 2026-03-27 15:00 GMT+1', 'Fri 2026-04-03 15:00 GMT+2']);
    expect(prompts('Europe/Berlin', '2026-10-19T00:00:00Z', 14)).toEqual(['Fri 2026-10-23 15:00 GMT+2', 'Fri 2026-10-30 15:00 GMT+1']);
  });

  it('prompts at 15:00 in Kolkata (no DST, half-hour offset) and Sydney (southern DST ends in April)', () => {
    const kolkata = firings('Asia/Kolkata', '2026-03-02T00:00:00Z', 7).filter((d) => dueNow(member('Asia/Kolkata'), d, defaults));
    expect(kolkata.map((d) => d.toISOString())).toEqual(['2026-03-06T09:30:00.000Z']);
    const sydney = firings('Australia/Sydney', '2026-03-30T00:00:00Z', 14).filter((d) => dueNow(member('Australia/Sydney'), d, defaults));
    expect(sydney.map((d) => d.toISOString())).toEqual(['2026-04-03T04:00:00.000Z', '2026-04-10T05:00:00.000Z']);
  });

  it('puts each person of a spread team in their own ISO week and deadline', () => {
    // Friday 15:00 in Sydney is still Thursday in New York.
    const at = new Date('2026-11-20T04:00:00Z');
    expect(dueNow(member('Australia/Sydney'), at, defaults)).toEqual({ period: '2026-W47', deadlineAt: new Date('2026-11-23T01:00:00Z') });
    expect(dueNow(member('America/New_York'), at, defaults)).toBeNull();
    expect(periodOf(at, 'America/New_York')).toBe('2026-W47');
    expect(deadlineOf('2026-W47', 'America/New_York', defaults)).toEqual(new Date('2026-11-23T17:00:00Z'));
  });
});

describe('days off, time off and joiners', () => {
  it('moves the prompt to the last earlier working day when Friday is a holiday or a day off', () => {
    const holiday = { ...defaults, holidays: ['2026-11-20'] };
    expect(promptDate(member('Europe/Berlin'), '2026-W47', holiday)?.toISODate()).toBe('2026-11-19');
    expect(dueNow(member('Europe/Berlin'), new Date('2026-11-19T14:00:00Z'), holiday)?.period).toBe('2026-W47');
    expect(dueNow(member('Europe/Berlin'), new Date('2026-11-20T14:00:00Z'), holiday)).toBeNull();
    // Someone working Sunday to Thursday is asked on Thursday.
    expect(promptDate(member('Asia/Kolkata', { workingDays: [1, 2, 3, 4, 7] }), '2026-W47', defaults)?.toISODate()).toBe('2026-11-19');
  });

  it('skips the week for someone off from Monday to the prompt day', () => {
    const id = 'b'.repeat(24);
    const off = { ...defaults, timeOff: [{ personId: id, from: '2026-11-16', to: '2026-11-22' }] };
    expect(promptDate(member('UTC', { id }), '2026-W47', off)).toBeNull();
    expect(dueNow(member('UTC', { id }), new Date('2026-11-20T15:00:00Z'), off)).toBeNull();
    // Off only Thursday-Friday: prompted Wednesday.
    const partly = { ...defaults, timeOff: [{ personId: id, from: '2026-11-19', to: '2026-11-20' }] };
    expect(promptDate(member('UTC', { id }), '2026-W47', partly)?.toISODate()).toBe('2026-11-18');
  });

  it('does not prompt before the prompt time, and catches up a joiner at a later working-day firing before the deadline', () => {
    expect(dueNow(member('UTC'), new Date('2026-11-20T14:00:00Z'), defaults)).toBeNull();
    const wednesday = { ...defaults, promptDay: 3 };
    // Joined Wednesday evening: prompted Thursday at the prompt time.
    expect(dueNow(member('UTC'), new Date('2026-11-19T15:00:00Z'), wednesday)?.period).toBe('2026-W47');
    // Saturday is a day off; Monday 15:00 is past the Monday-noon deadline of last week and not yet this week's prompt.
    expect(dueNow(member('UTC'), new Date('2026-11-21T15:00:00Z'), defaults)).toBeNull();
    expect(dueNow(member('UTC'), new Date('2026-11-23T15:00:00Z'), defaults)).toBeNull();
  });

  it('reminds 4 hours later and on the next working morning, never after the deadline', () => {
    const m = member('America/New_York');
    const promptedAt = new Date('2026-11-20T20:00:00Z');
    const deadline = deadlineOf('2026-W47', m.timeZone, defaults);
    expect(reminderTimes(m, promptedAt, deadline, defaults).map((d) => d.toISOString())).toEqual(['2026-11-21T00:00:00.000Z', '2026-11-23T14:30:00.000Z']);
    const mondayOff = { ...defaults, holidays: ['2026-11-23'] };
    expect(reminderTimes(m, promptedAt, deadline, mondayOff).map((d) => d.toISOString())).toEqual(['2026-11-21T00:00:00.000Z']);
  });
});
