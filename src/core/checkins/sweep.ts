import type { Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { PeopleRepository, Scheduler, TeamRepository } from '../ports.js';
import { activeMembers } from './access.js';
import { defaultSettings, type Checkin, type CheckinRepository, type CheckinSettings } from './checkins.types.js';
import { CHECKIN_JOBS, promptKey } from './keys.js';
import { dueNow, periodMinus, periodOf, reminderTimes, type Member } from './schedule.js';

export interface SweepDeps {
  checkins: Pick<CheckinRepository, 'getSettings' | 'ofTeamPeriod'>;
  teams: Pick<TeamRepository, 'all'>;
  people: Pick<PeopleRepository, 'getMany'>;
  messenger: Pick<Messenger, 'addresses'>;
  scheduler: Pick<Scheduler, 'requeue'>;
  clock: Clock;
  logger: Logger;
}

/**
 * The check-ins' sweep (see `FeatureJobs.sweep`): MongoDB says what is due, and whatever Redis no longer holds is
 * queued again under the job ids the normal path uses, so a job still there is never doubled. For each team, over
 * the check-ins of this ISO week and the last (a deadline may fall in the week after the prompt):
 * - a member due now (the rules of a daily firing: `dueNow`) with no check-in gets the prompt job;
 * - a pending check-in whose prompt was never recorded as sent gets the prompt job again (it sends once, by key,
 *   and queues the reminders and the close);
 * - a pending check-in whose prompt went out gets its reminders (those still ahead at their time, the latest one
 *   already due at once: the messenger's key keeps a sent one from going twice) and its close at the deadline;
 * - a pending check-in past its deadline gets its close at once.
 * Not swept: a snooze (its time is not stored; the scheduled reminders still come) and a team summary whose
 * close already ran.
 */
export function sweeper(d: SweepDeps): () => Promise<number> {
  return async () => {
    const now = d.clock.now();
    let requeued = 0;
    const requeue = async (name: string, data: Record<string, unknown>, opts: { jobId: string; at?: Date }) => {
      if (await d.scheduler.requeue(name, data, opts)) requeued += 1;
    };
    for (const team of await d.teams.all()) {
      const settings: CheckinSettings = (await d.checkins.getSettings(team.id)) ?? defaultSettings(team.id);
      const members = new Map((await activeMembers(d.people, team)).map((m) => [m.id, m]));
      const periods = new Set([...members.values()].flatMap((m) => [periodOf(now, m.timeZone), periodMinus(periodOf(now, m.timeZone), 1)]));
      const open: Checkin[] = [];
      const has = new Set<string>();
      for (const period of periods) {
        for (const c of await d.checkins.ofTeamPeriod(team.id, period)) {
          has.add(`${c.personId}:${c.period}`);
          if (c.status === 'pending') open.push(c);
        }
      }
      await inChunks(settings.enabled ? [...members.values()] : [], async (m) => {
        const due = dueNow(m, now, settings);
        if (!due || has.has(`${m.id}:${due.period}`)) return;
        await requeue(CHECKIN_JOBS.prompt, { personId: m.id, teamId: team.id, period: due.period }, { jobId: promptKey({ personId: m.id, period: due.period }) });
      });
      await inChunks(open, async (c) => {
        const close = () => requeue(CHECKIN_JOBS.close, { checkinId: c.id }, { jobId: `checkin.close:${c.id}`, at: c.deadlineAt });
        if (now >= c.deadlineAt) await close();
        else if ((await d.messenger.addresses(promptKey(c))).length === 0) {
          await requeue(CHECKIN_JOBS.prompt, { personId: c.personId, teamId: c.teamId, period: c.period }, { jobId: promptKey(c) });
        } else {
          const member = members.get(c.personId);
          if (member) await requeueReminders(c, member, settings, now, requeue);
          await close();
        }
      });
    }
    if (requeued > 0) d.logger.info({ requeued }, 'check-in sweep requeued work Redis did not hold');
    return requeued;
  };
}

/** A few at a time: a sweep over thousands of people is round trips, not work. */
const CHUNK = 25;

async function inChunks<T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CHUNK) await Promise.all(items.slice(i, i + CHUNK).map(each));
}

type Requeue = (name: string, data: Record<string, unknown>, opts: { jobId: string; at?: Date }) => Promise<void>;

/** The reminders still ahead, at their time, and the latest one already due, at once (earlier ones are stale). */
async function requeueReminders(c: Checkin, member: Member, settings: CheckinSettings, now: Date, requeue: Requeue): Promise<void> {
  const times = reminderTimes(member, c.promptedAt, c.deadlineAt, settings);
  const lastDue = times.findLastIndex((t) => t <= now);
  for (const [i, at] of times.entries()) {
    if (i < lastDue) continue;
    await requeue(CHECKIN_JOBS.remind, { checkinId: c.id, n: i + 1 }, { jobId: `checkin.remind:${c.id}:${i + 1}`, at });
  }
}
