import { DomainError } from '../errors.js';
import type { Logger } from '../logger.js';
import { CrashNets, NET_JOB, type CrashNet } from './escalation.nets.js';
import type { EscalationAlert, EscalationDeps, EscalationSnapshot, RecordExtras, StepCursor, StepProgress, TimelineEntry } from './escalation.types.js';
import type { EscalationPolicy, Schedule, ScheduleDefinition } from './oncall.types.js';
import { onCallAt } from './rotation.js';
import { isWorkingTime, nextWorkingTime, resolveStepTarget } from './targets.js';

/**
 * Job names of escalation; their payloads are `{ alertId, repeat, step }` (and `personId` for a deferred
 * notification), a crash net's `{ net, alertIds }` (see CrashNets).
 */
export const ESCALATION_JOBS = { step: 'escalation.step', notify: 'escalation.notify', net: NET_JOB } as const;

/**
 * The id of a step's job: from alert, repeat and step (and the wave after a
 * snooze or "Escalate now"), so a retry or a second process never queues it twice.
 */
export const stepJobId = (alertId: string, repeat: number, step: number, wave = 0): string => `escalation:${alertId}:${wave ? `w${wave}:` : ''}${repeat}:${step}`;
/** The key of one notification of a step (the message key and the timeline key). */
export const notifyKey = (alertId: string, repeat: number, step: number, target: string, wave = 0): string => `${stepJobId(alertId, repeat, step, wave)}:${target}`;

export interface PlannedStep {
  jobId: string;
  repeat: number;
  step: number;
  at: Date;
}

/** The step after (repeat, step): the next step, the first of the next round, or null at the end of the chain. */
export function nextStep(snapshot: Pick<EscalationSnapshot, 'steps' | 'repeat'>, repeat: number, step: number): { repeat: number; step: number; delayMinutes: number } | null {
  if (step + 1 < snapshot.steps.length) return { repeat, step: step + 1, delayMinutes: snapshot.steps[step + 1]!.delayMinutes };
  if (repeat < snapshot.repeat) return { repeat: repeat + 1, step: 0, delayMinutes: snapshot.steps[0]!.delayMinutes };
  return null;
}

/** The whole chain as jobs, if nobody acts: each step its delay after the one before, every round. */
export function planSteps(alertId: string, snapshot: Pick<EscalationSnapshot, 'steps' | 'repeat'>, openedAt: Date): PlannedStep[] {
  const first = snapshot.steps[0];
  if (!first) return [];
  const plan: PlannedStep[] = [];
  let at = openedAt.getTime() + first.delayMinutes * 60_000;
  let cursor: { repeat: number; step: number } | null = { repeat: 0, step: 0 };
  while (cursor) {
    plan.push({ jobId: stepJobId(alertId, cursor.repeat, cursor.step), repeat: cursor.repeat, step: cursor.step, at: new Date(at) });
    const next = nextStep(snapshot, cursor.repeat, cursor.step);
    if (next) at += next.delayMinutes * 60_000;
    cursor = next;
  }
  return plan;
}

const definition = (s: Schedule): ScheduleDefinition => ({ id: s.id, teamId: s.teamId, name: s.name, timeZone: s.timeZone, layers: s.layers });

/** Freezes a policy, the rotations it names and who they put on call now into an escalation snapshot. */
export async function freezeSnapshot(policy: EscalationPolicy, alert: Pick<EscalationAlert, 'teamId'>, deps: Pick<EscalationDeps, 'schedules' | 'teams' | 'clock'>): Promise<EscalationSnapshot> {
  const now = deps.clock.now();
  const team = await deps.teams.get(alert.teamId);
  const schedules: Record<string, ScheduleDefinition> = {};
  const onCall: Record<string, string | null> = {};
  for (const step of policy.steps) {
    if (step.target.kind !== 'oncall' || schedules[step.target.scheduleId]) continue;
    const schedule = await deps.schedules.getSchedule(step.target.scheduleId);
    if (!schedule) continue;
    schedules[schedule.id] = definition(schedule);
    onCall[schedule.id] = onCallAt(schedule, now);
  }
  return {
    policyId: policy.id,
    policyName: policy.name,
    urgency: policy.urgency,
    repeat: policy.repeat,
    steps: policy.steps.map((s) => ({ delayMinutes: s.delayMinutes, target: s.target })),
    teamId: alert.teamId,
    managerId: team?.managerId ?? null,
    schedules,
    onCall,
    frozenAt: now,
  };
}

