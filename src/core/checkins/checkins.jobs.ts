import { z } from 'zod';
import { defineJob, defineJobs } from '../job-declarations.js';
import type { Checkins } from './checkins.js';
import { CHECKIN_JOBS } from './keys.js';

const id = z.string().min(1);

/**
 * The check-in jobs: the daily firing per (team, zone), one prompt per
 * member, reminders, snoozes and the deadline; a reconcile keeps the
 * schedules in step hourly (membership and zone changes made elsewhere), and
 * with the sweep (prompts, reminders and closes due and not queued) at boot,
 * after a Redis reconnect and on the reconcile timer.
 */
export const checkinJobs = (checkins: Checkins) =>
  defineJobs('checkins', {
    jobs: [
      defineJob(CHECKIN_JOBS.fire, z.object({ teamId: id, timeZone: id }), (d) => checkins.fire(d.teamId, d.timeZone)),
      defineJob(CHECKIN_JOBS.prompt, z.object({ personId: id, teamId: id, period: id }), (d) => checkins.prompt(d.personId, d.teamId, d.period)),
      defineJob(CHECKIN_JOBS.remind, z.object({ checkinId: id, n: z.number().int() }), (d) => checkins.remind(d.checkinId, `checkin.remind:${d.checkinId}:${d.n}`)),
      defineJob(CHECKIN_JOBS.snooze, z.object({ checkinId: id, n: z.number().int() }), (d) => checkins.remind(d.checkinId, `checkin.snooze:${d.checkinId}:${d.n}`)),
      defineJob(CHECKIN_JOBS.close, z.object({ checkinId: id }), (d) => checkins.close(d.checkinId)),
      defineJob(CHECKIN_JOBS.reconcile, z.object({}), () => checkins.reconcileAll()),
    ],
    recurring: [{ id: 'checkin:reconcile', pattern: '7 * * * *', timeZone: 'UTC', name: CHECKIN_JOBS.reconcile, data: {} }],
    reconcile: () => checkins.reconcileAll(),
    sweep: () => checkins.sweep(),
  });
