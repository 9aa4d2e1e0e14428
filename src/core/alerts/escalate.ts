import type { MessageAddress } from '../chat/chat.port.js';
import type { KeyHold, Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import { isDomainError } from '../errors.js';
import type { Logger } from '../logger.js';
import { stepJobId, type EscalationService } from '../oncall/escalation.js';
import type { EscalationAlert, EscalationAlerts, EscalationNotifier, EscalationSnapshot, StepCursor, StepProgress, TimelineEntry as StepEntry } from '../oncall/escalation.types.js';
import type { Team } from '../people/people.types.js';
import type { TeamRepository } from '../ports.js';
import type { Alert, AlertNotifier, AlertRepository, OpeningRecord, TimelineEntry } from './alerts.types.js';
import { alertView } from './alerts.views.js';

export const toEscalationAlert = (a: Alert): EscalationAlert => ({
  id: a.id,
  teamId: a.teamId,
  source: a.source,
  severity: a.severity,
  status: a.status,
  silencedUntil: a.silencedUntil ?? null,
  snoozedUntil: a.snoozedUntil ?? null,
  openedAt: a.createdAt,
  escalation: a.escalation ?? null,
  wave: a.wave,
  pageLease: a.pageLease ?? null,
  cursor: a.cursor ?? null,
});

/**
 * How many held leases are remembered here (see AlertMessages.holding), the oldest dropped first: more than the first
 * steps that can be running or waiting in a process (a lease is granted only below that), so one dropped is over.
 */
const HOLDING_KEPT = 10_000;

const stepName = (e: StepEntry) => (e.step === undefined ? '' : `Step ${e.step + 1}${e.repeat ? ` (round ${e.repeat + 1})` : ''}: `);

/** The timeline line of an escalation started with the alert (the key `start` would write it under). */
export const startedEntry = (alertId: string, snapshot: EscalationSnapshot): StepEntry => ({ key: `escalation:${alertId}:started`, kind: 'escalation_started', detail: snapshot.policyName, at: snapshot.frozenAt });

/** An escalation entry as a line of the alert's timeline. */
export function timelineEntry(e: StepEntry): TimelineEntry {
  const data = { key: e.key, escalation: e.kind, ...(e.repeat === undefined ? {} : { repeat: e.repeat, step: e.step }), ...(e.personId ? { personId: e.personId } : {}) };
  const person = e.personId ? `<@person:${e.personId}>` : (e.detail ?? '');
  const line: Record<StepEntry['kind'], [TimelineEntry['kind'], string]> = {
    escalation_started: ['escalated', `Escalation started with the policy ${e.detail ?? ''}`],
    no_policy: ['notified', `No escalation policy applies (${e.detail ?? ''})`],
    fallback: ['notified', `No escalation policy applies: sent to ${person}, an owner`],
    notified: ['notified', `${stepName(e)}sent to ${person}`],
    posted: ['notified', `${stepName(e)}posted to the channel of ${e.detail ?? 'the team'}`],
    deferred: ['escalated', `${stepName(e)}low urgency: ${person} is told at the start of their working hours (${e.detail ?? ''})`],
    undeliverable: ['escalated', `${stepName(e)}could not be delivered to ${person}; the next step runs at once`],
    no_target: ['escalated', `${stepName(e)}nobody to notify (${e.detail ?? ''})`],
    stopped: ['escalated', `${stepName(e)}not run: the alert is ${e.detail ?? 'closed'}`],
  };
  const [kind, text] = line[e.kind];
  return { at: e.at, kind, actor: 'tandem', text, data };
}

/**
 * The alerts store as escalation sees it: the snapshot, and a timeline written once per key, each line with the
 * step cursor, its message key and where a held page went in one write.
 */
export function escalationAlerts(alerts: AlertRepository, clock: Clock, changed: (alert: Alert) => Promise<void>): EscalationAlerts {
  return {
    get: async (id) => {
      const a = await alerts.get(id);
      return a ? toEscalationAlert(a) : null;
    },
    freeze: async (id, snapshot) => {
      const a = await alerts.freeze(id, snapshot);
      return a?.escalation ?? snapshot;
    },
    // A page's line keeps its message key with it: a page sent under the alert's hold has not kept it before (see AlertMessages).
    record: (id, entry, extras) =>
      alerts.noteOnce(id, entry.key, timelineEntry(entry), { messageKey: entry.kind === 'notified' || entry.kind === 'posted' ? entry.key : undefined, cursor: extras?.cursor, copy: extras?.page }),
    reopen: async (id, wave) => {
      const a = await alerts.reopen(id, wave, { at: clock.now(), kind: 'reopened', actor: 'tandem', text: 'The snooze ran out: open again, escalation restarts' });
      if (a) await changed(a);
      return a ? toEscalationAlert(a) : null;
    },
  };
}

/**
 * Where an escalation's messages go, and how every copy follows the alert:
 * each message key is kept on the alert before it is sent, and a change
 * rewrites all of them in place, on every platform. A notification that
 * cannot be delivered (unknown person, no channel, a platform's "not found")
 * answers false, so escalation moves on at once; anything else is thrown and
 * the step's job retries.
 */
export class AlertMessages implements AlertNotifier, EscalationNotifier {
  escalation: EscalationService | undefined;
  /**
   * New alerts as written, by the escalation view `opened` started them with: their first step, run in process,
   * renders its message from it instead of reading the alert back with the message key.
   */
  private readonly written = new WeakMap<EscalationAlert, Alert>();
  /**
   * New alerts this process inserted with a `pageLease`, by id: the keys of their first step's pages it holds (see
   * KeyHold), each taken once (a resend's second start of the same step sends as anyone else would).
   */
  private readonly holding = new Map<string, Set<string>>();

  constructor(
    private readonly d: {
      alerts: AlertRepository;
      teams: Pick<TeamRepository, 'get'>;
      messenger: Messenger;
      logger: Logger;
      /** Who owns alerts of a KPI: `manager` (default) or `members` of the owner team. */
      ownerRole: (kpiKey: string) => Promise<'manager' | 'members'>;
    },
  ) {}

  async plan(alert: Pick<Alert, 'teamId' | 'source' | 'severity'>): Promise<OpeningRecord | null> {
    if (!this.escalation) throw new Error('escalation is not wired');
    const snapshot = await this.escalation.plan(alert);
    if (!snapshot) return null;
    const escalation = this.escalation;
    const pageLease = escalation.pageLeaseUntil(snapshot);
    return (id) => {
      const started = startedEntry(id, snapshot);
      // With the lease, this process runs the first step once the alert is written: its crash net is joined now.
      return { timeline: [timelineEntry(started)], timelineKeys: [started.key], escalation: snapshot, ...(pageLease ? { pageLease, abandoned: escalation.reserveNet(id) } : {}) };
    };
  }

  async opened(alert: Alert, inserted = false): Promise<void> {
    if (!this.escalation) throw new Error('escalation is not wired');
    if (!alert.escalation) {
      await this.escalation.start(alert.id);
      return;
    }
    if (inserted && alert.pageLease) this.hold(alert.id);
    const started = toEscalationAlert(alert);
    this.written.set(started, alert);
    await this.escalation.start(started);
  }

  private hold(alertId: string): void {
    this.holding.set(alertId, new Set());
    // A Map iterates in insertion order: the first is the oldest.
    if (this.holding.size > HOLDING_KEPT) this.holding.delete(this.holding.keys().next().value!);
  }

  /** The hold on a first-step page's key that the alert's insert carries: fresh the first time this process, which inserted the alert, asks for it. */
  private leaseFor(alert: Pick<Alert, 'id' | 'createdAt' | 'pageLease'>, key: string): KeyHold | undefined {
    if (!alert.pageLease || !key.startsWith(`${stepJobId(alert.id, 0, 0)}:`)) return undefined;
    const taken = this.holding.get(alert.id);
    const fresh = !!taken && !taken.has(key);
    taken?.add(key);
    return { since: alert.createdAt, until: alert.pageLease, fresh };
  }

  /**
   * Rewrites every copy (a key's copies kept on the alert, else its posted-message records); one that cannot be
   * updated (deleted, a platform down) does not keep the others stale.
   */
  async changed(alert: Alert): Promise<void> {
    const view = alertView(alert);
    for (const key of alert.messageKeys) {
      const kept = (alert.copies ?? []).filter((c) => c.key === key).map(({ platform, channel, messageId }) => ({ platform, channel, messageId }));
      await this.d.messenger.update(key, view, kept).catch((err: unknown) => this.d.logger.warn({ err, alertId: alert.id, key }, 'alert message update failed'));
    }
  }

  async notifyPerson(alert: EscalationAlert, personId: string, progress: StepProgress, key: string, cursor?: StepCursor): Promise<boolean | MessageAddress> {
    const identity = await this.d.messenger.reachable(personId);
    if (!identity) return false;
    const written = this.written.get(alert);
    const held = written && this.leaseFor(written, key);
    // Sent on a lease held here, the alert just written needs no write before the page: its key and where the page
    // went are kept with the page's timeline line (a crash before that leaves the step's job, which keeps the key
    // before it looks for the page, and records what it finds as anyone would).
    if (written && held?.fresh) {
      const view = alertView(this.rendered(alert, written, key, progress));
      return this.deliver(key, () => this.d.messenger.dmKept(personId, view, key, { identity, hold: held }));
    }
    // A key held before (by this process, or by the one that opened the alert) may have been sent and kept on the
    // alert: read, not assumed.
    const full = await this.remember(alert, key, progress, cursor, !!held);
    if (!full) return false;
    if (full.copies?.some((c) => c.key === key)) return true;
    const hold = held || this.leaseFor(full, key);
    return this.deliver(key, () => this.d.messenger.dm(personId, alertView(full), key, { identity, ...(hold ? { hold } : {}) }));
  }

  async postToTeam(alert: EscalationAlert, team: Team, progress: StepProgress, key: string, cursor?: StepCursor): Promise<boolean> {
    if (!this.d.messenger.platforms.some((p) => team.channels[p])) return false;
    const full = await this.remember(alert, key, progress, cursor);
    if (!full) return false;
    return (await this.deliver(key, () => this.d.messenger.post(team, alertView(full), key))) !== false;
  }

  async notifyOwners(alert: EscalationAlert, key: string): Promise<string[]> {
    const reached: string[] = [];
    for (const personId of await this.owners(alert.id)) {
      if (await this.notifyPerson(alert, personId, { repeat: 0, step: 0, steps: 0, repeats: 0 }, `${key}:${personId}`)) reached.push(personId);
    }
    return reached;
  }

  private async owners(alertId: string): Promise<string[]> {
    const alert = await this.d.alerts.get(alertId);
    const team = alert ? await this.d.teams.get(alert.teamId) : null;
    if (!alert || !team) return [];
    const role = alert.kpiKey ? await this.d.ownerRole(alert.kpiKey) : 'manager';
    if (role === 'members') return [...new Set([...(team.managerId ? [team.managerId] : []), ...team.memberIds])];
    return team.managerId ? [team.managerId] : [];
  }

  /**
   * Keeps the key on the alert first (with the step's cursor): a copy sent by a worker that then died is still
   * found and updated. An alert just written (its first step in process) is not read back unless `read`: the key
   * is added in a group-committed write, and the message rendered from the alert as written with the key and the
   * step (the step's timeline line writes its cursor).
   */
  private async remember(alert: EscalationAlert, key: string, progress: StepProgress, cursor?: StepCursor, read = false): Promise<Alert | null> {
    const written = this.written.get(alert);
    if (!written || read) return this.d.alerts.addMessageKey(alert.id, key, cursor);
    await this.d.alerts.keepMessageKey(alert.id, key);
    return this.rendered(alert, written, key, progress);
  }

  /** The alert as written, with the message key and the step: what its message shows. */
  private rendered(alert: EscalationAlert, written: Alert, key: string, progress: StepProgress): Alert {
    const kept: Alert = { ...written, messageKeys: [...new Set([...written.messageKeys, key])], cursor: { repeat: progress.repeat, step: progress.step } };
    this.written.set(alert, kept);
    return kept;
  }

  /** True once sent (or found sent), or where it went when the send answers that (see Messenger.dmKept); false when undeliverable. */
  private async deliver(key: string, send: () => Promise<unknown>): Promise<boolean | MessageAddress> {
    try {
      const sent = await send();
      return typeof sent === 'object' && sent !== null ? (sent as MessageAddress) : true;
    } catch (err) {
      // 'unavailable' is for now (a busy send lease, a platform down): the job retries. Other refusals, and a
      // person or channel the platform cannot reach until someone installs the app, are final.
      if (isDomainError(err) && (err.code !== 'unavailable' || err.details?.unreachable === true)) {
        this.d.logger.warn({ err: err.message, key }, 'alert notification undeliverable');
        return false;
      }
      throw err;
    }
  }
}
