import { describe, expect, it } from 'vitest';
import { parseCover } from '../../src/core/oncall/cover.js';

const ALICE = 'a'.repeat(24);
// Wednesday 25 March 2026, 11:00 in Berlin (CET); the clocks go forward on Sunday 29 March.
const now = new Date('2026-03-25T10:00:00Z');
const iso = (d: Date) => d.toISOString();

describe('/tandem oncall cover: the text, read in the requester’s zone', () => {
  it('cover @alice until Friday 18:00: from now until this Friday 18:00 local', () => {
    const r = parseCover(`<@person:${ALICE}> until Friday 18:00`, now, 'Europe/Berlin');
    expect(r).toEqual({ personId: ALICE, start: now, end: new Date('2026-03-27T17:00:00Z'), team: null });
    expect(iso(parseCover(`<@person:${ALICE}> until Friday 18:00`, now, 'America/New_York').end)).toBe('2026-03-27T22:00:00.000Z');
  });
  it('from … until …, across the spring change, and on a named team', () => {
    const r = parseCover(`<@person:${ALICE}> from Saturday 20:00 until Monday 09:00 on Platform Team`, now, 'Europe/Berlin');
    expect([iso(r.start), iso(r.end), r.team]).toEqual(['2026-03-28T19:00:00.000Z', '2026-03-30T07:00:00.000Z', 'Platform Team']);
  });
  it('without a person the requester covers; a time alone is today, or tomorrow once past; a day alone ends at its end', () => {
    expect(parseCover('until 18:00', now, 'Europe/Berlin')).toMatchObject({ personId: null, end: new Date('2026-03-25T17:00:00Z') });
    expect(iso(parseCover('until 08:00', now, 'Europe/Berlin').end)).toBe('2026-03-26T07:00:00.000Z');
    expect(iso(parseCover('until tomorrow', now, 'Europe/Berlin').end)).toBe('2026-03-26T23:00:00.000Z');
    expect(iso(parseCover('until 2026-04-01 12:30', now, 'Europe/Berlin').end)).toBe('2026-04-01T10:30:00.000Z');
    expect(iso(parseCover('until wed 09:00', now, 'Europe/Berlin').end)).toBe('2026-04-01T07:00:00.000Z'); // today's 09:00 has passed
  });
  it('refuses what it cannot read, with the usage', () => {
    expect(() => parseCover(`<@person:${ALICE}>`, now, 'Europe/Berlin')).toThrow(/who covers and until when/);
    expect(() => parseCover('until someday', now, 'Europe/Berlin')).toThrow(/can't read “someday”/);
    expect(() => parseCover('from Friday 18:00 until Friday 09:00', now, 'Europe/Berlin')).toThrow(/must end after it starts/);
    expect(() => parseCover('until 2027-12-01', now, 'Europe/Berlin')).toThrow(/at most 93 days/);
  });
});
