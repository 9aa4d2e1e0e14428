import { randomUUID } from 'node:crypto';
import type { AlertSeverity, NewAlert } from '../alerts/alerts.types.js';
import { resolveAlert } from '../alerts/lifecycle.js';
import { observeNormal, raiseAlert } from '../alerts/raise.js';
import { judge, type StatRule } from '../rhythm/statistics.js';
import type { KpiDeps } from './deps.js';
import { explain, RULE_TEXT } from './explain.js';
import type { Judgement, Kpi, KpiTail, PendingSample, Rag, Sample, TailSample } from './kpis.types.js';
import { badSideOf, ragOf, versionAt } from './rag.js';
import { runPorts, type RunAlertKnowledge } from './run-alerts.js';
import { MAX_TAIL_SIZE, queued, samplesBefore, tailSize, withJudged } from './tail.js';

/** The KPI rules that raise alerts, each with one open alert at most. */
export const KPI_RULES = ['threshold', 'sigma3', 'run_2of3', 'run_4of5', 'run_8', 'input_error', 'stale'] as const;
export type KpiRule = (typeof KPI_RULES)[number];
export const alertKey = (kpiKey: string, rule: KpiRule): string => `kpi:${kpiKey}:${rule}`;

/** Samples judged per lease before it is renewed. */
const BATCH = 200;
export const LEASE_MS = 60_000;
/** Judged samples recorded and taken off the queue (and the tail written) at once. */
const DEQUEUE_EVERY = 100;
const TREND = 10;

const RULE_SEVERITY: Record<Exclude<KpiRule, 'threshold'>, AlertSeverity> = {
  sigma3: 'exception',
  run_2of3: 'shift',
  run_4of5: 'shift',
  run_8: 'shift',
  input_error: 'warning',
  stale: 'stale',
};

/**
 * Judges the samples queued on a KPI's tail, oldest first, under a per-KPI
 * lease so that one worker at a time walks a KPI's history in order. A job
 * that finds the lease taken leaves its sample to the holder, which gives the
 * lease back in the write that takes its last samples off the queue and sees
 * there what was queued meanwhile, so no sample is left unjudged. Every read
 * and write here is by `_id`: the lease is taken in the write that reads the
 * tail, the tail carries the baseline and the values queued, so no range of
 * samples is read, and a normal sample costs no alert lookup unless an alert
 * of its KPI may be open. The judgements are recorded and the tail written
 * once per run of up to DEQUEUE_EVERY samples: a run of a few samples is
 * four round trips (the KPI, the lease with the tail, the judgements, the
 * tail with the lease given back).
 */
export async function detectPending(d: KpiDeps, kpiKey: string): Promise<number> {
  return (await detectRun(d, kpiKey)).judged;
}

/**
 * `detectPending`, saying also whether the run ended holding the lease with
 * nothing left queued (`drained`): false when the lease was taken or lost,
 * or nothing waited. `known` is the KPI as the caller just read it (the
 * request that stored the samples), used for the first lease instead of a
 * read.
 */
export async function detectRun(d: KpiDeps, kpiKey: string, known?: Kpi): Promise<{ judged: number; drained: boolean }> {
  let judged = 0;
  let first = known;
  for (;;) {
    const holder = randomUUID();
    // Before the KPI is read: a job whose samples an earlier run judged costs this one round trip.
    const read = await d.kpis.lease(kpiKey, holder, d.clock.now(), LEASE_MS, MAX_TAIL_SIZE);
    if (!read) return { judged, drained: false };
    let released = false;
    let left = 0;
    try {
      const kpi = first ?? (await d.kpis.definition(kpiKey));
      first = undefined;
      if (!kpi) return { judged, drained: false };
      const size = tailSize(kpi);
      const open = new OpenRules(kpiKey, read.openRules);
      // The open alerts this run finds are looked up once per rule, not per sample, and streaks written once (see runPorts).
      const { ports: run, settle } = runPorts(d, open, kpi.alerts.resolveAfter);
      await resolveStale(run, kpi);
      let tail: Pick<KpiTail, 'recent' | 'complete'> = read;
      let results: Judgement[] = [];
      let done: PendingSample[] = [];
      /** Records the judgements and takes them off the queue; false when the lease ran out and was taken meanwhile. */
      const flush = async (release: boolean): Promise<boolean> => {
        await settle();
        await d.kpis.judged(kpiKey, results);
        const after = await d.kpis.dequeue(kpiKey, holder, done, { ...tail, openRules: open.noted() }, release);
        results = [];
        done = [];
        released = release || !after.held;
        left = after.pending;
        return after.held;
      };
      for (const next of queued(read).slice(0, BATCH)) {
        const sample = next.value === undefined ? await d.kpis.getSample(kpiKey, next.at) : { at: next.at, value: next.value, dataError: next.dataError };
        const revision = next.value === undefined ? (sample as Sample | null)?.corrections.length ?? next.revision : next.revision;
        if (sample) {
          const result = await judgeSample(run, kpi, sample, tail, open);
          tail = withJudged(tail, { at: sample.at, value: sample.value, exception: result.exception, dataError: sample.dataError }, size);
          results.push({ at: sample.at, ...result });
          judged += 1;
        }
        done.push(...read.pending.filter((p) => p.at.getTime() === next.at.getTime() && p.revision <= revision));
        // The queue moves on every so many samples: a run that stops half-way judges at most these again.
        if (done.length >= DEQUEUE_EVERY && !(await flush(false))) return { judged, drained: false };
      }
      // Its holder gone, the lease is the next holder's to take, and they judge what is left.
      if (!(await flush(true))) return { judged, drained: false };
    } finally {
      if (!released) await d.kpis.release(kpiKey, holder);
    }
    if (left === 0) return { judged, drained: true };
  }
}

