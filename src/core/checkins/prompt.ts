import type { Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Team } from '../people/people.types.js';
import type { PeopleRepository, Scheduler, TeamRepository } from '../ports.js';
import type { BulkTurns } from '../pages-first.js';
import { activeMembers } from './access.js';
import { defaultSettings, type Checkin, type CheckinRepository, type CheckinSettings } from './checkins.types.js';
import { promptView } from './checkins.views.js';
import { CHECKIN_JOBS, promptKey } from './keys.js';
import { deadlineOf, dueNow, reminderTimes, type Member } from './schedule.js';

/**
 * How long prompt jobs reuse a read of their team (membership and settings).
 * A firing queues one prompt job per member, and reading a team of thousands
 * for each of them costs more than the DM itself.
 */
const TEAM_READ_TTL_MS = 10_000;

/**
 * `dueNow` for the members of one firing, worked out once per time zone and working week: the answer depends on
 * nothing else for a member without time off of their own, and the time math for each of a team of 5,000 held the
 * event loop (pages included) for a tenth of a second or more. Members with time off are decided one by one.
 */
function dueDecider(now: Date, settings: CheckinSettings): (member: Member) => ReturnType<typeof dueNow> {
  const withTimeOff = new Set(settings.timeOff.map((t) => t.personId));
  const byWeek = new Map<string, ReturnType<typeof dueNow>>();
  return (member) => {
    if (withTimeOff.has(member.id)) return dueNow(member, now, settings);
    const week = `${member.timeZone}|${member.workingDays.join()}`;
    if (!byWeek.has(week)) byWeek.set(week, dueNow(member, now, settings));
    return byWeek.get(week) ?? null;
  };
}

/** Members a firing checks and queues at once (see fire). */
const FIRE_CHUNK = 25;
/** Members a firing reads at once (one `_id $in` read; see fire). */
const FIRE_READ = 250;

export interface PromptDeps {
  checkins: Pick<CheckinRepository, 'getSettings' | 'exist' | 'previous' | 'createOnce' | 'openBlockers'>;
  teams: Pick<TeamRepository, 'get'>;
  people: Pick<PeopleRepository, 'get' | 'getMany'>;
  messenger: Pick<Messenger, 'dm'>;
  scheduler: Pick<Scheduler, 'enqueue'>;
  clock: Clock;
  logger: Logger;
  /** Pages first: each member's prompt, and each chunk of a firing, waits its turn while alert work is in flight. */
  pagesFirst?: BulkTurns;
}

/**
 * The weekly prompt: a (team, zone) schedule fires, one prompt job is queued
 * per member due now, and each job creates the check-in once and DMs it once,
 * with its reminders and its close at the deadline.
 */
export class CheckinPrompts {
  /** Recent reads of a team and its settings by prompt jobs (see TEAM_READ_TTL_MS). */
  private readonly teamReads = new Map<string, { at: number; read: Promise<{ team: Team | null; settings: CheckinSettings }> }>();

  constructor(private readonly d: PromptDeps) {}

  /** A (team, zone) scheduler fired: queue one prompt per member due now; the job id makes it once per period. */
  async fire(teamId: string, timeZone: string): Promise<number> {
    // Reading a team of thousands is a unit of bulk work too (see PagesFirst), as is each chunk below.
    await this.d.pagesFirst?.turn();
    const team = await this.d.teams.get(teamId);
    if (!team) return 0;
    const settings = (await this.d.checkins.getSettings(teamId)) ?? defaultSettings(teamId);
    if (!settings.enabled) return 0;
    const now = this.d.clock.now();
    const isDue = dueDecider(now, settings);
    let queued = 0;
    // A team of thousands is read a few hundred members at a time, each read a unit of bulk work of its own: one
    // read of them all held FerretDB and the event loop (decoding) for a second while pages were in flight.
    for (let r = 0; r < team.memberIds.length; r += FIRE_READ) {
      if (r > 0) await this.d.pagesFirst?.turn();
      const due = (await activeMembers(this.d.people, { memberIds: team.memberIds.slice(r, r + FIRE_READ) })).flatMap((person) => {
        const d = person.timeZone === timeZone ? isDue(person) : null;
        return d ? [{ personId: person.id, period: d.period }] : [];
      });
      // A few members at a time: their check-ins read in one command, and their jobs queued in one of the scheduler's bulk adds.
      for (let i = 0; i < due.length; i += FIRE_CHUNK) {
        await this.d.pagesFirst?.turn();
        const chunk = due.slice(i, i + FIRE_CHUNK);
        const prompted = await this.d.checkins.exist(chunk);
        const toQueue = chunk.filter((_, j) => !prompted[j]);
        await Promise.all(toQueue.map((m) => this.d.scheduler.enqueue(CHECKIN_JOBS.prompt, { ...m, teamId }, { jobId: `checkin.prompt:${m.personId}:${m.period}` })));
        queued += toQueue.length;
      }
    }
    this.d.logger.info({ teamId, timeZone, queued }, 'check-in prompts queued');
    return queued;
  }

