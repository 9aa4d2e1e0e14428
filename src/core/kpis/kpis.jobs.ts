import { z } from 'zod';
import { defineJob, defineJobs } from '../job-declarations.js';
import { KPI_JOBS } from './deps.js';
import type { Kpis } from './kpis.module.js';

/** How often stale feeds are looked for (the check itself reads the Clock). */
export const STALE_CHECK_PATTERN = '*/5 * * * *';

/**
 * The KPI jobs, on the kpis queue (the `kpi` word belongs to it): judging a
 * KPI's new samples, and the periodic stale check; the sweep (sweep.ts) queues
 * again the detection of samples left unjudged.
 */
export const kpiJobs = (kpis: Kpis) =>
  defineJobs('kpis', {
    jobs: [
      defineJob(KPI_JOBS.detect, z.object({ kpiKey: z.string().min(1) }), (d) => kpis.detectQueued(d.kpiKey)),
      defineJob(KPI_JOBS.stale, z.object({}), () => kpis.checkStale()),
    ],
    recurring: [{ id: 'kpi:stale', pattern: STALE_CHECK_PATTERN, timeZone: 'UTC', name: KPI_JOBS.stale, data: {} }],
    sweep: () => kpis.sweep(),
  });
