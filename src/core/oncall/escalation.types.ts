import type { MessageAddress } from '../chat/chat.port.js';
import type { Person, Team } from '../people/people.types.js';
import type { PeopleRepository, Scheduler, TeamRepository } from '../ports.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AlertSource, EscalationPolicy, OncallRepository, ScheduleDefinition, StepTarget, Urgency } from './oncall.types.js';

/**
 * What escalation needs to know of an alert, and no more. The alert itself
 * (its view, value, trend, buttons) belongs to the alerts feature; its
 * repository implements `EscalationAlerts` over its own documents.
 */
export interface EscalationAlert {
  id: string;
  teamId: string;
  source: AlertSource;
  severity: string;
  status: 'open' | 'acknowledged' | 'resolved';
  /** Snoozed or silenced until then: steps due before it do nothing. */
  silencedUntil: Date | null;
  /** Acknowledged with a snooze: when it runs out, the alert opens again and the wave's steps run. */
  snoozedUntil: Date | null;
  openedAt: Date;
  escalation: EscalationSnapshot | null;
  /** Snoozing or "Escalate now" starts a new wave; steps of an older wave do nothing. */
  wave: number;
  /** Its first step's pages reserved with the alert until then (see Alert.pageLease): that step runs in process. */
  pageLease?: Date | null;
  /** The last step of its wave that wrote a timeline line (see StepCursor); absent before any. */
  cursor?: { repeat: number; step: number } | null;
}

/**
 * The policy and the people it resolved to, frozen when the alert opens:
 * later edits to the policy or the rotations do not change a running
 * escalation. Overrides are the exception: a step reads the schedule's
 * current overrides over its frozen rotation, so cover arranged during an
 * incident applies from the next step.
 */
export interface EscalationSnapshot {
  policyId: string;
  policyName: string;
  urgency: Urgency;
  repeat: number;
  steps: { delayMinutes: number; target: StepTarget }[];
  teamId: string;
  managerId: string | null;
  /** The rotations of every schedule a step names, by schedule id. */
  schedules: Record<string, ScheduleDefinition>;
  /** Who was on call for each schedule when the alert opened (null: a gap). */
  onCall: Record<string, string | null>;
  frozenAt: Date;
}

export type TimelineKind = 'escalation_started' | 'no_policy' | 'fallback' | 'notified' | 'posted' | 'deferred' | 'undeliverable' | 'no_target' | 'stopped';

/** One line of an alert's timeline, written by escalation. `key` makes a retried write a no-op. */
export interface TimelineEntry {
  key: string;
  kind: TimelineKind;
  at: Date;
  repeat?: number;
  step?: number;
  personId?: string;
  detail?: string;
}

/** The step a timeline line was written by, in its wave: where "Escalate now" goes on from (see EscalationAlerts.record). */
export interface StepCursor {
  wave: number;
  repeat: number;
  step: number;
}

/**
 * With a line: `cursor`, the step that wrote it (remembered as the last step run in its wave unless a later one
 * of that wave, or a newer wave, was); `page`, where a page sent on a hold of the alert's own went (kept on the
 * alert with its line instead of a posted-message record, see EscalationNotifier.notifyPerson).
 */
export interface RecordExtras {
  cursor?: StepCursor;
  page?: MessageAddress;
}

/** The alerts feature's side of escalation. */
export interface EscalationAlerts {
  get(id: string): Promise<EscalationAlert | null>;
  /** Stores the snapshot unless the alert has one already; returns the one it holds. */
  freeze(id: string, snapshot: EscalationSnapshot): Promise<EscalationSnapshot>;
  /** Appends to the alert's timeline, once per entry key, with what `extras` adds (one write). */
  record(id: string, entry: TimelineEntry, extras?: RecordExtras): Promise<void>;
  /** A snooze ran out: acknowledged -> open if the alert is still in `wave`; null otherwise. */
  reopen(id: string, wave: number): Promise<EscalationAlert | null>;
}

/** Where the position of a notification in the chain is shown ("step 2 of 4, round 1 of 3"). */
export interface StepProgress {
  repeat: number;
  step: number;
  steps: number;
  repeats: number;
}

/**
 * Sends the alert's message; false when it cannot be delivered (unknown user, bot not in channel, no conversation).
 * A person's page sent on the alert's own hold of its key answers where it went: nothing recorded it yet, and it is
 * kept with the page's timeline line (`record`'s `page`). `cursor`: the step sending it (kept with the message key
 * when that is written before the send).
 */
export interface EscalationNotifier {
  notifyPerson(alert: EscalationAlert, personId: string, progress: StepProgress, key: string, cursor?: StepCursor): Promise<boolean | MessageAddress>;
  postToTeam(alert: EscalationAlert, team: Team, progress: StepProgress, key: string, cursor?: StepCursor): Promise<boolean>;
  /** No policy applies: the alert's owners (the team's manager) are told; returns who was reached. */
  notifyOwners(alert: EscalationAlert, key: string): Promise<string[]>;
}

export interface EscalationDeps {
  alerts: EscalationAlerts;
  notifier: EscalationNotifier;
  policies: { choose(alert: Pick<EscalationAlert, 'teamId' | 'source' | 'severity'>): Promise<EscalationPolicy | null> };
  schedules: Pick<OncallRepository, 'getSchedule'>;
  people: Pick<PeopleRepository, 'get' | 'getMany'>;
  teams: Pick<TeamRepository, 'get'>;
  scheduler: Scheduler;
  clock: Clock;
  /**
   * Run the first step of a new alert in this process when it is due at once (a process that runs workers), a crash
   * net queued `graceMs` later for it and the others started with it, discarded once they are done; at most `maxRunning` at a
   * time, up to `maxWaiting` more waiting their turn (beyond, the job runs it as before). Absent: every step is a job.
   */
  firstStepNow?: { graceMs: number; maxRunning: number; maxWaiting: number; logger: Logger };
}

/** A person to notify, or the team channel. */
export type ResolvedTarget = { kind: 'person'; person: Person } | { kind: 'channel'; team: Team };
