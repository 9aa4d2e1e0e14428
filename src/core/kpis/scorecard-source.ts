import type { Alert, AlertFilter, AlertRepository } from '../alerts/alerts.types.js';
import type { Page, PageQuery } from '../ports.js';
import type { KpiFigure, KpiSource, Period } from '../scorecards/scorecards.types.js';
import type { Kpi, KpiRepository, Sample } from './kpis.types.js';
import { ragOf, versionAt } from './rag.js';

/** Samples read per KPI and period (an hourly KPI over a quarter has ~2,200: the newest are kept). */
const SAMPLES_READ = 1_000;
/** Points of a sparkline: the period cut into this many slices, the last value of each. */
export const TREND_POINTS = 12;
const OPEN_PAGE = 500;

export interface KpiSourceDeps {
  kpis: Pick<KpiRepository, 'list' | 'samplesBefore'>;
  alerts: Pick<AlertRepository, 'list'>;
}

/** The last value of each of `n` equal slices of `[from, to)` that has one, oldest first. */
export function sparkline(samples: readonly Pick<Sample, 'at' | 'value'>[], period: Pick<Period, 'from' | 'to'>, n = TREND_POINTS): number[] {
  const span = period.to.getTime() - period.from.getTime();
  const last = new Map<number, number>();
  for (const s of samples) last.set(Math.min(n - 1, Math.floor(((s.at.getTime() - period.from.getTime()) / span) * n)), s.value);
  return [...last.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** The figure of one KPI over a period: its latest usable value and status, the target in force then, a sparkline. */
export function kpiFigure(kpi: Kpi, samples: readonly Sample[], period: Period, openAlerts: number): KpiFigure {
  const usable = samples.filter((s) => !s.dataError && s.at >= period.from && s.at < period.to);
  const latest = usable.at(-1);
  const terms = versionAt(kpi, latest?.at ?? new Date(period.to.getTime() - 1));
  return {
    key: kpi.key,
    name: kpi.name,
    perspective: kpi.perspective,
    unit: kpi.unit,
    direction: terms.direction === 'higher_is_better' ? 'up' : 'down',
    target: terms.target,
    actual: latest?.value ?? null,
    status: latest ? (latest.rag ?? ragOf(terms, latest.value)) : null,
    trendPoints: sparkline(usable, period),
    openAlerts,
    latestComment: null,
    ownerId: null,
    teamId: kpi.ownerTeamId,
  };
}

async function allOf(list: (q: AlertFilter & PageQuery) => Promise<Page<Alert>>, filter: AlertFilter): Promise<Alert[]> {
  const out: Alert[] = [];
  for (let cursor: string | undefined, page = 0; page < 20; page += 1) {
    const p = await list({ ...filter, limit: OPEN_PAGE, cursor });
    out.push(...p.items);
    if (!p.nextCursor) break;
    cursor = p.nextCursor;
  }
  return out;
}

/**
 * The KPI feature's side of the scorecard: the KPIs owned by the scope's
 * teams, each with its latest value in the period judged red/amber/green by
 * the version in force then, the target, a sparkline and its open alerts.
 */
export function kpiScorecardSource(d: KpiSourceDeps): KpiSource {
  return {
    /** Set up once any KPI is defined. */
    setUp: async () => (await d.kpis.list({})).length > 0,
    async kpisFor(teamIds: readonly string[], period: Period): Promise<KpiFigure[]> {
      const kpis = await d.kpis.list({ ownerTeamIds: [...teamIds] });
      if (!kpis.length) return [];
      const live = (await Promise.all((['open', 'acknowledged'] as const).map((status) => allOf((q) => d.alerts.list(q), { status })))).flat();
      const open = new Map<string, number>();
      for (const a of live) if (a.kpiKey) open.set(a.kpiKey, (open.get(a.kpiKey) ?? 0) + 1);
      return Promise.all(
        kpis.map(async (k) => {
          const newestFirst = await d.kpis.samplesBefore(k.key, period.to, SAMPLES_READ);
          return kpiFigure(k, newestFirst.reverse(), period, open.get(k.key) ?? 0);
        }),
      );
    },
  };
}
