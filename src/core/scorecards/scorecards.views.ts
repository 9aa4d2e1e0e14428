import { DateTime } from 'luxon';
import type { Block, Button, View } from '../chat/views.js';
import { mention, v } from '../chat/views.js';
import { PERSPECTIVES, type KpiRow, type Perspective, type PeriodKind, type Rag, type Scorecard } from './scorecards.types.js';

export const SCORECARD = { team: 'scorecard.team', period: 'scorecard.period', page: 'scorecard.page' } as const;
/** Drill-down buttons per message; more teams are paged. */
export const TEAMS_PER_PAGE = 10;
const LINE_MAX = 160;
const COMMENT_MAX = 70;
const SHOWN_BLOCKERS = 5;
const SHOWN_ACTIONS = 5;

const PERSPECTIVE_LABEL: Record<Perspective, string> = {
  financial: '💰 Financial / results',
  customer: '🤝 Customer / stakeholder',
  process: '⚙️ Process / operational',
  learning: '🌱 Learning / development',
};
const RAG_EMOJI: Record<Rag, string> = { red: '🔴', amber: '🟠', green: '🟢' };
const TREND: Record<NonNullable<KpiRow['trend']>, string> = { up: '↗', down: '↘', flat: '→' };
export const NOT_SET_UP = 'not set up';

/** What a drill-down button carries: `<teamId or "all">|<period>|<page>`. */
export const buttonValue = (teamId: string | null, period: PeriodKind, page = 0): string => `${teamId ?? 'all'}|${period}|${page}`;

