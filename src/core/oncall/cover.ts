import { DateTime } from 'luxon';
import { DomainError } from '../errors.js';

/**
 * The pure parser of `/tandem oncall cover …`, read in the requester's zone:
 *
 *   cover @alice until Friday 18:00
 *   cover @alice from tomorrow 09:00 until 2026-12-01 09:00 on Platform
 *   cover until 18:00                      (the requester covers, from now)
 *
 * A moment is `[today|tomorrow|<weekday>|YYYY-MM-DD] [HH:mm]` (at least one).
 * A weekday is the next one, today included while its time is still ahead; a
 * time alone is today, or tomorrow once it has passed. A day without a time
 * is the start of that day after `from`, and its end after `until`.
 */
export interface CoverRequest {
  /** Who covers; null means the requester. */
  personId: string | null;
  start: Date;
  end: Date;
  /** `on <team name>`, when the requester named a team. */
  team: string | null;
}

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const PATTERN = /^(?:<@person:([a-f0-9]{24})>\s*)?(?:from\s+(.+?)\s+)?(?:until|till|to)\s+(.+?)(?:\s+on\s+(.+))?$/i;
const USAGE = 'Try `/tandem oncall cover @alice until Friday 18:00` (optionally `from tomorrow 09:00`, and `on <team>`).';

function moment(text: string, now: DateTime, edge: 'start' | 'end'): DateTime {
  const words = text.trim().toLowerCase().split(/\s+/);
  let time: { hour: number; minute: number } | null = null;
  const last = words[words.length - 1] ?? '';
  const hm = /^(\d{1,2})(?::(\d{2}))?$/.exec(last);
  if (hm && (hm[2] !== undefined || words.length > 1) && Number(hm[1]) < 24 && Number(hm[2] ?? 0) < 60) {
    time = { hour: Number(hm[1]), minute: Number(hm[2] ?? 0) };
    words.pop();
  }
  if (words.length > 1) throw new DomainError('validation', `I can't read “${text}” as a moment. ${USAGE}`);
  const day = words[0];
  const at = (d: DateTime) => (time ? d.set({ ...time, second: 0, millisecond: 0 }) : edge === 'start' ? d.startOf('day') : d.startOf('day').plus({ days: 1 }));
  if (day === undefined) {
    if (!time) throw new DomainError('validation', `Say when. ${USAGE}`);
    const today = at(now);
    return today > now ? today : at(now.plus({ days: 1 }));
  }
  if (day === 'today') return at(now);
  if (day === 'tomorrow') return at(now.plus({ days: 1 }));
  if (/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    const date = DateTime.fromISO(day, { zone: now.zone });
    if (!date.isValid) throw new DomainError('validation', `${day} is not a date.`);
    return at(date);
  }
  const index = WEEKDAYS.findIndex((w) => w === day || w.slice(0, 3) === day);
  if (index === -1) throw new DomainError('validation', `I can't read “${text}” as a moment. ${USAGE}`);
  let candidate = at(now.plus({ days: (index + 1 - now.weekday + 7) % 7 }));
  if (candidate <= now) candidate = at(now.plus({ days: ((index + 1 - now.weekday + 7) % 7) + 7 }));
  return candidate;
}

export function parseCover(text: string, now: Date, timeZone: string): CoverRequest {
  const m = PATTERN.exec(text.trim().replace(/\s+/g, ' '));
  if (!m) throw new DomainError('validation', `Tell me who covers and until when. ${USAGE}`);
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  const start = m[2] ? moment(m[2], local, 'start') : local;
  const end = moment(m[3] ?? '', local, 'end');
  if (end <= start) throw new DomainError('validation', `The cover must end after it starts (${start.toFormat('ccc d LLL HH:mm')} → ${end.toFormat('ccc d LLL HH:mm')}, ${timeZone}).`);
  if (end.diff(start, 'days').days > 93) throw new DomainError('validation', 'A cover lasts at most 93 days.');
  return { personId: m[1] ?? null, start: start.toUTC().toJSDate(), end: end.toUTC().toJSDate(), team: m[4]?.trim() || null };
}
