import { CHECKIN_JOBS } from '../core/checkins/keys.js';
import type { Core } from '../core/index.js';
import type { Jobs } from './scheduler.js';

const str = (data: Record<string, unknown>, key: string): string => {
  const value = data[key];
  if (typeof value !== 'string' || !value) throw new TypeError(`job data is missing ${key}`);
  return value;
};

/**
 * Routes the check-in jobs to the core service, keeps a reconcile running
 * hourly (membership and time zone changes made elsewhere) and reconciles the
 * schedulers once now, at boot.
 */
export async function registerCheckinJobs(jobs: Jobs, core: Core): Promise<void> {
  const checkins = core.checkins;
  jobs
    .handle(CHECKIN_JOBS.fire, async (d) => {
      await checkins.fire(str(d, 'teamId'), str(d, 'timeZone'));
    })
    .handle(CHECKIN_JOBS.prompt, async (d) => {
      await checkins.prompt(str(d, 'personId'), str(d, 'teamId'), str(d, 'period'));
    })
    .handle(CHECKIN_JOBS.remind, async (d) => {
      const id = str(d, 'checkinId');
      await checkins.remind(id, `checkin.remind:${id}:${String(d.n)}`);
    })
    .handle(CHECKIN_JOBS.snooze, async (d) => {
      const id = str(d, 'checkinId');
      await checkins.remind(id, `checkin.snooze:${id}:${String(d.n)}`);
    })
    .handle(CHECKIN_JOBS.close, async (d) => {
      await checkins.close(str(d, 'checkinId'));
    })
    .handle(CHECKIN_JOBS.reconcile, async () => {
      await checkins.reconcileAll();
    });
  await jobs.upsertRecurring('checkin:reconcile', { pattern: '7 * * * *', timeZone: 'UTC' }, CHECKIN_JOBS.reconcile, {});
  await checkins.reconcileAll();
}
