import { DateTime, Duration } from 'luxon';
import type { Alert } from '../alerts/alerts.types.js';
import { ALERT_ACTIONS, alertView, ANNOTATE_FORM, annotateForm, NOTE_INPUT } from '../alerts/alerts.views.js';
import { createSilence } from '../alerts/silences.js';
import { reply, type Reply } from '../chat/chat.port.js';
import type { InteractionContext, Interactions } from '../chat/interactions.js';
import { v } from '../chat/views.js';
import { DomainError } from '../errors.js';
import type { TandemCommand } from '../help/help.service.js';
import type { KpiDeps } from './deps.js';
import { isOwner, markDataError } from './data-error.js';
import { alertKey, KPI_RULES } from './detection.js';
import { tailSize } from './tail.js';
import type { Kpi } from './kpis.types.js';
import { kpiListView, kpiView, type KpiStatus } from './kpis.views.js';

const TREND = 12;

export async function statusOf(d: KpiDeps, kpi: Kpi): Promise<KpiStatus> {
  // The tail's latest judged samples: one `_id` read (a range of samples would scan on FerretDB).
  const recent = (await d.kpis.tail(kpi.key, tailSize(kpi))).recent.slice(-TREND);
  const openAlerts: Alert[] = [];
  for (const rule of KPI_RULES) {
    const id = await d.alerts.openId(alertKey(kpi.key, rule));
    const alert = id ? await d.alerts.get(id) : null;
    if (alert) openAlerts.push(alert);
  }
  return { kpi, recent, openAlerts };
}

const text = (s: string) => reply.private(v.view(s, v.section(s)));

/**
 * Chat: `/tandem kpi KEY`, `/tandem kpis`, `/tandem silence …`, and the alert
 * buttons (annotate, mark as data error), for owners only.
 */
export function registerKpiChat(d: KpiDeps, interactions: Interactions, tandem: TandemCommand): void {
  tandem.sub('kpis', "lists your teams' KPIs with their status", async (ctx) => {
    const teams = [...(await d.teams.teamsOf(ctx.actor.id)), ...(await d.teams.managedBy(ctx.actor.id))];
    const kpis = await d.kpis.list({ ownerTeamIds: [...new Set(teams.map((t) => t.id))] });
    return reply.private(kpiListView(await Promise.all(kpis.map((k) => statusOf(d, k)))));
  });
  tandem.sub('kpi', 'shows a KPI: `kpi KEY` (status, target, trend, open alerts)', async (_ctx, args) => {
    const key = args.trim().toLowerCase();
    if (!key) return text('Which KPI? Try `/tandem kpi KEY`, or `/tandem kpis` for the list.');
    const kpi = await d.kpis.get(key);
    if (!kpi) return text(`I know no KPI \`${key}\`. \`/tandem kpis\` lists your teams' KPIs.`);
    return reply.private(kpiView(await statusOf(d, kpi)));
  });
  tandem.sub('silence', 'silences alerts: `silence KEY 2h reason` or `silence team 4h reason` (owners)', (ctx, args) => silence(d, ctx, args));
  interactions.action('alert', (ctx, actionId, value) => action(d, ctx, actionId, value));
  interactions.form(ANNOTATE_FORM, async (ctx, values, metadata) => {
    const note = typeof values[NOTE_INPUT] === 'string' ? values[NOTE_INPUT].trim() : '';
    if (!note) return reply.formErrors({ [NOTE_INPUT]: 'Write a note, or close the form.' });
    const alert = await ownedAlert(d, ctx, metadata ?? '');
    const noted = await d.alerts.note(alert.id, { at: d.clock.now(), kind: 'annotated', actor: ctx.actor.id, text: note.slice(0, 1000) });
    if (noted) await d.notifier.changed(noted).catch(() => undefined);
    return reply.none();
  });
}

async function ownedAlert(d: KpiDeps, ctx: InteractionContext, id: string): Promise<Alert> {
  const alert = await d.alerts.get(id);
  if (!alert) throw new DomainError('not_found', 'That alert no longer exists.');
  const kpi = alert.kpiKey ? await d.kpis.get(alert.kpiKey) : null;
  if (!(await isOwner(d, ctx.actor, alert.teamId, kpi?.ownerRole))) throw new DomainError('forbidden', 'Only the owners of this alert can do that.');
  return alert;
}

async function action(d: KpiDeps, ctx: InteractionContext, actionId: string, value: string | undefined): Promise<Reply> {
  const alert = await ownedAlert(d, ctx, value ?? '');
  if (actionId === ALERT_ACTIONS.annotate) return reply.form(annotateForm(alert));
  if (actionId === ALERT_ACTIONS.dataError && alert.kpiKey && alert.lastAt) {
    await markDataError(d, alert.kpiKey, alert.lastAt, ctx.actor.id, { alertId: alert.id });
    const after = await d.alerts.get(alert.id);
    return after ? reply.update(alertView(after)) : reply.none();
  }
  return text('That button no longer works.');
}

async function silence(d: KpiDeps, ctx: InteractionContext, args: string): Promise<Reply> {
  const [target = '', length = '', ...rest] = args.split(/\s+/).filter(Boolean);
  const usage = 'Usage: `/tandem silence KPI-KEY 2h reason` or `/tandem silence team 4h reason` (durations like 30m, 2h, 1d).';
  const m = /^(\d+)([mhd])$/i.exec(length);
  const reason = rest.join(' ');
  if (!target || !m || reason.length < 3) return text(usage);
  const unit = { m: 'minutes', h: 'hours', d: 'days' }[(m[2] ?? 'h').toLowerCase()] ?? 'hours';
  const until = DateTime.fromJSDate(d.clock.now()).plus(Duration.fromObject({ [unit]: Number(m[1]) })).toJSDate();
  if (target.toLowerCase() === 'team') {
    const teams = await d.teams.managedBy(ctx.actor.id);
    const team = teams[0];
    if (!team) return text('Only a team manager can silence a team.');
    const s = await createSilence(d, { teamId: team.id, until, reason }, ctx.actor.id);
    return text(`🔕 Alerts of ${team.name} are silenced until ${s.until.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${reason}. They are still recorded.`);
  }
  const kpi = await d.kpis.get(target.toLowerCase());
  if (!kpi) return text(`I know no KPI \`${target}\`. ${usage}`);
  if (!(await isOwner(d, ctx.actor, kpi.ownerTeamId, kpi.ownerRole))) return text('Only the owners of this KPI can silence it.');
  const s = await createSilence(d, { kpiKey: kpi.key, until, reason }, ctx.actor.id);
  return text(`🔕 ${kpi.name} is silenced until ${s.until.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${reason}. Alerts are still recorded.`);
}
