import { randomUUID } from 'node:crypto';
import type { AuditedStep } from '../audit.js';
import type { KpiDeps } from './deps.js';
import { judgeSample, LEASE_MS, OpenRules, resolveStale } from './detection.js';
import type { Judgement, Kpi, KpiTail, SampleInput, SampleWrite } from './kpis.types.js';
import { runPorts } from './run-alerts.js';
import { MAX_TAIL_SIZE, tailSize, withJudged } from './tail.js';

/**
 * What a request that judged its own samples wrote, whether the KPI's queue was empty when it gave the lease back,
 * and whether that write noted the newest sample's instant (`lastSampleAt`; not when the lease was lost).
 */
export interface JudgedWrite {
  writes: SampleWrite[];
  drained: boolean;
  noted: boolean;
}

/**
 * Judges a request's samples before they are written, under the KPI's
 * lease, and writes them judged: no update per sample for its judgement, no
 * queue entry, no job. Only for the live case: nothing queued on the tail and
 * every sample newer than the newest judged one, so each is new and judged in
 * time order after what the tail holds; otherwise (or when the lease is held,
 * or judging fails) null, and the caller writes and queues them as before.
 *
 * At least once: the alerts are raised before the samples are written and
 * the request is answered after, so a crash in between leaves samples the
 * feeder was not told were stored (its resend judges them again: an alert
 * counts the breach twice at worst), never a stored sample unjudged. A sample
 * that turns out to be stored already (written before a crash, never queued)
 * gets the judgement just made, by `_id`.
 *
 * `audit`: the request's entry, begun beside the lease and the judging (a
 * breach's alert is raised without waiting for it); awaited before the
 * samples are written, and settled beside the judged tail's write, both
 * after the samples are stored (the tail never names a sample that is not).
 */
export async function recordJudged(d: KpiDeps, kpi: Kpi, samples: readonly SampleInput[], actor: string, now: Date, audit?: AuditedStep | null): Promise<JudgedWrite | null> {
  const holder = randomUUID();
  const read = await d.kpis.lease(kpi.key, holder, now, LEASE_MS, MAX_TAIL_SIZE, true);
  if (!read) return null;
  let released = false;
  try {
    const inOrder = [...samples].sort((a, b) => a.at.getTime() - b.at.getTime());
    const newest = read.recent.at(-1)?.at.getTime();
    const first = inOrder[0]?.at.getTime() ?? 0;
    if (read.pending.length > 0 || (newest === undefined ? !read.complete : first <= newest)) return null;
    const judged = await judgeInOrder(d, kpi, inOrder, read);
    if (!judged) return null;
    await audit?.begun;
    let after = { held: false, pending: 0 };
    const tail = async (writes: SampleWrite[]) => {
      const found = new Set(writes.filter((w) => w.outcome === 'corrected' || (w.outcome === 'unchanged' && !w.sample.judged)).map((w) => w.sample.at.getTime()));
      if (found.size) await d.kpis.judged(kpi.key, judged.results.filter((j) => found.has(j.at.getTime())));
      after = await d.kpis.dequeue(kpi.key, holder, [], judged.tail, true, inOrder.at(-1)?.at);
      released = true;
    };
    const writes = await d.kpis.writeSamples(kpi.key, inOrder, actor, now, judged.results, (w) => Promise.all([tail(w), audit?.done()]));
    return { writes, drained: after.held && after.pending === 0, noted: after.held };
  } finally {
    if (!released) await d.kpis.release(kpi.key, holder);
  }
}

/** The samples judged one after the other against the tail (alerts raised as they go); null when judging failed. */
async function judgeInOrder(
  deps: KpiDeps,
  kpi: Kpi,
  samples: readonly SampleInput[],
  read: KpiTail,
): Promise<{ results: Judgement[]; tail: Pick<KpiTail, 'recent' | 'complete' | 'openRules'> } | null> {
  const open = new OpenRules(kpi.key, read.openRules);
  // The open alerts this run finds are looked up once per rule, not per sample, and streaks written once (see runPorts).
  const { ports: d, settle } = runPorts(deps, open, kpi.alerts.resolveAfter);
  try {
    await resolveStale(d, kpi);
    const size = tailSize(kpi);
    let tail: Pick<KpiTail, 'recent' | 'complete'> = read;
    const results: Judgement[] = [];
    for (const s of samples) {
      const sample = { at: s.at, value: s.value, dataError: false };
      const result = await judgeSample(d, kpi, sample, tail, open);
      tail = withJudged(tail, { ...sample, exception: result.exception }, size);
      results.push({ at: s.at, ...result });
    }
    // Before the samples are written: a crash leaves them to be judged, and counted, again.
    await settle();
    return { results, tail: { ...tail, openRules: open.noted() } };
  } catch (err) {
    d.logger.warn({ err, kpi: kpi.key }, 'judging samples before writing them failed; they are written and queued');
    return null;
  }
}
