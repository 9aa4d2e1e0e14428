import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../src/core/alerts/alerts.types.js';
import type { EscalationSnapshot } from '../../src/core/oncall/escalation.types.js';
import { decodeCopy, decodeLine, decodeSnapshot, encodeCopy, encodeLine, encodeSnapshot } from '../../src/store/alerts.codec.js';

/** The stored form of an alert's snapshot, lines and copies (src/store/alerts.codec.ts): each value comes back as it went. */
describe('alerts codec', () => {
  const at = new Date('2026-11-26T10:00:00.123Z');

  it('stores a line of plain values as a string and reads back the same line, keys in the same order', () => {
    const lines: TimelineEntry[] = [
      { at, kind: 'opened', actor: 'integration:x', text: 'Disk "full" \u2013 <@person:a>', data: { value: null } },
      { at, kind: 'notified', actor: 'tandem', text: 'Step 1', data: { key: 'k', escalation: 'notified', repeat: 0, step: 0, personId: 'p', flag: true, v: -1.5 } },
      { at, kind: 'annotated', text: 'no actor, no data' },
    ];
    for (const line of lines) {
      const stored = encodeLine(line);
      expect(typeof stored).toBe('string');
      const back = decodeLine(stored);
      expect(back).toEqual(line);
      expect(Object.keys(back)).toEqual(Object.keys(line));
      expect(back.at).toBeInstanceOf(Date);
      // The same line encodes to the same string (a `$pull` of it finds it).
      expect(encodeLine({ ...line })).toBe(stored);
    }
  });

  it('keeps a line as the object it is when JSON would not give it back', () => {
    const kept: TimelineEntry[] = [
      { at, kind: 'snoozed', actor: 'ana', text: 'Snoozed', data: { until: new Date('2026-11-26T11:00:00Z') } },
      { at, kind: 'updated', text: 'NaN', data: { value: Number.NaN } },
      { at, kind: 'updated', text: 'nested', data: { people: ['a', 'b'] } },
      { at, kind: 'updated', text: 'undefined', data: { value: undefined } },
      { at: new Date(Number.NaN), kind: 'updated', text: 'an invalid date' },
    ];
    for (const line of kept) {
      expect(encodeLine(line)).toBe(line);
      expect(decodeLine(line)).toBe(line);
    }
  });

  it('stores a snapshot as a string, frozenAt revived; an old one (an object) is read as it is', () => {
    const snapshot: EscalationSnapshot = {
      policyId: 'p',
      policyName: 'Policy',
      urgency: 'low',
      repeat: 2,
      steps: [{ delayMinutes: 0, target: { kind: 'role', role: 'manager' } }],
      teamId: 't',
      managerId: null,
      schedules: { s: { id: 's', teamId: 't', name: 'S', timeZone: 'UTC', layers: [{ name: 'l', people: ['a'], shift: 'P1D', handoff: '09:00', start: '2026-11-02', restriction: { weekdays: [1, 2], from: '22:00', to: '06:00' }, timeZone: 'UTC' }] } },
      onCall: { s: null },
      frozenAt: at,
    };
    const stored = encodeSnapshot(snapshot);
    expect(typeof stored).toBe('string');
    expect(decodeSnapshot(stored)).toEqual(snapshot);
    expect(decodeSnapshot(snapshot)).toBe(snapshot);
    expect(decodeSnapshot(null)).toBeUndefined();
    expect(decodeSnapshot(undefined)).toBeUndefined();
  });

  it('stores a kept copy as a string; an old one (an object) is read as it is', () => {
    const copy = { key: 'escalation:a:0:0:p', platform: 'slack' as const, channel: 'D1', messageId: '1.0001' };
    expect(decodeCopy(encodeCopy(copy))).toEqual(copy);
    expect(Object.keys(decodeCopy(encodeCopy(copy)))).toEqual(Object.keys(copy));
    expect(decodeCopy(copy)).toBe(copy);
  });
});