/**
 * What detection knows of a KPI's open rule alerts during a run: rules that
 * may have one (looked up on a normal sample), rules known to have none, and
 * the open alerts the run found or opened (runPorts answers `openId` from it,
 * so a run looks each one up once at most). Starts from the tail's note
 * (null: unknown, every rule is looked up once).
 */
export class OpenRules implements RunAlertKnowledge {
  private readonly maybe: Set<KpiRule>;
  private readonly unknown: Set<KpiRule>;
  /** The open alert of each rule (the stale rule's too) as this run found or opened it. */
  private readonly ids = new Map<KpiRule, string>();

  constructor(
    private readonly kpiKey: string,
    noted: readonly string[] | null,
  ) {
    const rules = KPI_RULES.filter((r) => r !== 'stale');
    this.maybe = new Set(noted ? rules.filter((r) => noted.includes(r)) : []);
    this.unknown = new Set(noted ? [] : rules);
  }

  /** Whether a lookup is needed for this rule. */
  mayBeOpen(rule: KpiRule): boolean {
    return this.ids.has(rule) || this.maybe.has(rule) || this.unknown.has(rule);
  }

  raised(rule: KpiRule): void {
    if (rule === 'stale') return;
    this.unknown.delete(rule);
    this.maybe.add(rule);
  }

  closed(rule: KpiRule): void {
    this.ids.delete(rule);
    if (rule === 'stale') return;
    this.unknown.delete(rule);
    this.maybe.delete(rule);
  }

  /** The rules that may be open, when every rule is known; null while some are not. */
  noted(): string[] | null {
    return this.unknown.size ? null : [...this.maybe];
  }

  known(key: string): string | null | undefined {
    const rule = this.ruleOf(key);
    if (!rule) return undefined;
    // The stale check opens the stale rule's alert outside detection: only an id found in this run is known.
    return this.ids.get(rule) ?? (rule !== 'stale' && !this.mayBeOpen(rule) ? null : undefined);
  }

  found(key: string, id: string | null): void {
    const rule = this.ruleOf(key);
    if (!rule) return;
    if (id === null) return this.closed(rule);
    this.ids.set(rule, id);
    this.raised(rule);
  }

  resolved(id: string): void {
    for (const [rule, known] of this.ids) if (known === id) this.closed(rule);
  }

  forget(id: string): void {
    for (const [rule, known] of this.ids) if (known === id) this.ids.delete(rule);
  }

  private ruleOf(key: string): KpiRule | undefined {
    const prefix = `kpi:${this.kpiKey}:`;
    const rule = key.startsWith(prefix) ? key.slice(prefix.length) : '';
    return KPI_RULES.find((r) => r === rule);
  }
}

export async function resolveStale(d: KpiDeps, kpi: Kpi): Promise<void> {
  // The stale check marks a KPI stale before it raises the alert: an unmarked KPI has no stale alert open.
  if (!kpi.staleSince) return;
  const id = await d.alerts.openId(alertKey(kpi.key, 'stale'));
  if (id) await resolveAlert(d, id, 'tandem', 'Data is arriving again');
  await d.kpis.markStale(kpi.key, null);
}

