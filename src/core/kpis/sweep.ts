import { KPI_JOBS, type KpiDeps } from './deps.js';
import { detectRun } from './detection.js';
import { detectJobId } from './samples.js';
import { tailSize } from './tail.js';

/**
 * The KPIs' sweep (see `FeatureJobs.sweep`): a KPI whose tail still holds
 * samples to judge gets its detection job back, under the id the sample path
 * gives it (from its newest pending sample), so a job still queued is never
 * doubled. It puts back what a Redis that lost its data, or a process killed
 * between writing samples and queuing their job, would leave unjudged until
 * the KPI's next sample (a resend of the same values queues no job).
 */
export function kpiSweeper(d: Pick<KpiDeps, 'kpis' | 'scheduler' | 'logger'>): () => Promise<number> {
  return async () => {
    let requeued = 0;
    for (const kpi of await d.kpis.list({})) {
      const newest = (await d.kpis.tail(kpi.key, tailSize(kpi))).pending.at(-1);
      if (!newest) continue;
      if (await d.scheduler.requeue(KPI_JOBS.detect, { kpiKey: kpi.key }, { jobId: detectJobId(kpi.key, newest.at, newest.revision) })) requeued += 1;
    }
    if (requeued > 0) d.logger.info({ requeued }, 'KPI sweep requeued detection Redis did not hold');
    return requeued;
  };
}

/**
 * The detection job: judges what waits on the KPI's tail. When another holder
 * has the lease while samples wait (a request or job judging, or one that
 * died holding it), the job comes back when that lease runs out: a live
 * holder will have judged them (the job then costs one round trip), a dead
 * one's are judged then rather than at the KPI's next sample or sweep.
 */
export async function detectFromJob(d: KpiDeps, kpiKey: string): Promise<number> {
  const { judged, drained } = await detectRun(d, kpiKey);
  if (drained) return judged;
  const until = await d.kpis.heldUntil(kpiKey, d.clock.now());
  if (until) await d.scheduler.enqueue(KPI_JOBS.detect, { kpiKey }, { jobId: `${KPI_JOBS.detect}:${kpiKey}:held:${until.getTime()}`, at: until });
  return judged;
}
