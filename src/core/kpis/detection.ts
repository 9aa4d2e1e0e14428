import { randomUUID } from 'node:crypto';
import type { AlertSeverity, NewAlert } from '../alerts/alerts.types.js';
import { resolveAlert } from '../alerts/lifecycle.js';
import { observeNormal, raiseAlert } from '../alerts/raise.js';
import { judge, type StatRule } from '../rhythm/statistics.js';
import type { KpiDeps } from './deps.js';
import { explain, RULE_TEXT } from './explain.js';
import type { Kpi, KpiTail, Rag, Sample, TailSample } from './kpis.types.js';
import { badSideOf, ragOf, versionAt } from './rag.js';
import { queued, samplesBefore, tailSize, withJudged } from './tail.js';

/** The KPI rules that raise alerts, each with one open alert at most. */
export const KPI_RULES = ['threshold', 'sigma3', 'run_2of3', 'run_4of5', 'run_8', 'input_error', 'stale'] as const;
export type KpiRule = (typeof KPI_RULES)[number];
export const alertKey = (kpiKey: string, rule: KpiRule): string => `kpi:${kpiKey}:${rule}`;

/** Samples judged per lease before it is renewed. */
const BATCH = 200;
const LEASE_MS = 60_000;
/** Judged samples taken off the queue (and the tail written) at once. */
const DEQUEUE_EVERY = 20;
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
 * that finds the lease taken leaves its sample to the holder, which looks
 * again after releasing, so no sample is left unjudged. Every read and write
 * here is by `_id`: the tail carries the baseline, so no range of samples is read.
 */
export async function detectPending(d: KpiDeps, kpiKey: string): Promise<number> {
  let judged = 0;
  for (;;) {
    const holder = randomUUID();
    if (!(await d.kpis.lease(kpiKey, holder, d.clock.now(), LEASE_MS))) return judged;
    let size = 0;
    try {
      const kpi = await d.kpis.get(kpiKey);
      if (!kpi) return judged;
      size = tailSize(kpi);
      await resolveStale(d, kpi);
      let tail = await d.kpis.tail(kpiKey, size);
      const closed = new Set<KpiRule>();
      let done: { at: Date; revision: number }[] = [];
      for (const next of queued(tail).slice(0, BATCH)) {
        const sample = await d.kpis.getSample(kpiKey, next.at);
        if (sample) {
          const result = await judgeSample(d, kpi, sample, tail, closed);
          tail = { ...tail, ...withJudged(tail, { at: sample.at, value: sample.value, exception: result.exception, dataError: sample.dataError }, size) };
          await d.kpis.judged(kpiKey, sample.at, result);
          judged += 1;
        }
        done.push({ at: next.at, revision: sample?.corrections.length ?? next.revision });
        // The queue moves on every few samples: a run that stops half-way judges at most these again.
        if (done.length >= DEQUEUE_EVERY) {
          await d.kpis.dequeue(kpiKey, done, tail);
          done = [];
        }
      }
      if (done.length) await d.kpis.dequeue(kpiKey, done, tail);
    } finally {
      await d.kpis.release(kpiKey, holder);
    }
    if (!size || (await d.kpis.tail(kpiKey, size)).pending.length === 0) return judged;
  }
}

async function resolveStale(d: KpiDeps, kpi: Kpi): Promise<void> {
  const id = await d.alerts.openId(alertKey(kpi.key, 'stale'));
  if (id) await resolveAlert(d, id, 'tandem', 'Data is arriving again');
  if (kpi.staleSince) await d.kpis.markStale(kpi.key, null);
}

/** Judges one sample against the version in force at its instant and its baseline (from the tail); raises, updates or calms alerts. */
export async function judgeSample(d: KpiDeps, kpi: Kpi, sample: Sample, tail: Pick<KpiTail, 'recent' | 'complete'>, closed = new Set<KpiRule>()): Promise<{ rag: Rag; version: number; exception: boolean }> {
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
  for (const [rule, severity] of breaches) {
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
    await raiseAlert(d, alert, { at, actor: 'tandem', flapping: kpi.alerts.flapping });
    closed.delete(rule);
  }
  if (!suspect) await observeNormals(d, kpi, breaches, at, closed);
  return result;
}

/**
 * Every rule this sample did not breach saw a normal value. `closed` holds
 * the rules known to have no open alert during this detection run: only
 * detection (under the KPI's lease) opens a KPI rule's alert, so they are
 * not looked up again until it raises one.
 */
async function observeNormals(d: KpiDeps, kpi: Kpi, breaches: ReadonlyMap<KpiRule, AlertSeverity>, at: Date, closed: Set<KpiRule>): Promise<void> {
  for (const rule of KPI_RULES) {
    if (breaches.has(rule) || rule === 'stale' || closed.has(rule)) continue;
    const id = await d.alerts.openId(alertKey(kpi.key, rule));
    if (id) await observeNormal(d, id, { at, resolveAfter: kpi.alerts.resolveAfter, flapping: kpi.alerts.flapping });
    else closed.add(rule);
  }
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