/** Judges one sample against the version in force at its instant and its baseline (from the tail); raises, updates or calms alerts. */
export async function judgeSample(
  d: KpiDeps,
  kpi: Kpi,
  sample: Pick<Sample, 'at' | 'value' | 'dataError'>,
  tail: Pick<KpiTail, 'recent' | 'complete'>,
  open = new OpenRules(kpi.key, null),
): Promise<{ rag: Rag; version: number; exception: boolean }> {
  const version = versionAt(kpi, sample.at);
  const x = sample.value;
  const rag: Rag = ragOf(version, x);
  const before: TailSample[] = sample.dataError ? [] : await samplesBefore(d, kpi, tail, sample.at);
  const usable = before.filter((s) => !s.dataError);
  const history = usable.filter((s) => !s.exception).map((s) => s.value);
  const recent = usable.map((s) => s.value);
  const j = judge(x, history, recent, kpi.statistics, badSideOf(version));
  const outOfBounds = (kpi.bounds.min !== null && x < kpi.bounds.min) || (kpi.bounds.max !== null && x > kpi.bounds.max);
  const suspect = outOfBounds || j.fired.includes('input_error');
  const exception = suspect || j.fired.includes('sigma3');
  const result = { rag, version: version.version, exception };
  if (sample.dataError) return result;

  const breaches = new Map<KpiRule, AlertSeverity>();
  if (suspect) breaches.set('input_error', RULE_SEVERITY.input_error);
  else {
    if (rag !== 'green') breaches.set('threshold', kpi.alerts.severities[rag]);
    if (j.fired.includes('sigma3')) breaches.set('sigma3', RULE_SEVERITY.sigma3);
    // The strongest statistical signal speaks for a sample: a 3σ exception already says what a run rule would.
    else for (const r of ['run_2of3', 'run_4of5', 'run_8'] as const satisfies StatRule[]) if (j.fired.includes(r)) breaches.set(r, RULE_SEVERITY[r]);
  }
  const trend = [...recent.slice(-(TREND - 1)), x];
  const at = d.clock.now();
  // Each rule's alert is its own (its own key and documents): a sample that breaches two raises them at once, their
  // writes sharing group commits, rather than the second waiting for the first's escalation to start.
  const raise = async (rule: KpiRule, severity: AlertSeverity) => {
    const explanation = explain({ kpi, version, rule, value: x, at: sample.at, rag, baseline: j.baseline.n ? j.baseline : null, trend });
    const alert: NewAlert = {
      key: alertKey(kpi.key, rule),
      severity,
      teamId: kpi.ownerTeamId,
      source: 'kpi',
      title: titleOf(kpi, rule, rag),
      explanation,
      lastValue: x,
      worstValue: x,
      lastAt: sample.at,
      kpiKey: kpi.key,
      rule,
      worse: version.direction === 'higher_is_better' ? 'lower' : 'higher',
    };
    // Noted after: a rule known to have no open alert opens one without a lookup first (runPorts).
    await raiseAlert(d, alert, { at, actor: 'tandem', flapping: kpi.alerts.flapping });
    open.raised(rule);
  };
  await Promise.all([...breaches].map(([rule, severity]) => raise(rule, severity)));
  if (!suspect) await observeNormals(d, kpi, breaches, at, open);
  return result;
}

/**
 * Every rule this sample did not breach saw a normal value. Only the rules
 * whose alert may be open are looked up, each once per run: only detection
 * (under the KPI's lease) opens a KPI rule's alert, and `open` learns it as
 * it opens (runPorts), before the run writes the tail's note.
 */
async function observeNormals(d: KpiDeps, kpi: Kpi, breaches: ReadonlyMap<KpiRule, AlertSeverity>, at: Date, open: OpenRules): Promise<void> {
  const observe = async (rule: KpiRule) => {
    const key = alertKey(kpi.key, rule);
    const id = await d.alerts.openId(key);
    if (id) await observeNormal(d, id, key, { at, resolveAfter: kpi.alerts.resolveAfter, flapping: kpi.alerts.flapping });
    else open.closed(rule);
  };
  // Each rule's alert apart, at once (two alerts a breach opened resolve together, see judgeSample).
  await Promise.all(KPI_RULES.filter((rule) => !breaches.has(rule) && rule !== 'stale' && open.mayBeOpen(rule)).map(observe));
}

function titleOf(kpi: Kpi, rule: KpiRule, rag: Rag): string {
  switch (rule) {
    case 'threshold':
      return `${kpi.name} is ${rag}`;
    case 'sigma3':
      return `${kpi.name}: exceptional value (beyond 3σ)`;
    case 'input_error':
      return `${kpi.name}: suspected input error`;
    case 'stale':
      return `${kpi.name}: no new data`;
    default:
      return `${kpi.name}: shift — ${RULE_TEXT[rule]}`;
  }
}
