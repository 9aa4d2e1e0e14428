import type { AlertDeps } from '../alerts/lifecycle.js';
import type { AuditLog } from '../audit.js';
import type { PeopleRepository, Scheduler, TeamRepository } from '../ports.js';
import type { KpiRepository } from './kpis.types.js';

/** The ports the KPI use cases take. */
export interface KpiDeps extends AlertDeps {
  kpis: KpiRepository;
  teams: TeamRepository;
  people: PeopleRepository;
  audit: AuditLog;
  scheduler: Scheduler;
}

export const KPI_JOBS = {
  /** Judges the unjudged samples of one KPI in time order (`{kpiKey}`). */
  detect: 'kpi.detect',
  /** Raises `stale` alerts for KPIs whose feed stopped (a periodic reconcile, housekeeping to the demo clock). */
  stale: 'kpi.stale.reconcile',
} as const;