type StopReason = 'missing' | 'acknowledged' | 'resolved' | 'silenced' | 'superseded';

export type StepOutcome =
  | { kind: 'stopped'; reason: StopReason }
  | { kind: 'ran'; notified: string[]; deferred: { personId: string; at: Date }[]; posted: number; undeliverable: string[]; next: PlannedStep | null };

/**
 * Runs an alert's escalation: freezes the snapshot when the alert opens,
 * then each step as its own job. A step re-reads the alert and does nothing
 * once it is acknowledged, resolved or silenced; every notification and the
 * next step's job carry ids derived from alert, repeat and step, so a step
 * retried after a crash sends nothing twice and skips nothing.
 */
export class EscalationService {
  /** First steps running in this process now (see `firstStepNow`), and those waiting for one of them to end. */
  private running = 0;
  private readonly turns: (() => void)[] = [];
  /** Those first steps, running or waiting, until each ends (see `settle`). */
  private readonly firstSteps = new Set<Promise<void>>();
  /** The crash nets of those first steps (one job for those started together). */
  private readonly nets: CrashNets | undefined;
  /** Nets joined for first steps of alerts still being written (see `reserveNet`), by alert id, until `start` takes them. */
  private readonly reserved = new Map<string, Promise<CrashNet>>();

  constructor(private readonly d: EscalationDeps) {
    const inProcess = d.firstStepNow;
    this.nets = inProcess && new CrashNets({ scheduler: d.scheduler, clock: d.clock, graceMs: inProcess.graceMs, logger: inProcess.logger });
  }

  /** First steps running in this process now (their jobs wait as crash nets): work in progress a queue does not show. */
  get firstStepsRunning(): number {
    return this.running + this.turns.length;
  }

  /** The snapshot an alert opening now starts with: the policy routing chooses for it, frozen; null when none applies. */
  async plan(alert: Pick<EscalationAlert, 'teamId' | 'source' | 'severity'>): Promise<EscalationSnapshot | null> {
    const policy = await this.d.policies.choose(alert);
    return policy ? freezeSnapshot(policy, alert, this.d) : null;
  }

  /**
   * Until when a new alert with this snapshot, opening now, reserves its first step's pages (see Alert.pageLease):
   * when that step is due at once and this process runs it (its turn is then kept, see `start`), until its crash
   * net's job is due; null otherwise.
   */
  pageLeaseUntil(snapshot: Pick<EscalationSnapshot, 'steps'>): Date | null {
    const inProcess = this.d.firstStepNow;
    if (!inProcess || snapshot.steps[0]?.delayMinutes !== 0 || this.firstStepsRunning >= inProcess.maxRunning + inProcess.maxWaiting) return null;
    return new Date(this.d.clock.now().getTime() + inProcess.graceMs);
  }

  /**
   * For a new alert given a page lease (see pageLeaseUntil), whose first step this process runs as soon as it is
   * written: joins that step's crash net now, while the alert's writes are under way, so that the opening's answer
   * waits for the later of the two rather than for one after the other (`start` takes the net). Returns what to
   * call when the alert is not written after all: its place in the net is given up.
   */
  reserveNet(alertId: string): () => void {
    const nets = this.nets;
    if (!nets) return () => undefined;
    const net = nets.join(alertId);
    this.reserved.set(alertId, net);
    return () => this.release(alertId, net);
  }

  /** Gives up an alert's place in a net it joined, unless `start` took it (a net that could not be queued has none). */
  private release(alertId: string, net: Promise<CrashNet>): void {
    if (this.reserved.get(alertId) !== net) return;
    this.reserved.delete(alertId);
    void net.then(
      (n) => this.nets?.ended(n, alertId),
      () => undefined,
    );
  }

