import type { Form, View } from '../chat/views.js';
import { mention, v } from '../chat/views.js';
import type { Alert, AlertSeverity, AlertStatus } from './alerts.types.js';

export const ALERT_ACTIONS = { annotate: 'alert.annotate', dataError: 'alert.data_error' } as const;
/** On-call's buttons; a snooze's value is `<alert id>|<SNOOZES key>`. */
export const RESPOND_ACTIONS = { ack: 'escalation.ack', resolve: 'escalation.resolve', snooze: 'escalation.snooze', now: 'escalation.now' } as const;
export const SNOOZES = { '30m': 'Snooze 30 min', '2h': 'Snooze 2 h', tomorrow: 'Snooze until tomorrow 09:00' } as const;
export type SnoozeLength = keyof typeof SNOOZES;
export const ANNOTATE_FORM = 'alert.annotate';
export const NOTE_INPUT = 'note';

const SEVERITY_EMOJI: Record<AlertSeverity, string> = { critical: '🔴', warning: '🟠', exception: '⚠️', shift: '📈', stale: '⏳', info: 'ℹ️' };
const STATUS_TEXT: Record<AlertStatus, string> = { open: 'Open', acknowledged: 'Acknowledged', resolved: '✅ Resolved' };

const when = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const who = (actor: string | undefined) => (actor && /^[a-f0-9]{24}$/.test(actor) ? mention(actor) : (actor ?? 'tandem'));

/**
 * An alert as people get it in chat: what happened in plain language, its
 * status, how often it fired, and the owner's buttons (annotate, and for a
 * KPI value "Mark as data error").
 */
export function alertView(alert: Alert): View {
  const status =
    STATUS_TEXT[alert.status] +
    (alert.flapping ? ' · flapping (held open)' : '') +
    (alert.silencedUntil ? ` · silenced until ${when(alert.silencedUntil)}` : '') +
    (alert.snoozedUntil ? ` · snoozed until ${when(alert.snoozedUntil)}` : '');
  const fields = [
    { label: 'Status', value: status },
    { label: 'Severity', value: alert.severity },
    { label: 'Count', value: String(alert.count) },
  ];
  if (alert.lastValue !== null) fields.push({ label: 'Last / worst', value: `${alert.lastValue} / ${alert.worstValue ?? alert.lastValue}` });
  if (alert.acknowledgedBy) fields.push({ label: 'Acknowledged by', value: `${who(alert.acknowledgedBy)}${alert.acknowledgedAt ? ` at ${when(alert.acknowledgedAt)}` : ''}` });
  const resolved = alert.timeline.findLast((t) => t.kind === 'resolved');
  if (alert.status === 'resolved' && resolved) fields.push({ label: 'Resolved by', value: `${who(resolved.actor)} at ${when(resolved.at)}` });
  fields.push(...escalationFields(alert));
  const notes = alert.timeline.filter((t) => t.kind === 'annotated' || t.kind === 'data_error').slice(-3);
  const blocks = [v.header(`${SEVERITY_EMOJI[alert.severity]} ${alert.title}`), v.section(alert.explanation), v.fields(fields)];
  for (const n of notes) blocks.push(v.context(`📝 ${who(n.actor)}: ${n.text}`));
  if (alert.status !== 'resolved') {
    const buttons = [];
    if (alert.status === 'open') buttons.push(v.button(RESPOND_ACTIONS.ack, 'Acknowledge', { value: alert.id, style: 'primary' }));
    buttons.push(v.button(RESPOND_ACTIONS.resolve, 'Resolve', { value: alert.id }));
    for (const [length, label] of Object.entries(SNOOZES)) buttons.push(v.button(RESPOND_ACTIONS.snooze, label, { value: `${alert.id}|${length}` }));
    if (alert.status === 'open' && alert.escalation) buttons.push(v.button(RESPOND_ACTIONS.now, 'Escalate now', { value: alert.id }));
    buttons.push(v.button(ALERT_ACTIONS.annotate, 'Annotate', { value: alert.id }));
    if (alert.source === 'kpi' && alert.lastAt && alert.rule !== 'stale') {
      buttons.push(
        v.button(ALERT_ACTIONS.dataError, 'Mark as data error', {
          value: alert.id,
          style: 'danger',
          confirm: { title: 'Mark as data error?', text: 'The value is left out of baselines and alerts from now on. This is audited.', confirm: 'Mark it', deny: 'Cancel' },
        }),
      );
    }
    blocks.push(v.actions(...buttons));
  }
  blocks.push(v.context(`${alert.source}${alert.kpiKey ? ` · KPI ${alert.kpiKey}` : ''}${alert.rule ? ` · rule ${alert.rule}` : ''} · since ${when(alert.createdAt)} · alert ${alert.id}`));
  return v.view(`${SEVERITY_EMOJI[alert.severity]} ${alert.title}`, ...blocks);
}

/** Who is on call for the alert and where its escalation stands ("step 2 of 3, round 1 of 2"). */
function escalationFields(alert: Alert): { label: string; value: string }[] {
  const e = alert.escalation;
  if (!e) return [];
  const onCall = [...new Set(Object.values(e.onCall).filter((p): p is string => p !== null))];
  const fields = [{ label: 'On call', value: onCall.length ? onCall.map(mention).join(', ') : 'nobody (a gap in the rotation)' }];
  const c = alert.cursor;
  if (c) fields.push({ label: 'Escalation', value: `step ${c.step + 1} of ${e.steps.length}${e.repeat ? `, round ${c.repeat + 1} of ${e.repeat + 1}` : ''} (${e.policyName})` });
  return fields;
}

export function annotateForm(alert: Alert): Form {
  return {
    id: ANNOTATE_FORM,
    title: 'Annotate alert',
    submitLabel: 'Save',
    metadata: alert.id,
    blocks: [v.section(`*${alert.title}*`), { type: 'input', id: NOTE_INPUT, label: 'What do we know?', kind: 'textarea', maxLength: 1000, placeholder: 'e.g. Payment provider outage 14:00–14:40, fixed' }],
  };
}

export const messageKey = (alertId: string): string => `alert:${alertId}`;
