import type { Blocker } from '../checkins/checkins.types.js';

/**
 * The scorecard's model and the narrow ports it reads. KPIs, alert figures and
 * pulse surveys are built by their own features: each plugs in by
 * implementing one port below (`KpiSource`, `AlertFigures`, `PulseSource`);
 * until then the `notSetUp` implementations make those rows say "not set up".
 */

export const PERIOD_KINDS = ['week', 'month', 'quarter'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** A complete calendar period in the viewer's time zone: `[from, to)`. */
export interface Period {
  kind: PeriodKind;
  /** `2026-W47`, `2026-11` or `2026-Q4`. */
  label: string;
  from: Date;
  to: Date;
  /** The ISO weeks whose Monday falls in the period (check-ins are kept by ISO week). */
  weeks: string[];
}

export type Rag = 'red' | 'amber' | 'green';
export const PERSPECTIVES = ['financial', 'customer', 'process', 'learning'] as const;
export type Perspective = (typeof PERSPECTIVES)[number];

/** One KPI as the KPI feature reports it for some teams over a period. */
export interface KpiFigure {
  key: string;
  name: string;
  perspective: Perspective;
  unit: string;
  /** Whether a higher actual is better. */
  direction: 'up' | 'down';
  target: number | null;
  actual: number | null;
  status: Rag | null;
  /** Samples over the period, oldest first (sparklines, trend arrow). */
  trendPoints: number[];
  openAlerts: number;
  latestComment: { text: string; authorId: string; at: Date } | null;
  ownerId: string | null;
  teamId: string | null;
}

/** Port for the KPI feature (issue 12). `setUp`: false while the feature has nothing yet (the row says "not set up"). */
export interface KpiSource {
  setUp(): Promise<boolean>;
  kpisFor(teamIds: readonly string[], period: Period): Promise<KpiFigure[]>;
}

export interface AlertStats {
  count: number;
  medianAckMs: number | null;
  medianResolveMs: number | null;
  afterHoursPages: number;
}

/** Port for KPI alerts and on-call (issue 13). */
export interface AlertFigures {
  setUp(): Promise<boolean>;
  forTeams(teamIds: readonly string[], period: Period): Promise<AlertStats>;
}

export interface PulseStats {
  /** −100 … 100; null when suppressed under the anonymity floor. */
  enps: number | null;
  /** 0 … 1. */
  responseRate: number | null;
  /** True when fewer answered than the anonymity floor: no figures are shown. */
  suppressed: boolean;
  /** Earlier rounds' eNPS, oldest first (suppressed rounds left out). */
  enpsTrend: number[];
  roundEndedAt: Date | null;
}

/** Port for pulse surveys (issue 14); `latest` is null when no round closed yet. */
export interface PulseSource {
  setUp(): Promise<boolean>;
  latest(teamIds: readonly string[]): Promise<PulseStats | null>;
}

export const notSetUp = {
  kpis: { setUp: () => Promise.resolve(false), kpisFor: () => Promise.resolve([]) } satisfies KpiSource,
  alerts: { setUp: () => Promise.resolve(false), forTeams: () => Promise.resolve({ count: 0, medianAckMs: null, medianResolveMs: null, afterHoursPages: 0 }) } satisfies AlertFigures,
  pulse: { setUp: () => Promise.resolve(false), latest: () => Promise.resolve(null) } satisfies PulseSource,
};

/** A team's check-ins of one ISO week, rolled up. */
export interface WeekRollup {
  teamId: string;
  week: string;
  answered: number;
  /** Answered + skipped + missed. */
  closed: number;
  moodSum: number;
  moodCount: number;
}

/** Kudos not revoked given in one ISO week (UTC): how many each person gave, and who received any. */
export interface KudosWeek {
  week: string;
  givers: Record<string, number>;
  recipients: string[];
}

/** What the rhythm section reads from the store (check-ins and kudos), in bulk, as weekly roll-ups. */
export interface RhythmReads {
  weekRollups(teamIds: readonly string[], weeks: readonly string[]): Promise<WeekRollup[]>;
  openBlockers(teamIds: readonly string[]): Promise<Blocker[]>;
  kudosWeeks(weeks: readonly string[]): Promise<KudosWeek[]>;
  /** Everyone active (as of the last roll-up: minutes old). */
  activePeople(): Promise<Set<string>>;
  /** Recounts the weeks not settled yet and who is active (the roll-up job); returns the weeks. */
  refresh(): Promise<string[]>;
}

export interface RhythmSection {
  participation: { rate: number | null; previousRate: number | null; weekly: { week: string; rate: number | null }[]; byTeam: Record<string, number | null> };
  mood: { average: number | null; answers: number };
  /** Every open blocker counted; the oldest few listed, oldest first. */
  openBlockers: { total: number; oldest: { id: string; personId: string; teamId: string; text: string; since: Date }[] };
  kudos: { given: number; recognisedShare: number | null; people: number };
  pulse: { setUp: boolean; stats: PulseStats | null };
  alerts: { setUp: boolean; stats: AlertStats };
}

export interface KpiRow extends KpiFigure {
  variance: number | null;
  trend: 'up' | 'down' | 'flat' | null;
}

export interface CorrectiveAction {
  id: string;
  kpiKey: string;
  teamId: string | null;
  text: string;
  ownerId: string;
  due: string;
  status: 'open' | 'done';
  createdBy: string;
  createdAt: Date;
  doneAt: Date | null;
}

export interface ActionRepository {
  insert(action: Omit<CorrectiveAction, 'id'>): Promise<CorrectiveAction>;
  get(id: string): Promise<CorrectiveAction | null>;
  setStatus(id: string, status: CorrectiveAction['status'], at: Date): Promise<CorrectiveAction | null>;
  /** Open actions on any of these KPI keys (or all open ones without keys). */
  open(kpiKeys?: readonly string[]): Promise<CorrectiveAction[]>;
  all(): Promise<CorrectiveAction[]>;
}

/** The scope a scorecard covers: the whole organisation or one team (and the teams below it). */
export interface ScorecardScope {
  kind: 'organisation' | 'teams' | 'team';
  teamId: string | null;
  name: string;
  /** Every team whose figures count. */
  teamIds: string[];
}

export interface Scorecard {
  scope: ScorecardScope;
  period: Period;
  generatedAt: Date;
  kpis: { setUp: boolean; rows: KpiRow[] };
  /** Null for someone who sees only their team's KPIs. */
  rhythm: RhythmSection | null;
  actions: (CorrectiveAction & { overdue: boolean })[];
  /** Teams one can drill into from here, with their participation. */
  drillDown: { teamId: string; name: string; participation: number | null }[];
}

/** Pictures of scorecards, kept for a while under an unguessable id (`_id`) so chat platforms can fetch them. */
export interface ScorecardImageStore {
  put(png: Buffer, expiresAt: Date): Promise<string>;
  /** The picture while it has not expired; null otherwise. */
  get(id: string, now: Date): Promise<Buffer | null>;
}

/** Draws a scorecard's picture and returns the absolute URL it is served at; null when there is nothing to draw. */
export interface ScorecardPicture {
  url(s: Scorecard): Promise<string | null>;
}

/** The weekly digest: when it is sent, and the managers who asked for it. */
export interface DigestSettings {
  enabled: boolean;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  /** Local time, `HH:mm`, in each recipient's zone. */
  time: string;
  /** Managers who opted in (leaders always get it). */
  managerIds: string[];
  /** Schedule ids registered last time (reconcile removes stale ones). */
  schedules: string[];
}

export const DEFAULT_DIGEST: DigestSettings = { enabled: true, weekday: 1, time: '09:00', managerIds: [], schedules: [] };

export interface DigestSettingsRepository {
  get(): Promise<DigestSettings>;
  save(patch: Partial<DigestSettings>): Promise<DigestSettings>;
}
