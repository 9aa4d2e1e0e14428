import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DomainError } from '../errors.js';
import type { AlertSeverity } from './alerts.types.js';
import type { AlertDeps } from './lifecycle.js';
import { changeAlertStatus } from './lifecycle.js';
import { raiseAlert } from './raise.js';

/** An integration key: what an external sender (Alertmanager, a PagerDuty-style tool) presents; it maps to a team. */
export interface Integration {
  id: string;
  name: string;
  teamId: string;
  /** Severity of an event that names none Tandem knows. */
  defaultSeverity: AlertSeverity;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface IntegrationRepository {
  /** Stores only the hash of the key; throws DomainError('conflict') when the name is taken. */
  create(input: Omit<Integration, 'id' | 'revokedAt'> & { hash: string }): Promise<Integration>;
  byHash(hash: string): Promise<Integration | null>;
  list(): Promise<Integration[]>;
  revoke(id: string, at: Date): Promise<Integration | null>;
}

export const INTEGRATION_KEY_PREFIX = 'tik_';
export const hashIntegrationKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** Prometheus Alertmanager's webhook payload, version 4 (only what Tandem reads). */
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4', { message: 'expected Alertmanager webhook payload version "4"' }),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  externalURL: z.string().optional(),
  commonLabels: z.record(z.string(), z.string()).default({}),
  alerts: z
    .array(
      z.object({
        status: z.enum(['firing', 'resolved']),
        labels: z.record(z.string(), z.string()).default({}),
        annotations: z.record(z.string(), z.string()).default({}),
        startsAt: z.string().optional(),
        endsAt: z.string().optional(),
        generatorURL: z.string().optional(),
        fingerprint: z.string().min(1),
      }),
    )
    .max(1000),
});

export type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;

const isString = (v: unknown): v is string => typeof v === 'string';
const optional = (v: unknown) => v === undefined || isString(v);
const isStatus = (v: unknown): v is 'firing' | 'resolved' => v === 'firing' || v === 'resolved';
/** A record of strings (undefined: the schema's default, empty), or null when it is not one. */
function labelsOf(v: unknown): Record<string, string> | null {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  for (const x of Object.values(v)) if (!isString(x)) return null;
  return { ...(v as Record<string, string>) };
}

/**
 * The payload as `alertmanagerPayloadSchema` parses it, checked by hand (every request of the intake's hot path
 * pays for it; zod costs several times more), or null when it is not one: the schema then says why.
 */
export function readAlertmanagerPayload(body: unknown): AlertmanagerPayload | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  const commonLabels = labelsOf(b.commonLabels);
  if (b.version !== '4' || !isStatus(b.status) || !optional(b.receiver) || !optional(b.externalURL) || !commonLabels || !Array.isArray(b.alerts) || b.alerts.length > 1000) return null;
  const alerts: AlertmanagerPayload['alerts'] = [];
  for (const item of b.alerts as unknown[]) {
    if (typeof item !== 'object' || item === null) return null;
    const a = item as Record<string, unknown>;
    const labels = labelsOf(a.labels);
    const annotations = labelsOf(a.annotations);
    if (!isStatus(a.status) || !labels || !annotations || !isString(a.fingerprint) || a.fingerprint.length === 0) return null;
    if (!optional(a.startsAt) || !optional(a.endsAt) || !optional(a.generatorURL)) return null;
    const { startsAt, endsAt, generatorURL } = a as { startsAt?: string; endsAt?: string; generatorURL?: string };
    alerts.push({ status: a.status, labels, annotations, fingerprint: a.fingerprint, ...(startsAt === undefined ? {} : { startsAt }), ...(endsAt === undefined ? {} : { endsAt }), ...(generatorURL === undefined ? {} : { generatorURL }) });
  }
  const { receiver, externalURL } = b as { receiver?: string; externalURL?: string };
  return { version: '4', status: b.status, commonLabels, alerts, ...(receiver === undefined ? {} : { receiver }), ...(externalURL === undefined ? {} : { externalURL }) };
}

/** PagerDuty Events API v2 (the fields Tandem reads). */
export const eventsPayloadSchema = z.object({
  routing_key: z.string().min(1),
  event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
  dedup_key: z.string().min(1).max(255).optional(),
  payload: z
    .object({
      summary: z.string().min(1).max(1024),
      source: z.string().min(1).max(255),
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      timestamp: z.string().optional(),
      component: z.string().optional(),
      group: z.string().optional(),
      class: z.string().optional(),
      custom_details: z.unknown().optional(),
    })
    .optional(),
  client: z.string().optional(),
  client_url: z.string().optional(),
});

