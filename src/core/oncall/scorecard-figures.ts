import type { Alert, AlertRepository } from '../alerts/alerts.types.js';
import type { PeopleRepository } from '../ports.js';
import type { AlertFigures, AlertStats, Period } from '../scorecards/scorecards.types.js';
import { afterHoursPages, percentile, type AlertRecord } from './figures.js';

const PAGE = 500;
/** At most this many alerts are read per scorecard (a year of a noisy organisation is far below). */
const MAX_PAGES = 40;

export interface AlertFiguresDeps {
  alerts: Pick<AlertRepository, 'list'>;
  people: Pick<PeopleRepository, 'getMany'>;
}

/**
 * The people an alert reached, from its timeline: the first notification
 * lists them (`data.people`), each escalation step names one (`personId`).
 */
export function pagesOf(alert: Alert): AlertRecord['pages'] {
  return alert.timeline
    .filter((e) => e.kind === 'notified')
    .flatMap((e) => {
      const step = (e as { personId?: unknown }).personId;
      const people = Array.isArray(e.data?.people) ? e.data.people : typeof step === 'string' ? [step] : [];
      return people.filter((p): p is string => typeof p === 'string').map((personId) => ({ personId, at: new Date(e.at) }));
    });
}

export const toRecord = (a: Alert): AlertRecord => ({ teamId: a.teamId, openedAt: a.createdAt, acknowledgedAt: a.acknowledgedAt ?? null, resolvedAt: a.resolvedAt ?? null, pages: pagesOf(a) });

/** Alerts opened in the period, the medians of time to acknowledge and resolve, and pages outside the recipient's working hours. */
export async function alertStats(records: readonly AlertRecord[], people: Pick<PeopleRepository, 'getMany'>): Promise<AlertStats> {
  const ack = records.flatMap((r) => (r.acknowledgedAt ? [r.acknowledgedAt.getTime() - r.openedAt.getTime()] : []));
  const resolve = records.flatMap((r) => (r.resolvedAt ? [r.resolvedAt.getTime() - r.openedAt.getTime()] : []));
  const paged = [...new Set(records.flatMap((r) => r.pages.map((p) => p.personId)))];
  const known = new Map((paged.length ? await people.getMany(paged) : []).map((p) => [p.id, p]));
  return {
    count: records.length,
    medianAckMs: percentile(ack, 50),
    medianResolveMs: percentile(resolve, 50),
    afterHoursPages: afterHoursPages(records, known).reduce((n, p) => n + p.afterHours, 0),
  };
}

/** The on-call side of the scorecard: alerts of the scope's teams opened in the period. */
export function oncallScorecardFigures(d: AlertFiguresDeps): AlertFigures {
  return {
    /** Set up once any alert was raised. */
    setUp: async () => (await d.alerts.list({ limit: 1 })).items.length > 0,
    async forTeams(teamIds: readonly string[], period: Period): Promise<AlertStats> {
      const wanted = new Set(teamIds);
      const records: AlertRecord[] = [];
      for (let cursor: string | undefined, page = 0; page < MAX_PAGES; page += 1) {
        const p = await d.alerts.list({ from: period.from, to: period.to, limit: PAGE, cursor });
        for (const a of p.items) if (wanted.has(a.teamId) && a.createdAt < period.to) records.push(toRecord(a));
        if (!p.nextCursor) break;
        cursor = p.nextCursor;
      }
      return alertStats(records, d.people);
    },
  };
}
