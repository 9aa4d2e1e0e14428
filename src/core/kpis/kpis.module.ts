import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { AlertFilter, AlertStatus } from '../alerts/alerts.types.js';
import type { AlertmanagerPayload, eventsPayloadSchema, Integration, IntegrationRepository } from '../alerts/intakes.js';
import { hashIntegrationKey, ingestAlertmanager, ingestEvent, INTEGRATION_KEY_PREFIX } from '../alerts/intakes.js';
import { acknowledgeAlert, changeAlertStatus, resolveAlert } from '../alerts/lifecycle.js';
import { createSilence, silenceInputSchema } from '../alerts/silences.js';
import type { Interactions } from '../chat/interactions.js';
import { DomainError } from '../errors.js';
import type { TandemCommand } from '../help/help.service.js';
import type { PagesFirst } from '../pages-first.js';
import type { PageQuery } from '../ports.js';
import { registerKpiChat } from './chat.js';
import { markDataError } from './data-error.js';
import { changeKpi, createKpi, getKpi } from './define.js';
import type { KpiDeps } from './deps.js';
import { detectPending } from './detection.js';
import { listSamples, recordSamples } from './samples.js';
import { checkStale } from './stale.js';
import { SampleLane } from './lane.js';
import { detectFromJob, kpiSweeper } from './sweep.js';

/** Work a page waits on, counted while it runs when the process has the signal (see PagesFirst); else just run. */
const urgentIn = (pagesFirst: Pick<PagesFirst, 'during'> | undefined) => <T>(work: () => Promise<T>): Promise<T> => (pagesFirst ? pagesFirst.during(work) : work());

/**
 * KPIs: definitions and versions, samples, detection and the stale check, with their chat commands.
 * `inlineDetection`: a request's samples are judged in its own process once stored (see recordSamples).
 * `pagesFirst`: samples being recorded and judged count as work a page waits on (a breach among them raises its
 * alert and starts its first step in that same run), so bulk work yields to them. Sample requests go through one
 * lane (SampleLane): a few at once, those with a value off target straight in.
 */
export function createKpis(d: KpiDeps, chat: { interactions: Interactions; tandem: TandemCommand }, inlineDetection = false, pagesFirst?: Pick<PagesFirst, 'during'>) {
  registerKpiChat(d, chat.interactions, chat.tandem);
  const urgent = urgentIn(pagesFirst);
  const lane = new SampleLane();
  return {
    create: (body: unknown, actor: string) => createKpi(d, body, actor),
    change: (key: string, body: unknown, actor: string) => changeKpi(d, key, body, actor),
    get: (key: string) => getKpi(d, key),
    list: (filter: { ownerTeamIds?: string[] } = {}) => d.kpis.list(filter),
    versions: async (key: string) => (await getKpi(d, key)).versions,
    /** `action`: the submission is audited under it (see recordSamples). */
    recordSamples: (key: string, body: unknown, actor: string, action?: string) => urgent(() => recordSamples(d, key, body, actor, { inline: inlineDetection, lane, ...(action ? { action } : {}) })),
    samples: (key: string, range: { from?: Date | undefined; to?: Date | undefined; limit: number }) => listSamples(d, key, range),
    markDataError: (key: string, at: Date, actor: string, dataError = true) => markDataError(d, key, at, actor, { dataError }),
    detect: (key: string) => urgent(() => detectPending(d, key)),
    /** The `kpi.detect` job: `detect`, coming back when the lease runs out if another holder has it while samples wait. */
    detectQueued: (key: string) => urgent(() => detectFromJob(d, key)),
    checkStale: () => checkStale(d),
    /** Queues again the detection of samples left unjudged (sweep.ts). */
    sweep: kpiSweeper(d),
  };
}

/** Alerts: queries, the status changes (for on-call), silences and the intakes (work a page waits on: see createKpis). */
export function createAlerts(d: KpiDeps, integrations: IntegrationRepository, pagesFirst?: Pick<PagesFirst, 'during'>) {
  const urgent = urgentIn(pagesFirst);
  const integrationFor = async (key: string): Promise<Integration> => {
    const integration = key.startsWith(INTEGRATION_KEY_PREFIX) ? await integrations.byHash(hashIntegrationKey(key)) : null;
    if (!integration || integration.revokedAt) throw new DomainError('unauthenticated', 'Unknown or revoked integration key');
    return integration;
  };
  return {
    get: async (id: string) => {
      const alert = await d.alerts.get(id);
      if (!alert) throw new DomainError('not_found', `No alert ${id}`, { id });
      return alert;
    },
    list: (filter: AlertFilter & PageQuery) => d.alerts.list(filter),
    /** The atomic status change on-call builds on: the first acknowledgement wins. */
    changeStatus: (id: string, to: Exclude<AlertStatus, 'open'>, by: { actor: string; text?: string; data?: Record<string, unknown> }) => changeAlertStatus(d, id, to, by),
    acknowledge: (id: string, actor: string) => acknowledgeAlert(d, id, actor),
    resolve: (id: string, actor: string, text?: string) => resolveAlert(d, id, actor, text),
    annotate: async (id: string, actor: string, text: string) => {
      const alert = await d.alerts.note(id, { at: d.clock.now(), kind: 'annotated', actor, text });
      if (!alert) throw new DomainError('not_found', `No alert ${id}`, { id });
      await d.notifier.changed(alert).catch(() => undefined);
      return alert;
    },
    silences: {
      create: (body: unknown, actor: string) => createSilence(d, silenceInputSchema.parse(body), actor),
      list: () => d.alerts.listSilences(),
      remove: async (id: string) => {
        const s = await d.alerts.removeSilence(id);
        if (!s) throw new DomainError('not_found', `No silence ${id}`, { id });
        return s;
      },
    },
    integrations: {
      /** A new integration key (shown once; only its hash is kept), mapped to a team. */
      create: async (input: Pick<Integration, 'name' | 'teamId' | 'defaultSeverity'>) => {
        if (!(await d.teams.get(input.teamId))) throw new DomainError('validation', `No team ${input.teamId}`, { teamId: input.teamId });
        const key = INTEGRATION_KEY_PREFIX + randomUUID().replaceAll('-', '');
        const integration = await integrations.create({ ...input, hash: hashIntegrationKey(key), createdAt: d.clock.now() });
        return { ...integration, key };
      },
      list: () => integrations.list(),
      revoke: async (id: string) => {
        const i = await integrations.revoke(id, d.clock.now());
        if (!i) throw new DomainError('not_found', `No live integration ${id}`, { id });
        return i;
      },
    },
    alertmanager: (key: string, payload: AlertmanagerPayload) => urgent(async () => ingestAlertmanager(d, await integrationFor(key), payload)),
    event: (key: string, payload: z.output<typeof eventsPayloadSchema>) => urgent(async () => ingestEvent(d, await integrationFor(key), payload, () => randomUUID())),
  };
}

export type Kpis = ReturnType<typeof createKpis>;
export type Alerts = ReturnType<typeof createAlerts>;