  /**
   * Chooses the policy, freezes it on the alert and queues the first step. Safe to call again. Given the alert
   * as just written with its snapshot (see plan), it only queues the first step.
   */
  async start(alertOrId: string | EscalationAlert): Promise<EscalationSnapshot | null> {
    const alert = typeof alertOrId === 'string' ? await this.d.alerts.get(alertOrId) : alertOrId;
    if (!alert) throw new DomainError('not_found', `No alert with id ${String(alertOrId)}`, { id: alertOrId });
    let snapshot = alert.escalation;
    if (!snapshot) {
      const policy = await this.d.policies.choose(alert);
      if (!policy) {
        // No policy: the alert's owners are told, each on the timeline (nobody reached is recorded too).
        const key = `escalation:${alert.id}:no_policy`;
        const reached = await this.d.notifier.notifyOwners(alert, key);
        for (const personId of reached) await this.record(alert.id, { key: `${key}:${personId}`, kind: 'fallback', personId });
        if (!reached.length) await this.record(alert.id, { key, kind: 'no_policy', detail: 'no routing rule matches, there is no default policy, and no owner could be reached' });
        return null;
      }
      snapshot = await this.d.alerts.freeze(alert.id, await freezeSnapshot(policy, alert, this.d));
      await this.record(alert.id, { key: `escalation:${alert.id}:started`, kind: 'escalation_started', detail: snapshot.policyName });
    }
    const [first] = planSteps(alert.id, snapshot, alert.openedAt);
    if (!first) return snapshot;
    const data = { alertId: alert.id, repeat: 0, step: 0 };
    const now = this.d.clock.now();
    const inProcess = this.d.firstStepNow;
    // Given the alert as written, due now and not too many running here (or its pages reserved for this process,
    // see pageLeaseUntil): the step runs at once in this process, beside the queueing of its crash net (due after a
    // grace longer than a send lease; joined while the alert was written when it holds a page lease, see reserveNet),
    // and start resolves once the net is queued: the opening is answered only then. A crash before that leaves it
    // unanswered, and its resend starts the step again (raise.ts), which sends nothing twice (the page lease, then
    // the message keys); after it, the net runs the step.
    const room = this.firstStepsRunning < (inProcess?.maxRunning ?? 0) + (inProcess?.maxWaiting ?? 0) || !!alert.pageLease;
    const reserved = this.reserved.get(alert.id);
    if (inProcess && this.nets && typeof alertOrId !== 'string' && first.at <= now && room) {
      this.reserved.delete(alert.id);
      const net = reserved ?? this.nets.join(alert.id);
      const given = alert.escalation ? alert : { ...alert, escalation: snapshot };
      const run = this.inTurn(inProcess.maxRunning, (waited) => this.runFirstStep(given, waited, net, inProcess.logger));
      this.firstSteps.add(run);
      void run.finally(() => this.firstSteps.delete(run));
      // The step runs either way: without a net, a crash before it ends is what the sender's retry covers.
      await net.catch((err: unknown) => inProcess.logger.warn({ err, alertId: alert.id }, 'could not queue the crash net of a first step; it runs without one'));
      return snapshot;
    }
    await this.d.scheduler.enqueue(ESCALATION_JOBS.step, data, { jobId: first.jobId, at: first.at });
    if (reserved) this.release(alert.id, reserved);
    return snapshot;
  }

  /**
   * A crash net that ran (its process died before all its first steps ended, or they took longer than the grace):
   * each alert's first step queued under its own job id (one queued or run already is left as it is). Each reads its
   * alert and sends nothing twice (the message keys), so those that had ended only read. Run by the process whose
   * steps they are, only those still running are queued (as their own jobs would have been, one per alert).
   */
  async catchUp(net: string, alertIds: readonly string[]): Promise<void> {
    const queue = this.nets?.unfinished(net) ?? alertIds;
    await this.d.scheduler.enqueueMany(queue.map((alertId) => ({ name: ESCALATION_JOBS.step, data: { alertId, repeat: 0, step: 0, wave: 0 }, opts: { jobId: stepJobId(alertId, 0, 0) } })));
  }

