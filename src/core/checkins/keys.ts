import type { Blocker, Checkin } from './checkins.types.js';

/** Job names of check-ins: the jobs layer routes them to the use cases. */
export const CHECKIN_JOBS = {
  fire: 'checkin.fire',
  prompt: 'checkin.prompt',
  remind: 'checkin.remind',
  snooze: 'checkin.snooze',
  close: 'checkin.close',
  reconcile: 'checkin.reconcile',
} as const;

/** Message keys: each message is sent once under its key and updated in place through it. */
export const promptKey = (c: Pick<Checkin, 'personId' | 'period'>) => `checkin.prompt:${c.personId}:${c.period}`;
export const summaryKey = (teamId: string, period: string) => `checkin.summary:${teamId}:${period}`;
export const blockerKey = (b: Pick<Blocker, 'id'>) => `checkin.blocker:${b.id}`;