const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const num = (n: number): string => (Number.isInteger(n) ? n.toLocaleString('en-GB') : n.toLocaleString('en-GB', { maximumFractionDigits: 1 }));
export const pct = (r: number | null): string => (r === null ? '—' : `${Math.round(r * 100)}%`);
const signed = (n: number): string => `${n > 0 ? '+' : n < 0 ? '−' : '±'}${num(Math.abs(n))}`;
const duration = (ms: number | null): string => (ms === null ? '—' : ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`);

/** A change in participation as an arrow and points, e.g. "↗ +5 pts". */
export function rateTrend(now: number | null, before: number | null): string {
  if (now === null || before === null) return '';
  const pts = Math.round((now - before) * 100);
  return pts > 0 ? ` ↗ +${pts} pts` : pts < 0 ? ` ↘ −${-pts} pts` : ' → ±0 pts';
}

export function kpiLine(k: KpiRow): string {
  const status = k.status ? RAG_EMOJI[k.status] : '⚪';
  const unit = k.unit ? ` ${k.unit}` : '';
  const actual = k.actual === null ? 'no data' : `${num(k.actual)}${unit}`;
  const target = k.target === null ? '' : ` vs ${num(k.target)}${unit}`;
  const variance = k.variance === null ? '' : ` (${signed(k.variance)})`;
  const trend = k.trend ? ` ${TREND[k.trend]}` : '';
  const alerts = k.openAlerts ? ` · 🔔 ${k.openAlerts}` : '';
  const comment = k.latestComment ? ` · “${cut(k.latestComment.text, COMMENT_MAX)}”` : '';
  return cut(`${status} *${k.name}* ${actual}${target}${variance}${trend}${alerts}${comment}`, LINE_MAX);
}

function kpiBlocks(s: Scorecard): Block[] {
  if (!s.kpis.setUp) return [v.section(`*KPIs*: ${NOT_SET_UP}`)];
  if (!s.kpis.rows.length) return [v.section('*KPIs*: none defined for this scope yet')];
  return PERSPECTIVES.flatMap((p) => {
    const rows = s.kpis.rows.filter((r) => r.perspective === p);
    return rows.length ? [v.section(`*${PERSPECTIVE_LABEL[p]}*\n${rows.map(kpiLine).join('\n')}`)] : [];
  });
}

function rhythmBlocks(s: Scorecard, timeZone: string): Block[] {
  const r = s.rhythm;
  if (!r) return [];
  const p = r.participation;
  const pulse = !r.pulse.setUp
    ? NOT_SET_UP
    : !r.pulse.stats
      ? 'no round closed yet'
      : r.pulse.stats.suppressed
        ? 'too few answers to show (anonymity)'
        : `eNPS ${r.pulse.stats.enps ?? '—'} · ${pct(r.pulse.stats.responseRate)} answered`;
  const a = r.alerts.stats;
  const alerts = !r.alerts.setUp ? NOT_SET_UP : `${a.count} · ack ${duration(a.medianAckMs)} · resolve ${duration(a.medianResolveMs)} (medians) · ${a.afterHoursPages} after-hours pages`;
  const blocks: Block[] = [
    v.fields([
      { label: '✅ Check-in participation', value: `${pct(p.rate)}${rateTrend(p.rate, p.previousRate)}` },
      { label: '🙂 Average mood', value: r.mood.average === null ? '—' : `${r.mood.average.toFixed(1)} / 5 (${r.mood.answers} answers)` },
      { label: '👏 Kudos given', value: String(r.kudos.given) },
      { label: '🌟 Recognised (last 4 weeks)', value: `${pct(r.kudos.recognisedShare)} of ${r.kudos.people} people` },
      { label: '📣 Pulse', value: pulse },
      { label: '🚨 Alerts', value: alerts },
    ]),
  ];
  const b = r.openBlockers;
  if (b.total) {
    const since = (d: Date) => DateTime.fromJSDate(d, { zone: timeZone }).toFormat('d LLL');
    const lines = b.oldest.slice(0, SHOWN_BLOCKERS).map((x) => cut(`• ${mention(x.personId)} since ${since(x.since)}: ${x.text}`, LINE_MAX));
    const more = b.total > lines.length ? `\n…and ${b.total - lines.length} more` : '';
    blocks.push(v.section(`*🧱 Open blockers (${b.total}), oldest first*\n${lines.join('\n')}${more}`));
  } else blocks.push(v.section('*🧱 Open blockers*: none'));
  return blocks;
}

function actionBlocks(s: Scorecard): Block[] {
  if (!s.rhythm) return [];
  if (!s.actions.length) return [v.context('📝 No open corrective actions. Add one with `/tandem action add "…" on KPI-KEY owner @someone due YYYY-MM-DD`.')];
  const lines = s.actions.slice(0, SHOWN_ACTIONS).map((a) => cut(`${a.overdue ? '⏰ *overdue*' : '•'} [${a.kpiKey}] ${a.text} · ${mention(a.ownerId)} · due ${a.due}`, LINE_MAX));
  const more = s.actions.length > lines.length ? `\n…and ${s.actions.length - lines.length} more` : '';
  return [v.section(`*📝 Corrective actions (${s.actions.length})*\n${lines.join('\n')}${more}`)];
}

function navigation(s: Scorecard, page: number): Block[] {
  const kind = s.period.kind;
  const here = s.scope.teamId;
  const blocks: Block[] = [];
  const teams = s.drillDown.slice(page * TEAMS_PER_PAGE, (page + 1) * TEAMS_PER_PAGE);
  if (teams.length) {
    const buttons: Button[] = teams.map((t) => v.button(SCORECARD.team, `${t.name} · ${pct(t.participation)}`, { value: buttonValue(t.teamId, kind) }));
    if ((page + 1) * TEAMS_PER_PAGE < s.drillDown.length) buttons.push(v.button(SCORECARD.page, 'More teams ›', { value: buttonValue(here, kind, page + 1) }));
    blocks.push(v.context(`Drill down (${s.drillDown.length} teams${s.drillDown.length > TEAMS_PER_PAGE ? `, page ${page + 1} of ${Math.ceil(s.drillDown.length / TEAMS_PER_PAGE)}` : ''}):`), v.actions(...buttons));
  }
  const periods = (['week', 'month', 'quarter'] as const).filter((k) => k !== kind).map((k) => v.button(SCORECARD.period, `By ${k}`, { value: buttonValue(here, k) }));
  if (s.scope.kind === 'team' && s.rhythm) periods.unshift(v.button(SCORECARD.team, '‹ Back to the top', { value: buttonValue(null, kind) }));
  blocks.push(v.actions(...periods));
  return blocks;
}

/** The scorecard as one message: its picture (when drawn), KPIs by perspective, the rhythm, corrective actions, drill-down. */
export function scorecardView(s: Scorecard, timeZone: string, page = 0, imageUrl: string | null = null): View {
  const range = `${DateTime.fromJSDate(s.period.from, { zone: timeZone }).toFormat('d LLL')} – ${DateTime.fromJSDate(s.period.to, { zone: timeZone }).minus({ days: 1 }).toFormat('d LLL yyyy')}`;
  const title = `📊 Scorecard · ${s.scope.name} · ${s.period.label}`;
  return v.view(
    `${title}: ${fallbackLine(s)}`,
    v.header(title),
    v.context(`${range} (${timeZone})${s.rhythm ? '' : ' · your team’s KPIs'}`),
    ...(imageUrl ? [v.image(imageUrl, `Chart: ${fallbackLine(s)}`)] : []),
    ...kpiBlocks(s),
    v.divider(),
    ...rhythmBlocks(s, timeZone),
    ...actionBlocks(s),
    ...navigation(s, page),
  );
}

/** The notification / fallback line: RAG counts and participation. */
export function fallbackLine(s: Scorecard): string {
  const count = (rag: Rag) => s.kpis.rows.filter((r) => r.status === rag).length;
  const kpis = s.kpis.setUp ? `KPIs ${count('green')} 🟢 ${count('amber')} 🟠 ${count('red')} 🔴` : `KPIs ${NOT_SET_UP}`;
  return s.rhythm ? `${kpis}, check-ins ${pct(s.rhythm.participation.rate)}` : kpis;
}
