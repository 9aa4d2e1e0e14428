import type { MessageAddress } from '../chat/chat.port.js';
import type { EscalationSnapshot, StepCursor } from '../oncall/escalation.types.js';
import type { Page, PageQuery } from '../ports.js';

/** Where an alert stands. Only `open -> acknowledged -> resolved` and `open -> resolved` happen. */
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/**
 * How serious an alert is, from the rule that raised it: a red threshold is
 * `critical`, amber `warning`, a 3σ exception `exception`, a run rule
 * `shift`, a stopped feed `stale`; intakes map their own levels.
 */
export const ALERT_SEVERITIES = ['critical', 'warning', 'exception', 'shift', 'stale', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** What raised it: a KPI rule, Prometheus Alertmanager, a PagerDuty-style event, or a check-in blocker. */
export const ALERT_SOURCES = ['kpi', 'alertmanager', 'events', 'blocker'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

/** Every state change, notification and annotation, in order: the alert's history. */
export type TimelineKind =
  | 'opened'
  | 'updated'
  | 'acknowledged'
  | 'resolved'
  | 'reopened'
  | 'notified'
  | 'suppressed'
  | 'annotated'
  | 'data_error'
  | 'flapping'
  | 'escalated'
  | 'snoozed';

export interface TimelineEntry {
  at: Date;
  kind: TimelineKind;
  /** Person id, token or integration name, or `tandem` for the rules themselves. */
  actor?: string;
  text: string;
  data?: Record<string, unknown>;
}

export interface Alert {
  id: string;
  /** The dedup key: one open alert per key (`kpi:<key>:<rule>`, `am:<integration>:<fingerprint>`, `events:<integration>:<dedup_key>`). */
  key: string;
  status: AlertStatus;
  severity: AlertSeverity;
  teamId: string;
  source: AlertSource;
  title: string;
  /** Plain language for a manager: what happened, against what, and why it matters. */
  explanation: string;
  kpiKey?: string;
  /** The KPI rule that fired (`threshold`, `sigma3`, `run_2of3`, `run_4of5`, `run_8`, `input_error`, `stale`). */
  rule?: string;
  /** Breaching samples or firing events folded into this alert. */
  count: number;
  lastValue: number | null;
  worstValue: number | null;
  /** Instant of the last breaching sample or firing event. */
  lastAt?: Date;
  /** Opened more than the KPI allows in its window: held open instead of resolving and reopening. */
  flapping: boolean;
  /** Set when a silence covered the alert: notifications are suppressed until then, the alert is still recorded. */
  silencedUntil?: Date;
  timeline: TimelineEntry[];
  createdAt: Date;
  updatedAt: Date;
  acknowledgedBy?: string;
  acknowledgedAt?: Date;
  resolvedAt?: Date;
  /** The escalation policy and on-call people frozen when the alert opened (none: no policy applied). */
  escalation?: EscalationSnapshot;
  /**
   * Escalation runs in waves: snoozing or "Escalate now" starts a new one, and
   * a step job of an older wave does nothing. Job and message keys carry it.
   */
  wave: number;
  /** The last step run in the current wave. */
  cursor?: { repeat: number; step: number };
  /**
   * Where the pages sent on the alert's own hold went (its first step, run where it opened: see `pageLease`), by
   * message key: kept here with the page's timeline line instead of a posted-message record.
   */
  copies?: KeptCopy[];
  /** Acknowledged for a while: at this instant the alert opens again and escalation restarts. */
  snoozedUntil?: Date;
  /** The key of every message sent about the alert, so a change rewrites each copy in place. */
  messageKeys: string[];
  /**
   * Its first step's pages reserved with its insert until then (from `createdAt`), for the process that opened it
   * and runs that step at once (see KeyHold): no reservation of their own before they are sent.
   */
  pageLease?: Date;
}

/** A message sent about an alert whose address the alert keeps itself (see Alert.copies). */
export type KeptCopy = MessageAddress & { key: string };

/** A new alert as a rule or an intake raises it. */
export type NewAlert = Pick<Alert, 'key' | 'severity' | 'teamId' | 'source' | 'title' | 'explanation' | 'lastValue' | 'worstValue'> & {
  lastAt?: Date;
  kpiKey?: string;
  rule?: string;
  /** For a KPI: `higher` when a larger value is worse, `lower` when a smaller one is (worst value tracking). */
  worse?: 'higher' | 'lower';
};

/**
 * What a new alert's record holds from its first write, given the id it gets: the escalation frozen when it opens
 * and the timeline lines that say so (written once per key: their keys), or the silence that suppresses it. Asked
 * for before the alert's writes start, so that what it sets going (its first step's crash net) runs beside them;
 * `abandoned` is called when that id is not written after all (its dedup key lost the race, or a write failed).
 */
export type OpeningRecord = (id: string) => { timeline: TimelineEntry[]; timelineKeys: string[]; escalation?: EscalationSnapshot; silencedUntil?: Date; pageLease?: Date; abandoned?: () => void };

/** A further breach folded into the open alert of the same key. */
export interface AlertBreach {
  at: Date;
  /** Instant of the breaching sample or event, when it has one. */
  sampleAt?: Date;
  value: number | null;
  severity: AlertSeverity;
  title: string;
  explanation: string;
  worse?: 'higher' | 'lower';
  actor?: string;
}

export interface AlertFilter {
  status?: AlertStatus | undefined;
  kpiKey?: string | undefined;
  teamId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** A silence: notifications for a KPI or a team are suppressed until `until`; alerts are still recorded. */
export interface Silence {
  id: string;
  kpiKey: string | null;
  teamId: string | null;
  until: Date;
  reason: string;
  createdBy: string;
  createdAt: Date;
}

/** An alert as the leaders' figures read it. */
export type AlertFacts = Pick<Alert, 'teamId' | 'createdAt' | 'acknowledgedAt' | 'resolvedAt' | 'timeline'>;

/** What the alerts use cases need from the store. */
export interface AlertRepository {
  get(id: string): Promise<Alert | null>;
  list(filter: AlertFilter & PageQuery): Promise<Page<Alert>>;
  /**
   * What the leaders' figures need of every alert opened in `[from, to)`, in one unsorted pass: a filtered and sorted
   * page costs FerretDB a read of the whole collection, so paging through a busy period is quadratic there.
   */
  openedBetween(from: Date, to: Date): Promise<AlertFacts[]>;
  /** Whether any alert is stored (a read of one document, unsorted). */
  any(): Promise<boolean>;
  /** How many open or acknowledged alerts each KPI has (one aggregation; KPIs with none are absent). */
  liveCountByKpi(): Promise<Record<string, number>>;
  /** The id of the open (or acknowledged) alert of a dedup key, from its `_id`-keyed lookup document. */
  openId(key: string): Promise<string | null>;
  /**
   * Opens an alert for `key` unless one is open: the `_id`-keyed lookup
   * document is inserted first, so of two concurrent calls exactly one opens
   * and the other gets `{opened: false, id}` of the winner. The alert is
   * inserted with `entry` and what `record` adds, in one write.
   */
  open(alert: NewAlert, at: Date, entry: TimelineEntry, record?: OpeningRecord): Promise<{ opened: true; alert: Alert } | { opened: false; id: string }>;
  /** Folds a breach into an open alert: count + 1, last and worst value, severity raised, timeline entry. */
  addBreach(id: string, breach: AlertBreach, entry: TimelineEntry): Promise<Alert | null>;
  /**
   * Changes the status atomically when it is still one of `from` (a guarded
   * findOneAndUpdate that appends `entry` in the same update): of two
   * concurrent acknowledgements only the first wins. Resolving also frees the
   * dedup key. Null when the alert was not in `from` (or does not exist).
   */
  changeStatus(id: string, from: readonly AlertStatus[], to: AlertStatus, entry: TimelineEntry): Promise<Alert | null>;
  /** Appends a timeline entry and applies small field changes (flapping, silencedUntil, normal streak). */
  note(id: string, entry: TimelineEntry | null, set?: { flapping?: boolean; silencedUntil?: Date; normalStreak?: number }): Promise<Alert | null>;
  /** Consecutive normal samples seen by an open KPI alert; + `by` (1) and returns the new count, 0 when it is not live. */
  countNormal(id: string, by?: number): Promise<number>;
  /** Remembers an opening of `key` and returns how many happened since `since` (flapping). */
  recordOpening(key: string, at: Date, since: Date): Promise<number>;
  openingsSince(key: string, since: Date): Promise<number>;

  /** Stores the escalation snapshot unless the alert has one; returns the alert as it now is. */
  freeze(id: string, snapshot: EscalationSnapshot): Promise<Alert | null>;
  /**
   * Appends a timeline entry once per key (a retried step writes nothing twice), in the same write as what `also`
   * gives: the message key, the step that wrote the line as the cursor (`cursor` is then the last step run in its
   * wave, unless a later one of that wave or a newer wave was recorded: an older step's line never moves it back),
   * and where a page sent on the alert's own hold went (`copies`).
   */
  noteOnce(id: string, key: string, entry: TimelineEntry, also?: { messageKey?: string | undefined; cursor?: StepCursor | undefined; copy?: MessageAddress | undefined }): Promise<void>;
  /**
   * Remembers the key of a message sent about the alert (before it is sent), and `cursor` as `noteOnce` does; returns
   * the alert as it is then (null: none).
   */
  addMessageKey(id: string, key: string, cursor?: StepCursor): Promise<Alert | null>;
  /** `addMessageKey` without the alert back, group-committed (the caller has the alert as it wrote it). */
  keepMessageKey(id: string, key: string): Promise<void>;
  /**
   * Starts wave `wave + 1` when the alert is still in `wave` and one of
   * `from` (a guarded findOneAndUpdate with `set` and `entry`): of two
   * concurrent presses exactly one wins. Null for the loser.
   */
  nextWave(id: string, wave: number, from: readonly AlertStatus[], set: Partial<Pick<Alert, 'status' | 'acknowledgedBy' | 'acknowledgedAt' | 'snoozedUntil'>>, entry: TimelineEntry): Promise<Alert | null>;
  /** A snooze ran out: acknowledged -> open, if still in `wave`. */
  reopen(id: string, wave: number, entry: TimelineEntry): Promise<Alert | null>;

  createSilence(input: Omit<Silence, 'id'>): Promise<Silence>;
  /** Silences still running at `at`. */
  activeSilences(at: Date): Promise<Silence[]>;
  listSilences(): Promise<Silence[]>;
  removeSilence(id: string): Promise<Silence | null>;
}

/**
 * Tells people about an alert: escalation (on-call) when it opens, and every
 * copy of its message rewritten when it changes.
 */
export interface AlertNotifier {
  /**
   * Before a new alert is written: the escalation snapshot it opens with (the policy routing chooses for it, frozen
   * now) and its timeline line, or null when no policy applies (`opened` then tells the owners).
   */
  plan(alert: Pick<Alert, 'teamId' | 'source' | 'severity'>): Promise<OpeningRecord | null>;
  /**
   * A new alert: starts its escalation (which writes its own timeline entries); one opened with a snapshot only queues
   * its first step. `inserted`: this process has just written it (it holds its `pageLease`), not a resend finding it.
   */
  opened(alert: Alert, inserted?: boolean): Promise<void>;
  /** The alert changed (another breach, acknowledged, resolved, annotated): updates what was sent in place. */
  changed(alert: Alert): Promise<void>;
}
