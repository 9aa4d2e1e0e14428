import { z } from 'zod';
import { DomainError } from '../errors.js';
import type { KpiDeps } from './deps.js';
import { KPI_JOBS } from './deps.js';
import { getKpi } from './define.js';
import { detectRun } from './detection.js';
import { recordJudged, type JudgedWrite } from './inline.js';
import type { Kpi, Sample, SampleInput, SampleWrite } from './kpis.types.js';
import { sampleInputSchema } from './kpis.types.js';
import type { SampleLane } from './lane.js';
import { ragOf, versionAt } from './rag.js';

/** Most samples one request may carry. */
export const MAX_SAMPLES_PER_REQUEST = 1_000;
/** How far ahead of Tandem's clock a sample may be dated (clock skew, time zones gone wrong). */
const MAX_AHEAD_MS = 86_400_000;

export const samplesBodySchema = z.union([sampleInputSchema, z.object({ samples: z.array(z.unknown()) }).strict()]);

export interface SamplesReport {
  inserted: number;
  unchanged: number;
  corrected: number;
}

/**
 * The job id of a request's judgement: from the KPI and the newest instant it wrote, plus that sample's
 * revision (a correction is judged again). One job judges everything queued on the KPI's tail.
 */
export const detectJobId = (key: string, at: Date, revision: number): string => `kpi.detect:${key}:${at.getTime()}:${revision}`;

