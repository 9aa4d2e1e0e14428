import type { Alert } from '../alerts/alerts.types.js';
import type { View } from '../chat/views.js';
import { v } from '../chat/views.js';
import type { HelpFeature } from '../help/help.views.js';
import { sparkline, withUnit } from './explain.js';
import type { Kpi, TailSample } from './kpis.types.js';
import { RAG_EMOJI, ragOf, versionAt } from './rag.js';

/** What KPI alerts say about themselves in the help view. */
export const KPI_HELP: HelpFeature = {
  name: 'KPI alerts',
  summary: "I watch your team's KPIs and tell the owners when one breaks its target or its usual range",
  howItWorks:
    '*How KPI alerts work*\n1. Samples arrive through the admin API or an integration.\n2. Each is judged against its target and its recent baseline.\n3. A breach opens one alert for the owners; it resolves itself when the KPI recovers. `/tandem kpis` shows the status.',
};

export interface KpiStatus {
  kpi: Kpi;
  /** The latest judged samples, oldest first. */
  recent: TailSample[];
  openAlerts: Alert[];
}

const ragLine = (s: KpiStatus): string => {
  const last = s.recent.filter((x) => !x.dataError).at(-1);
  if (!last) return '⚪ no data yet';
  const rag = ragOf(versionAt(s.kpi, last.at), last.value);
  return `${RAG_EMOJI[rag]} ${withUnit(last.value, s.kpi.unit)}`;
};

/** `/tandem kpi KEY`: status, target, thresholds, trend and open alerts. */
export function kpiView(s: KpiStatus): View {
  const { kpi } = s;
  const values = s.recent.filter((x) => !x.dataError).map((x) => x.value);
  const blocks = [
    v.header(`${kpi.name} (${kpi.key})`),
    v.fields([
      { label: 'Now', value: ragLine(s) },
      { label: 'Target', value: `${withUnit(kpi.target, kpi.unit)}${kpi.stretch !== null ? ` (stretch ${withUnit(kpi.stretch, kpi.unit)})` : ''}` },
      { label: 'Amber / red beyond', value: `${withUnit(kpi.thresholds.amber, kpi.unit)} / ${withUnit(kpi.thresholds.red, kpi.unit)}` },
      { label: 'Direction', value: kpi.direction === 'higher_is_better' ? 'higher is better' : 'lower is better' },
      { label: 'Expected every', value: kpi.cadence },
      { label: 'Perspective', value: kpi.perspective },
    ]),
    v.section(values.length ? `*Trend* ${sparkline(values)}  (${values.slice(-10).join(', ')})` : '*Trend* no data yet'),
  ];
  if (s.openAlerts.length) blocks.push(v.section(`*Open alerts*\n${s.openAlerts.map((a) => `• ${a.title} (${a.severity}, ${a.count}×, ${a.status})`).join('\n')}`));
  else blocks.push(v.context('No open alerts.'));
  return v.view(`${kpi.name}: ${ragLine(s)}`, ...blocks);
}

/** `/tandem kpis`: the person's teams' KPIs with their RAG. */
export function kpiListView(items: KpiStatus[]): View {
  if (items.length === 0) return v.view('No KPIs', v.section('Your teams have no KPIs yet. An admin defines them through the admin API (`POST /api/v1/kpis`).'));
  const lines = items.map((s) => `• *${s.kpi.name}* \`${s.kpi.key}\` ${ragLine(s)} (target ${withUnit(s.kpi.target, s.kpi.unit)})${s.openAlerts.length ? ` · ${s.openAlerts.length} open alert${s.openAlerts.length > 1 ? 's' : ''}` : ''}`);
  return v.view(`${items.length} KPIs`, v.header('Your KPIs'), v.section(lines.join('\n')), v.context('`/tandem kpi KEY` shows one in detail.'));
}