  /** Creates the check-in once per (person, period) and DMs it once; safe to retry and to run on two workers. */
  async prompt(personId: string, teamId: string, period: string): Promise<Checkin | null> {
    // Before anything is read or written: a prompt that waits only starts later (see PagesFirst).
    await this.d.pagesFirst?.turn();
    const [person, { team, settings }] = await Promise.all([this.d.people.get(personId), this.recentTeam(teamId)]);
    if (!person?.active || !team?.memberIds.includes(personId)) return null;
    const now = this.d.clock.now();
    const deadlineAt = deadlineOf(period, person.timeZone, settings);
    if (now >= deadlineAt) return null;
    const previous = await this.d.checkins.previous(personId, period);
    const { checkin, created } = await this.d.checkins.createOnce({
      personId,
      teamId,
      period,
      timeZone: person.timeZone,
      questions: settings.questions,
      previousPriorities: previous?.answers.priorities?.trim() || null,
      promptedAt: now,
      deadlineAt,
    });
    if (checkin.status !== 'pending') return checkin;
    const view = promptView(checkin, person.name, await this.d.checkins.openBlockers(personId), !previous);
    // The check-in holds its prompt's key: created just now, nothing went out under it, so no reservation is
    // written before the DM (see KeyHold); a retry reserves as from its creation and asks the platform.
    await this.d.messenger.dm(personId, view, promptKey(checkin), { hold: { since: checkin.promptedAt, fresh: created } });
    const reminders = reminderTimes(person, checkin.promptedAt, checkin.deadlineAt, settings);
    // Enqueued at once, so that they go in one of the scheduler's bulk adds (one Redis round trip).
    await Promise.all([
      ...reminders.map((at, i) => this.d.scheduler.enqueue(CHECKIN_JOBS.remind, { checkinId: checkin.id, n: i + 1 }, { jobId: `checkin.remind:${checkin.id}:${i + 1}`, at })),
      this.d.scheduler.enqueue(CHECKIN_JOBS.close, { checkinId: checkin.id }, { jobId: `checkin.close:${checkin.id}`, at: checkin.deadlineAt }),
    ]);
    return checkin;
  }

  /** Drops the shared read of a team whose settings changed (of every team when null: changes may have been missed). */
  forget(teamId: string | null): void {
    if (teamId === null) this.teamReads.clear();
    else this.teamReads.delete(teamId);
  }

  /** The team and its settings as read at most TEAM_READ_TTL_MS ago (one read shared by concurrent callers). */
  private recentTeam(teamId: string): Promise<{ team: Team | null; settings: CheckinSettings }> {
    const now = performance.now();
    const recent = this.teamReads.get(teamId);
    if (recent && now - recent.at < TEAM_READ_TTL_MS) return recent.read;
    for (const [id, r] of this.teamReads) if (now - r.at >= TEAM_READ_TTL_MS) this.teamReads.delete(id);
    const read = Promise.all([this.d.teams.get(teamId), this.d.checkins.getSettings(teamId)]).then(([team, settings]) => ({ team, settings: settings ?? defaultSettings(teamId) }));
    this.teamReads.set(teamId, { at: now, read });
    read.catch(() => this.teamReads.delete(teamId));
    return read;
  }
}