/** Every problem with a batch, by index; the batch is refused whole when there is any. */
function validate(kpi: Kpi, raw: unknown[], now: Date): SampleInput[] {
  if (raw.length === 0) throw new DomainError('validation', 'Send at least one sample');
  if (raw.length > MAX_SAMPLES_PER_REQUEST) throw new DomainError('validation', `At most ${MAX_SAMPLES_PER_REQUEST} samples per request (got ${raw.length})`);
  const issues: { index: number; message: string }[] = [];
  const out: SampleInput[] = [];
  const seen = new Map<number, number>();
  raw.forEach((item, index) => {
    const parsed = sampleInputSchema.safeParse(item);
    if (!parsed.success) {
      issues.push({ index, message: parsed.error.issues.map((i) => `${i.path.join('.') || 'sample'}: ${i.message}`).join('; ') });
      return;
    }
    const s = parsed.data;
    const { min, max } = kpi.bounds;
    if (!Number.isFinite(s.value)) issues.push({ index, message: 'value: expected a finite number' });
    else if (min !== null && s.value < min) issues.push({ index, message: `value ${s.value} is below the KPI's lower bound ${min}` });
    else if (max !== null && s.value > max) issues.push({ index, message: `value ${s.value} is above the KPI's upper bound ${max}` });
    if (s.at.getTime() > now.getTime() + MAX_AHEAD_MS) issues.push({ index, message: `at ${s.at.toISOString()} is more than a day in the future` });
    const earlier = seen.get(s.at.getTime());
    if (earlier !== undefined && out[earlier]?.value !== s.value) issues.push({ index, message: `at ${s.at.toISOString()} appears twice with different values` });
    seen.set(s.at.getTime(), out.length);
    out.push(s);
  });
  if (issues.length) {
    const first = issues[0];
    throw new DomainError('validation', `No sample was written: sample ${first?.index}: ${first?.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, { issues });
  }
  return out;
}

/**
 * Records samples of a KPI: all validated before any is written, so a bad
 * one refuses the whole request. A resend with the same value changes
 * nothing; a different value is a correction, audited. The new and corrected
 * samples are queued on the KPI's tail and judged by one job per request,
 * whose id comes from the KPI and the newest of them. With `inline`, they
 * are judged in this process: before they are written when they extend the
 * KPI's judged history (recordJudged), else right after (no queue round
 * trip, no KPI read), the job queued only when that run did not drain the queue.
 *
 * With `action`, the submission is audited under it (the admin API's): its
 * entry is begun once the samples are valid and written beside the judging,
 * before any sample (AuditLog.begin), so a breach is judged, and its alert
 * raised, without waiting for it; it is settled beside the tail's write.
 *
 * With `lane`, the valid request waits there for a place (a few record at
 * once), unless a value of it is off target (see SampleLane).
 */
export async function recordSamples(d: KpiDeps, key: string, body: unknown, actor: string, o: { inline?: boolean; action?: string; lane?: SampleLane } = {}): Promise<SamplesReport> {
  const kpi = await getKpi(d, key, true);
  const raw = typeof body === 'object' && body !== null && 'samples' in body && Array.isArray(body.samples) ? (body.samples as unknown[]) : [body];
  const now = d.clock.now();
  const samples = validate(kpi, raw, now);
  const unique = [...new Map(samples.map((s) => [s.at.getTime(), s])).values()];
  const record = () => recordValid(d, kpi, unique, raw.length, actor, o);
  // A value off target raises or updates its KPI's threshold alert: its request does not wait for a place (see SampleLane).
  return o.lane ? o.lane.run(key, unique.some((s) => ragOf(versionAt(kpi, s.at), s.value) !== 'green'), record) : record();
}

/** recordSamples once the samples are valid: audited, judged and written. */
async function recordValid(d: KpiDeps, kpi: Kpi, unique: SampleInput[], sent: number, actor: string, o: { inline?: boolean; action?: string }): Promise<SamplesReport> {
  const key = kpi.key;
  // Read again: the request may have waited for its place.
  const now = d.clock.now();
  const audit = o.action ? d.audit.begin({ actor, action: o.action, target: `kpi:${key}`, before: null, intended: { samples: sent } }) : null;
  try {
    const judged = o.inline ? await recordJudged(d, kpi, unique, actor, now, audit) : null;
    await audit?.begun;
    const writes = judged?.writes ?? (await d.kpis.writeSamples(key, unique, actor, now, undefined, () => audit?.done() ?? Promise.resolve()));
    return await afterWrites(d, key, kpi, writes, judged, actor, o.inline ?? false);
  } catch (err) {
    await audit?.failed(err);
    throw err;
  }
}

/** What the request wrote, counted; its corrections audited; what it queued on the tail judged here or by a job. */
async function afterWrites(d: KpiDeps, key: string, kpi: Kpi, writes: readonly SampleWrite[], judged: JudgedWrite | null, actor: string, inline: boolean): Promise<SamplesReport> {
  const report: SamplesReport = { inserted: 0, unchanged: 0, corrected: 0 };
  let newest: Sample | null = null;
  for (const w of writes) {
    report[w.outcome] += 1;
    if (w.outcome === 'unchanged') continue;
    if (!newest || w.sample.at > newest.at) newest = w.sample;
    if (w.outcome === 'corrected') {
      await d.audit.record({ actor, action: 'kpi.sample.correct', target: `kpi:${key}`, before: { at: w.sample.at, value: w.previous }, after: { at: w.sample.at, value: w.sample.value } });
    }
  }
  if (newest) {
    const { at, corrections } = newest;
    const queue = () => d.scheduler.enqueue(KPI_JOBS.detect, { kpiKey: key }, { jobId: detectJobId(key, at, corrections.length) });
    const detect = judged?.drained ? Promise.resolve() : inline ? judgeNow(d, key, kpi).then((drained) => (drained ? undefined : queue())) : queue();
    // Noted with the tail: by writeSamples with the queue, or by the request's judged tail unless it lost the lease.
    await Promise.all([detect, judged && !judged.noted ? d.kpis.noteSample(key, newest.at) : undefined]);
  }
  return report;
}

/**
 * Judges what is queued on the KPI's tail in this process, right after the
 * request stored it; true when that run drained the queue. Otherwise (the
 * lease held elsewhere, lost, or the run failed) the caller queues the job.
 * A crash before either leaves the samples on the tail's queue, where the
 * KPI's next request or the sweep (sweep.ts) finds them.
 */
async function judgeNow(d: KpiDeps, key: string, kpi: Kpi): Promise<boolean> {
  try {
    return (await detectRun(d, key, kpi)).drained;
  } catch (err) {
    d.logger.warn({ err, kpi: key }, 'judging samples in the request failed; their detection job will');
    return false;
  }
}

export async function listSamples(d: Pick<KpiDeps, 'kpis'>, key: string, range: { from?: Date | undefined; to?: Date | undefined; limit: number }): Promise<Sample[]> {
  await getKpi(d, key);
  return d.kpis.samples(key, range);
}
