import type { Person } from '../people/people.types.js';
import { inBatches, inviteKey, keyOf, remindKey, roundId, type SurveyDeps } from './context.js';
import { scheduleRound } from './define.js';
import { formatLocal, inviteInstant, localDate, recurringDate, reminderInstants, windowEnd } from './rhythm.js';
import type { Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import type { PeopleRepository, Scheduler } from '../ports.js';
import { SURVEY_JOBS, type Invitation, type InvitationRepository, type Survey, type SurveyConfig, type SurveyRound, type SurveyRoundRepository } from './surveys.types.js';
import { inviteView } from './surveys.views.js';

const DAY_MS = 86_400_000;

interface Invitee {
  person: Person;
  teamIds: string[];
}

/** Everyone the survey goes to now (active people), with their audience teams. */
async function audienceOf(deps: SurveyDeps, survey: Survey): Promise<{ invitees: Invitee[]; teamNames: Record<string, string> }> {
  const teams = survey.audience.kind === 'org' ? await deps.teams.all() : (await Promise.all(survey.audience.teamIds.map((id) => deps.teams.get(id)))).filter((t) => t !== null);
  const teamNames: Record<string, string> = {};
  const teamsOf = new Map<string, string[]>();
  for (const t of teams) {
    teamNames[t.id] = t.name;
    for (const m of t.memberIds) teamsOf.set(m, [...(teamsOf.get(m) ?? []), t.id]);
  }
  const people: Person[] = [];
  if (survey.audience.kind === 'org') for await (const p of deps.people.allActive()) people.push(p);
  else people.push(...(await deps.people.getMany([...teamsOf.keys()])).filter((p) => p.active));
  return { invitees: people.map((person) => ({ person, teamIds: teamsOf.get(person.id) ?? [] })), teamNames };
}

/**
 * Opens round `n` of a survey: works out each person's invitation (their local
 * time, the next working day when the day is off for them), applies the
 * fatigue guard, then records the invitations, creates the keyed responses and
 * queues invitations, reminders and the close. Safe to run twice.
 */
export async function openRound(deps: SurveyDeps, surveyId: string, n: number): Promise<SurveyRound | null> {
  const survey = await deps.store.surveys.get(surveyId);
  if (!survey?.active) return null;
  const round = await deps.store.rounds.createOnce({ id: roundId(surveyId, n), surveyId, n, name: survey.name, questions: survey.questions, status: 'waiting' });
  if (round.status !== 'waiting') return round;
  const now = deps.clock.now();
  if (round.waiting && round.waiting.until > now) return round;
  const { invitees, teamNames } = await audienceOf(deps, survey);
  const time = survey.schedule.time;
  const days = { holidays: survey.holidays, timeOff: [] };
  const invitations: Invitation[] = invitees.map(({ person, teamIds }) => {
    const date = survey.schedule.kind === 'once' ? (survey.schedule.date ?? localDate(now, person.timeZone)) : recurringDate(survey.schedule.startDate, survey.schedule.weekday, survey.schedule.everyWeeks, n);
    const inviteAt = inviteInstant(person, date, time, now, days);
    const closesAt = windowEnd(person, inviteAt, survey.windowDays, days);
    return { roundId: round.id, personId: person.id, teamIds, inviteAt, closesAt, remindAt: reminderInstants(person, inviteAt, closesAt, days) };
  });

  // The fatigue guard: nobody gets more than one survey in `fatigueDays`. Everyone's slot is claimed (50 at a
  // time, one `_id`-keyed atomic update each); if anyone is taken, the entries this call added are given back
  // and the round waits rather than break the guard.
  const fatigueMs = deps.config.fatigueDays * DAY_MS;
  const added: string[] = [];
  const blocked: Date[] = [];
  await inBatches(invitations, 50, async (i) => {
    const claim = await deps.store.lastInvited.claim(i.personId, round.id, i.inviteAt, new Date(i.inviteAt.getTime() - fatigueMs));
    if (claim.added) added.push(i.personId);
    if (!claim.ok) blocked.push(new Date(claim.blockedBy.getTime() + fatigueMs));
  });
  if (blocked.length) {
    await inBatches(added, 50, (personId) => deps.store.lastInvited.release(personId, round.id));
    return wait(deps, round, blocked, blocked.length, invitations.length);
  }

  await deps.store.invitations.upsertMany(invitations);
  await deps.store.responses.createMany(round.id, invitations.map((i) => ({ key: keyOf(deps, round.id, i.personId), teamIds: i.teamIds })));
  const invitedByTeam: Record<string, number> = {};
  for (const i of invitations) for (const t of i.teamIds) invitedByTeam[t] = (invitedByTeam[t] ?? 0) + 1;
  const closesAt = new Date(Math.max(now.getTime() + DAY_MS, ...invitations.map((i) => i.closesAt.getTime())));
  const opened = await deps.store.rounds.update(round.id, ['waiting'], { status: 'open', waiting: null, openedAt: now, closesAt, invited: invitations.length, invitedByTeam, teamNames });
  if (!opened) return deps.store.rounds.get(round.id);
  // The invitations in bulk; each invitation job queues its person's reminders (see `invite`).
  await deps.scheduler.enqueueMany(invitations.map((i) => ({ name: SURVEY_JOBS.invite, data: { roundId: round.id, personId: i.personId }, opts: { jobId: `survey.invite:${round.id}:${i.personId}`, at: i.inviteAt } })));
  await deps.scheduler.enqueue(SURVEY_JOBS.close, { roundId: round.id }, { jobId: `survey.close:${round.id}`, at: closesAt });
  await scheduleRound(deps, survey, n + 1);
  deps.logger.info({ roundId: round.id, invited: invitations.length, closesAt }, 'survey round opened');
  return opened;
}

/** The round waits for the fatigue guard, says why, and comes back when it can go. */
async function wait(deps: SurveyDeps, round: SurveyRound, untils: Date[], held: number, total: number): Promise<SurveyRound | null> {
  const until = new Date(Math.max(...untils.map((d) => d.getTime())));
  const reason = `Waiting for the fatigue guard: ${held} of ${total} people had another survey less than ${deps.config.fatigueDays} days before; it opens ${formatLocal(until, 'UTC')} UTC.`;
  const updated = await deps.store.rounds.update(round.id, ['waiting'], { waiting: { until, reason } });
  await deps.scheduler.enqueue(SURVEY_JOBS.open, { surveyId: round.surveyId, n: round.n }, { jobId: `survey.open:${round.surveyId}:${round.n}:${until.getTime()}`, at: until });
  deps.logger.info({ roundId: round.id, held, until }, 'survey round waits for the fatigue guard');
  return updated;
}

/** What sending one invitation reads: the round, the invitation, the person; the messenger, and the queue of its reminders. */
export interface InviteDeps {
  store: { rounds: Pick<SurveyRoundRepository, 'get'>; invitations: Pick<InvitationRepository, 'get'> };
  people: Pick<PeopleRepository, 'get'>;
  messenger: Pick<Messenger, 'dm'>;
  scheduler: Pick<Scheduler, 'enqueueMany'>;
  clock: Clock;
  config: Pick<SurveyConfig, 'minGroupSize'>;
}

/**
 * Sends one person's invitation, once, then queues their reminders (also when
 * it had been sent already: a retry after a crash between the two); nothing
 * when the round is no longer open.
 */
export async function invite(deps: InviteDeps, id: string, personId: string): Promise<boolean> {
  const [round, invitation, person] = await Promise.all([deps.store.rounds.get(id), deps.store.invitations.get(id, personId), deps.people.get(personId)]);
  if (!round || round.status !== 'open' || !round.closesAt || !invitation || !person?.active) return false;
  if (deps.clock.now() >= round.closesAt) return false;
  const sent = await deps.messenger.dm(personId, inviteView(round, round.closesAt, person.timeZone, deps.config.minGroupSize), inviteKey(id, personId));
  await deps.scheduler.enqueueMany(
    invitation.remindAt.map((at, k) => ({ name: SURVEY_JOBS.remind, data: { roundId: id, personId, n: k + 1 }, opts: { jobId: remindKey(id, personId, k + 1), at } })),
  );
  return sent;
}
