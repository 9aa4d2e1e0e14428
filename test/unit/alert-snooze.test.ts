import { describe, expect, it } from 'vitest';
import { snoozeEnd } from '../../src/core/alerts/respond.js';

describe('snooze lengths, in the zone of whoever pressed', () => {
  it('30 minutes and 2 hours are exact durations', () => {
    const now = new Date('2026-03-29T00:45:00Z'); // 01:45 in Berlin, 15 minutes before the spring change
    expect(snoozeEnd('30m', now, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:15:00.000Z');
    expect(snoozeEnd('2h', now, 'Europe/Berlin').toISOString()).toBe('2026-03-29T02:45:00.000Z');
  });

  it('"until 09:00" is 09:00 tomorrow local, across a daylight-saving change', () => {
    // Saturday 23:30 in Berlin (CET); Sunday 09:00 is CEST, 07:00Z.
    expect(snoozeEnd('tomorrow', new Date('2026-03-28T22:30:00Z'), 'Europe/Berlin').toISOString()).toBe('2026-03-29T07:00:00.000Z');
    // The same instant is Saturday 18:30 in New York: its tomorrow 09:00 is Sunday 13:00Z.
    expect(snoozeEnd('tomorrow', new Date('2026-03-28T22:30:00Z'), 'America/New_York').toISOString()).toBe('2026-03-29T13:00:00.000Z');
    // 04:00 in Bangalore: "tomorrow", not three hours from now.
    expect(snoozeEnd('tomorrow', new Date('2026-06-02T22:30:00Z'), 'Asia/Kolkata').toISOString()).toBe('2026-06-04T03:30:00.000Z');
  });
});
