import type { AlertRepository } from '../alerts/alerts.types.js';
import type { KpiFigure, KpiSource, Period } from '../scorecards/scorecards.types.js';
import type { Kpi, KpiRepository, Sample } from './kpis.types.js';
import { ragOf, versionAt } from './rag.js';
import { SourceRollups } from '../scorecards/source-rollups.js';

/** Samples read per KPI and period (an hourly KPI over a quarter has ~2,200: the newest are kept). */
const SAMPLES_READ = 1_000;
/** Points of a sparkline: the period cut into this many slices, the last value of each. */
export const TREND_POINTS = 12;

export interface KpiSourceDeps {
  kpis: Pick<KpiRepository, 'list' | 'samplesBetween'>;
  alerts: Pick<AlertRepository, 'liveCountByKpi'>;
  /** Where figures are kept between scorecards (absent: computed every time). */
  rollups?: Pick<SourceRollups, 'read'>;
}

type SampleFigures = Pick<Sample, 'at' | 'value' | 'dataError' | 'rag'>;

/** The last value of each of `n` equal slices of `[from, to)` that has one, oldest first. */
export function sparkline(samples: readonly Pick<Sample, 'at' | 'value'>[], period: Pick<Period, 'from' | 'to'>, n = TREND_POINTS): number[] {
  const span = period.to.getTime() - period.from.getTime();
  const last = new Map<number, number>();
  for (const s of samples) last.set(Math.min(n - 1, Math.floor(((s.at.getTime() - period.from.getTime()) / span) * n)), s.value);
  return [...last.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** The figure of one KPI over a period: its latest usable value and status, the target in force then, a sparkline. */
export function kpiFigure(kpi: Kpi, samples: readonly SampleFigures[], period: Period, openAlerts: number): KpiFigure {
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

/**
 * The KPI feature's side of the scorecard: the KPIs owned by the scope's
 * teams, each with its latest value in the period judged red/amber/green by
 * the version in force then, the target, a sparkline and its open alerts.
 *
 * Every KPI's figures for a period are computed together (the definitions and
 * one read of the period's samples) and kept as a roll-up until a sample of
 * the period or a definition is written; the open alerts per KPI likewise
 * until an alert changes. A scorecard then reads four `_id` documents.
 */
export function kpiScorecardSource(d: KpiSourceDeps): KpiSource {
  const rollups = d.rollups ?? SourceRollups.none;
  const figures = async (period: Period): Promise<KpiFigure[]> => {
    const kpis = await d.kpis.list({});
    if (!kpis.length) return [];
    const byKey = new Map<string, SampleFigures[]>();
    for (const s of await d.kpis.samplesBetween(period.from, period.to)) {
      const list = byKey.get(s.kpiKey) ?? [];
      if (!list.length) byKey.set(s.kpiKey, list);
      list.push(s);
    }
    return kpis.map((k) => kpiFigure(k, (byKey.get(k.key) ?? []).slice(-SAMPLES_READ), period, 0));
  };
  return {
    /** Set up once any KPI is defined. */
    setUp: () => rollups.read('kpis:set-up', [{ source: 'kpis' }], async () => (await d.kpis.list({})).length > 0),
    async kpisFor(teamIds: readonly string[], period: Period): Promise<KpiFigure[]> {
      const wanted = new Set(teamIds);
      const [all, open] = await Promise.all([
        rollups.read(`kpis:${period.from.toISOString()}/${period.to.toISOString()}`, [{ source: 'kpis', period }], () => figures(period)),
        rollups.read('kpis:open-alerts', [{ source: 'kpi-alerts' }], () => d.alerts.liveCountByKpi()),
      ]);
      return all.filter((f) => f.teamId !== null && wanted.has(f.teamId)).map((f) => ({ ...f, openAlerts: open[f.key] ?? 0 }));
    },
  };
}
