import type { AlertFacts, AlertRepository } from '../alerts/alerts.types.js';
import type { Person } from '../people/people.types.js';
import type { PeopleRepository } from '../ports.js';
import type { AlertFigures, AlertStats, Period } from '../scorecards/scorecards.types.js';
import { SourceRollups } from '../scorecards/source-rollups.js';
import { afterHoursPages, percentile, type AlertRecord } from './figures.js';

export interface AlertFiguresDeps {
  alerts: Pick<AlertRepository, 'openedBetween' | 'any'>;
  people: Pick<PeopleRepository, 'getMany'>;
  /** Where figures are kept between scorecards (absent: computed every time). */
  rollups?: Pick<SourceRollups, 'read'>;
}

/** One team's alerts opened in a period: what its share of the scorecard's figures is made of. */
interface TeamAlerts {
  count: number;
  ackMs: number[];
  resolveMs: number[];
  afterHours: number;
}

/**
 * The people an alert reached, from its timeline: each escalation step's line names one (`data.personId`); a
 * notification to several lists them (`data.people`, as the owner's notice before escalation did).
 */
export function pagesOf(alert: Pick<AlertFacts, 'timeline'>): AlertRecord['pages'] {
  return alert.timeline
    .filter((e) => e.kind === 'notified')
    .flatMap((e) => {
      const step = e.data?.personId;
      const people = Array.isArray(e.data?.people) ? e.data.people : typeof step === 'string' ? [step] : [];
      return people.filter((p): p is string => typeof p === 'string').map((personId) => ({ personId, at: new Date(e.at) }));
    });
}

export const toRecord = (a: AlertFacts): AlertRecord => ({ teamId: a.teamId, openedAt: a.createdAt, acknowledgedAt: a.acknowledgedAt ?? null, resolvedAt: a.resolvedAt ?? null, pages: pagesOf(a) });

/** The people the records paged, by id, read in one call (for their zones and working days). */
export async function pagedPeople(records: readonly AlertRecord[], people: Pick<PeopleRepository, 'getMany'>): Promise<Map<string, Person>> {
  const paged = [...new Set(records.flatMap((r) => r.pages.map((p) => p.personId)))];
  return new Map((paged.length ? await people.getMany(paged) : []).map((p) => [p.id, p]));
}

/** Alerts opened in the period per team: the times to acknowledge and resolve, and pages outside the recipient's working hours. */
export async function teamAlerts(records: readonly AlertRecord[], people: Pick<PeopleRepository, 'getMany'>): Promise<Record<string, TeamAlerts>> {
  const known = await pagedPeople(records, people);
  const byTeam = new Map<string, AlertRecord[]>();
  for (const r of records) {
    const list = byTeam.get(r.teamId);
    if (list) list.push(r);
    else byTeam.set(r.teamId, [r]);
  }
  return Object.fromEntries(
    [...byTeam].map(([teamId, rs]) => [
      teamId,
      {
        count: rs.length,
        ackMs: rs.flatMap((r) => (r.acknowledgedAt ? [r.acknowledgedAt.getTime() - r.openedAt.getTime()] : [])),
        resolveMs: rs.flatMap((r) => (r.resolvedAt ? [r.resolvedAt.getTime() - r.openedAt.getTime()] : [])),
        afterHours: afterHoursPages(rs, known).reduce((n, p) => n + p.afterHours, 0),
      },
    ]),
  );
}

/** The figures of some teams: alerts opened, the medians of time to acknowledge and resolve, after-hours pages. */
export function alertStats(teams: readonly TeamAlerts[]): AlertStats {
  return {
    count: teams.reduce((n, t) => n + t.count, 0),
    medianAckMs: percentile(teams.flatMap((t) => t.ackMs), 50),
    medianResolveMs: percentile(teams.flatMap((t) => t.resolveMs), 50),
    afterHoursPages: teams.reduce((n, t) => n + t.afterHours, 0),
  };
}

/**
 * The on-call side of the scorecard: alerts of the scope's teams opened in the period. Every team's
 * figures for a period are computed together (one read of the period's alerts: on FerretDB a scan of them
 * all) and kept as a roll-up until an alert opened in the period is changed (it opens, changes status or
 * pages someone): an alert storm today leaves last week's figures as they are.
 */
export function oncallScorecardFigures(d: AlertFiguresDeps): AlertFigures {
  const rollups = d.rollups ?? SourceRollups.none;
  const perTeam = async (period: Period): Promise<Record<string, TeamAlerts>> => teamAlerts((await d.alerts.openedBetween(period.from, period.to)).map(toRecord), d.people);
  let setUp = false;
  return {
    /** Set up once any alert was raised (and from then on). */
    setUp: async () => (setUp ||= await d.alerts.any()),
    async forTeams(teamIds: readonly string[], period: Period): Promise<AlertStats> {
      const all = await rollups.read(`alerts:${period.from.toISOString()}/${period.to.toISOString()}`, [{ source: 'alerts', period }], () => perTeam(period));
      return alertStats([...new Set(teamIds)].flatMap((t) => all[t] ?? []));
    },
  };
}