const AM_SEVERITY: Record<string, AlertSeverity> = { critical: 'critical', page: 'critical', error: 'critical', warning: 'warning', warn: 'warning', info: 'info', none: 'info' };
const EVENTS_SEVERITY: Record<string, AlertSeverity> = { critical: 'critical', error: 'critical', warning: 'warning', info: 'info' };

/** Firing alerts raise or update one Tandem alert per fingerprint; resolved ones resolve it. */
export async function ingestAlertmanager(d: AlertDeps, integration: Integration, payload: AlertmanagerPayload): Promise<{ raised: number; updated: number; resolved: number }> {
  const counts = { raised: 0, updated: 0, resolved: 0 };
  const at = d.clock.now();
  const actor = `integration:${integration.name}`;
  for (const a of payload.alerts) {
    const key = `am:${integration.id}:${a.fingerprint}`;
    if (a.status === 'resolved') {
      const id = await d.alerts.openId(key);
      if (id && (await changeAlertStatus(d, id, 'resolved', { actor, text: 'Resolved in Alertmanager' })).changed) counts.resolved += 1;
      continue;
    }
    const labels = { ...payload.commonLabels, ...a.labels };
    const name = labels.alertname ?? 'Alert';
    const summary = a.annotations.summary ?? name;
    const details = [a.annotations.description, Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', '), a.generatorURL ? `Source: ${a.generatorURL}` : undefined];
    const outcome = await raiseAlert(
      d,
      {
        key,
        severity: AM_SEVERITY[(labels.severity ?? '').toLowerCase()] ?? integration.defaultSeverity,
        teamId: integration.teamId,
        source: 'alertmanager',
        title: `${name}: ${summary}`.slice(0, 200),
        explanation: [`Prometheus Alertmanager reports ${name} firing${a.startsAt ? ` since ${a.startsAt}` : ''}: ${summary}.`, ...details.filter(Boolean)].join('\n'),
        lastValue: null,
        worstValue: null,
      },
      { at, actor },
    );
    counts[outcome.opened ? 'raised' : 'updated'] += 1;
  }
  return counts;
}

/** A PagerDuty Events v2 event: trigger raises or updates, acknowledge and resolve change the alert of its dedup key. */
export async function ingestEvent(d: AlertDeps, integration: Integration, event: z.output<typeof eventsPayloadSchema>, newDedupKey: () => string): Promise<{ dedupKey: string; outcome: string }> {
  const actor = `integration:${integration.name}`;
  if (event.event_action === 'trigger') {
    if (!event.payload) throw new DomainError('validation', 'payload is required for a trigger event (summary, source, severity)');
    const dedupKey = event.dedup_key ?? newDedupKey();
    const p = event.payload;
    const details = p.custom_details === undefined ? undefined : `Details: ${JSON.stringify(p.custom_details).slice(0, 1000)}`;
    const outcome = await raiseAlert(
      d,
      {
        key: `events:${integration.id}:${dedupKey}`,
        severity: EVENTS_SEVERITY[p.severity] ?? integration.defaultSeverity,
        teamId: integration.teamId,
        source: 'events',
        title: p.summary.slice(0, 200),
        explanation: [`${p.source} reports: ${p.summary} (severity ${p.severity}).`, p.component ? `Component: ${p.component}` : undefined, p.group ? `Group: ${p.group}` : undefined, details, event.client_url ? `See ${event.client_url}` : undefined]
          .filter(Boolean)
          .join('\n'),
        lastValue: null,
        worstValue: null,
      },
      { at: d.clock.now(), actor },
    );
    return { dedupKey, outcome: outcome.opened ? 'raised' : 'updated' };
  }
  if (!event.dedup_key) throw new DomainError('validation', `dedup_key is required for an ${event.event_action} event`);
  const id = await d.alerts.openId(`events:${integration.id}:${event.dedup_key}`);
  if (!id) return { dedupKey: event.dedup_key, outcome: 'no open alert' };
  const to = event.event_action === 'acknowledge' ? 'acknowledged' : 'resolved';
  const result = await changeAlertStatus(d, id, to, { actor, text: `${to === 'acknowledged' ? 'Acknowledged' : 'Resolved'} by ${integration.name}` });
  return { dedupKey: event.dedup_key, outcome: result.changed ? to : 'unchanged' };
}