  /**
   * At shutdown: resolves once the first steps running or waiting here have ended, or at `deadline` (epoch ms),
   * whichever comes first. A step still running then is cut short with the process and its job runs it after the
   * grace, sending nothing twice.
   */
  async settle(deadline: number): Promise<void> {
    if (this.firstSteps.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    });
    await Promise.race([Promise.allSettled([...this.firstSteps]), late]);
    clearTimeout(timer);
  }

  /** Runs `step` at once when fewer than `max` run, else once one ends (first come, first served; `waited` true). */
  private async inTurn(max: number, step: (waited: boolean) => Promise<void>): Promise<void> {
    const waited = this.running >= max;
    if (waited) await new Promise<void>((resolve) => this.turns.push(resolve));
    else this.running += 1;
    try {
      await step(waited);
    } finally {
      // The slot goes to the next one waiting, if any.
      const next = this.turns.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  /**
   * The first step of an alert just written, from the alert in hand (no read; read when the step waited its turn,
   * as the alert may have been acknowledged or resolved meanwhile), then its end told to its crash net (the last
   * to end discards it): a process killed before that leaves the net, which has the step run again after the grace,
   * sending nothing twice (the message keys are checked before sending). A step that fails is handed to a job of
   * its own at once, to retry as any job; should that job not be queued, the net is left to run it after the grace.
   */
  private async runFirstStep(alert: EscalationAlert, waited: boolean, queuing: Promise<CrashNet>, logger: Logger): Promise<void> {
    const nets = this.nets as CrashNets;
    let kept = false;
    try {
      await this.runStep(alert.id, 0, 0, 0, waited ? undefined : alert);
    } catch (err) {
      logger.warn({ err, alertId: alert.id }, 'first escalation step failed in process; its job retries it');
      const jobId = stepJobId(alert.id, 0, 0);
      kept = await this.d.scheduler.enqueue(ESCALATION_JOBS.step, { alertId: alert.id, repeat: 0, step: 0, wave: 0 }, { jobId }).then(
        () => false,
        (e: unknown) => {
          logger.warn({ err: e, jobId }, 'could not queue the step job; its crash net runs it after the grace');
          return true;
        },
      );
    }
    // Its end is told once the net is queued (a net discarded before its add would still be added); a net that
    // could not be queued has nothing to tell.
    const net = await queuing.catch(() => null);
    if (net) await nets.ended(net, alert.id, kept);
  }

  /** `given`: the alert as just written (an in-process first step), not read again. */
  async runStep(alertId: string, repeat: number, step: number, wave = 0, given?: EscalationAlert): Promise<StepOutcome> {
    const alert = await this.snoozeEnded(given ?? (await this.d.alerts.get(alertId)), wave);
    const stopped = this.stopReason(alert, wave);
    if (stopped || !alert?.escalation) {
      const reason = stopped ?? 'missing';
      // A step run again once it had written its lines (a crash net's, see catchUp) was run: no "not run" line.
      const ran = !!alert?.cursor && (alert.cursor.repeat > repeat || (alert.cursor.repeat === repeat && alert.cursor.step >= step));
      if (alert && reason !== 'superseded' && !ran) await this.record(alert.id, { key: `${stepJobId(alert.id, repeat, step, wave)}:stopped`, kind: 'stopped', repeat, step, detail: reason });
      return { kind: 'stopped', reason };
    }
    const snapshot = alert.escalation;
    const spec = snapshot.steps[step];
    if (!spec) return { kind: 'stopped', reason: 'missing' };
    const progress: StepProgress = { repeat, step, steps: snapshot.steps.length, repeats: snapshot.repeat + 1 };
    const now = this.d.clock.now();
    // Every line this step writes remembers it as the last step run in its wave (no write of its own).
    const cursor: StepCursor = { wave, repeat, step };
    const outcome = { notified: [] as string[], deferred: [] as { personId: string; at: Date }[], posted: 0, undeliverable: [] as string[] };

    const targets = await resolveStepTarget(spec.target, alert, this.d);
    for (const target of targets) {
      if (target.kind === 'channel') {
        const key = notifyKey(alert.id, repeat, step, 'channel', wave);
        if (await this.d.notifier.postToTeam(alert, target.team, progress, key, cursor)) {
          outcome.posted += 1;
          await this.record(alert.id, { key, kind: 'posted', repeat, step, detail: target.team.name }, { cursor });
        } else {
          outcome.undeliverable.push('channel');
          await this.record(alert.id, { key, kind: 'undeliverable', repeat, step, detail: `team ${target.team.name} has no reachable channel` }, { cursor });
        }
        continue;
      }
      const person = target.person;
      const key = notifyKey(alert.id, repeat, step, person.id, wave);
      if (snapshot.urgency === 'low' && !isWorkingTime(person, now)) {
        const at = nextWorkingTime(person, now);
        await this.d.scheduler.enqueue(ESCALATION_JOBS.notify, { alertId: alert.id, repeat, step, personId: person.id, wave }, { jobId: `${key}:deferred`, at });
        outcome.deferred.push({ personId: person.id, at });
        await this.record(alert.id, { key: `${key}:deferred`, kind: 'deferred', repeat, step, personId: person.id, detail: at.toISOString() }, { cursor });
        continue;
      }
      if (await this.notify(alert, person.id, progress, key, cursor)) outcome.notified.push(person.id);
      else outcome.undeliverable.push(person.id);
    }
    if (targets.length === 0) await this.record(alert.id, { key: `${stepJobId(alert.id, repeat, step, wave)}:no_target`, kind: 'no_target', repeat, step, detail: spec.target.kind }, { cursor });

    // Nobody could be reached: the next step runs at once rather than after its delay.
    const reached = outcome.notified.length + outcome.deferred.length + outcome.posted > 0;
    const next = nextStep(snapshot, repeat, step);
    let planned: PlannedStep | null = null;
    if (next) {
      planned = { jobId: stepJobId(alert.id, next.repeat, next.step, wave), repeat: next.repeat, step: next.step, at: new Date(now.getTime() + (reached ? next.delayMinutes * 60_000 : 0)) };
      await this.d.scheduler.enqueue(ESCALATION_JOBS.step, { alertId: alert.id, repeat: next.repeat, step: next.step, wave }, { jobId: planned.jobId, at: planned.at });
    }
    return { kind: 'ran', ...outcome, next: planned };
  }

  /** A low-urgency notification that waited for the person's working hours. */
  async notifyDeferred(alertId: string, repeat: number, step: number, personId: string, wave = 0): Promise<StepOutcome> {
    const alert = await this.d.alerts.get(alertId);
    const stopped = this.stopReason(alert, wave);
    if (stopped || !alert?.escalation) return { kind: 'stopped', reason: stopped ?? 'missing' };
    const progress: StepProgress = { repeat, step, steps: alert.escalation.steps.length, repeats: alert.escalation.repeat + 1 };
    const ok = await this.notify(alert, personId, progress, notifyKey(alert.id, repeat, step, personId, wave));
    return { kind: 'ran', notified: ok ? [personId] : [], deferred: [], posted: 0, undeliverable: ok ? [] : [personId], next: null };
  }

  /** `cursor`: the step notifying (absent for a deferred notification: its step was remembered when it ran). */
  private async notify(alert: EscalationAlert, personId: string, progress: StepProgress, key: string, cursor?: StepCursor): Promise<boolean> {
    const sent = await this.d.notifier.notifyPerson(alert, personId, progress, key, cursor);
    const extras: RecordExtras = { ...(cursor ? { cursor } : {}), ...(typeof sent === 'object' ? { page: sent } : {}) };
    await this.record(alert.id, { key, kind: sent ? 'notified' : 'undeliverable', repeat: progress.repeat, step: progress.step, personId }, extras);
    return sent !== false;
  }

  /** A step of the wave a snooze started, due when the snooze ran out: the alert opens again first. */
  private async snoozeEnded(alert: EscalationAlert | null, wave: number): Promise<EscalationAlert | null> {
    if (!alert || alert.wave !== wave || alert.status !== 'acknowledged' || !alert.snoozedUntil || alert.snoozedUntil > this.d.clock.now()) return alert;
    return (await this.d.alerts.reopen(alert.id, wave)) ?? this.d.alerts.get(alert.id);
  }

  private stopReason(alert: EscalationAlert | null, wave: number): StopReason | null {
    if (!alert) return 'missing';
    if (alert.wave !== wave) return 'superseded';
    if (alert.status !== 'open') return alert.status;
    if (alert.silencedUntil && alert.silencedUntil > this.d.clock.now()) return 'silenced';
    return null;
  }

  private record(alertId: string, entry: Omit<TimelineEntry, 'at'>, extras?: RecordExtras): Promise<void> {
    return this.d.alerts.record(alertId, { ...entry, at: this.d.clock.now() }, extras);
  }
}
