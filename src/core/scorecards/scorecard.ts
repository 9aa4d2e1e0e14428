import { DateTime } from 'luxon';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Person, Team } from '../people/people.types.js';
import type { PeopleRepository } from '../ports.js';
import type { ScorecardAccess, Visibility } from './access.js';
import { lastComplete } from './period.js';
import { rhythmSection, type RhythmDeps } from './rhythm.js';
import type { ActionRepository, CorrectiveAction, KpiFigure, KpiRow, KpiSource, Period, PeriodKind, Scorecard, ScorecardScope } from './scorecards.types.js';

export interface ScorecardDeps extends RhythmDeps {
  kpis: KpiSource;
  actions: Pick<ActionRepository, 'open'>;
  access: ScorecardAccess;
  people: Pick<PeopleRepository, 'getMany'>;
  clock: Clock;
}

export interface ScorecardRequest {
  /** A team name or id; the viewer's whole view when absent. */
  team?: string | undefined;
  period: PeriodKind;
  /** Read as if it were this instant (the digest compares with a week earlier); now by default. */
  asOf?: Date;
}

function kpiRow(k: KpiFigure): KpiRow {
  const first = k.trendPoints[0];
  const last = k.trendPoints.at(-1);
  const trend = first === undefined || last === undefined || k.trendPoints.length < 2 ? null : last > first ? 'up' : last < first ? 'down' : 'flat';
  return { ...k, variance: k.actual !== null && k.target !== null ? k.actual - k.target : null, trend };
}

/** Overdue first (oldest due first), then by due date. */
export function sortActions(actions: CorrectiveAction[], today: string): (CorrectiveAction & { overdue: boolean })[] {
  return actions
    .map((a) => ({ ...a, overdue: a.status === 'open' && a.due < today }))
    .sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.due.localeCompare(b.due));
}

/**
 * Builds a scorecard: the scope the viewer asked for (checked against what
 * their role lets them see), the KPIs by perspective, the rhythm and the
 * corrective actions on its KPIs, over the last complete period.
 */
export class BuildScorecard {
  constructor(private readonly d: ScorecardDeps) {}

  /** For a person in chat: role-based scope, periods in their time zone. */
  async forPerson(viewer: Person, req: ScorecardRequest): Promise<Scorecard> {
    const vis = await this.d.access.visibility(viewer);
    const { scope, teams, drill, kpisOnly } = await this.scopeFor(viewer, vis, req.team);
    return this.build(scope, teams, drill, lastComplete(req.period, req.asOf ?? this.d.clock.now(), viewer.timeZone), viewer.timeZone, kpisOnly);
  }

  /** For the admin API (organisation-wide token): a team or the organisation, periods in UTC. */
  async forOrganisation(all: Team[], team: Team | null, kind: PeriodKind): Promise<Scorecard> {
    const scope: ScorecardScope = team ? { kind: 'team', teamId: team.id, name: team.name, teamIds: [team.id] } : { kind: 'organisation', teamId: null, name: 'Organisation', teamIds: all.map((t) => t.id) };
    const drill = team ? await this.below(team, all) : all;
    return this.build(scope, team ? [team] : all, drill, lastComplete(kind, this.d.clock.now(), 'UTC'), 'UTC', false);
  }

  private async scopeFor(viewer: Person, vis: Visibility, team: string | undefined): Promise<{ scope: ScorecardScope; teams: Team[]; drill: Team[]; kpisOnly: boolean }> {
    const kpisOnly = vis.level === 'member';
    const one = (t: Team): ScorecardScope => ({ kind: 'team', teamId: t.id, name: t.name, teamIds: [t.id] });
    if (team) {
      const t = await this.d.access.team(viewer, team, vis);
      return { scope: one(t), teams: [t], drill: kpisOnly ? [] : await this.below(t, vis.teams), kpisOnly };
    }
    if (!vis.teams.length) throw new DomainError('forbidden', 'You are not in a team yet, so there is no scorecard for you to see.');
    const ids = vis.teams.map((t) => t.id);
    if (vis.level === 'organisation') return { scope: { kind: 'organisation', teamId: null, name: 'Organisation', teamIds: ids }, teams: vis.teams, drill: vis.teams, kpisOnly };
    const [only] = vis.teams;
    if (vis.teams.length === 1 && only) return { scope: one(only), teams: [only], drill: [], kpisOnly };
    return { scope: { kind: 'teams', teamId: null, name: 'Your teams', teamIds: ids }, teams: vis.teams, drill: kpisOnly ? [] : vis.teams, kpisOnly };
  }

  private async below(team: Team, among: Team[]): Promise<Team[]> {
    if (!team.managerId) return [];
    const ids = new Set(among.map((t) => t.id));
    return (await this.d.access.teamsBelow(team.managerId, among)).filter((t) => t.id !== team.id && ids.has(t.id));
  }

  private async build(scope: ScorecardScope, teams: Team[], drill: Team[], period: Period, timeZone: string, kpisOnly: boolean): Promise<Scorecard> {
    const [kpis, kpisSetUp, rhythm] = await Promise.all([
      this.d.kpis.kpisFor(scope.teamIds, period),
      this.d.kpis.setUp(),
      kpisOnly ? Promise.resolve(null) : rhythmSection(this.d, teams, period, timeZone, drill.map((t) => t.id)),
    ]);
    const rows = kpis.map(kpiRow);
    const actions = kpisOnly ? [] : sortActions(await this.d.actions.open(scope.kind === 'organisation' ? undefined : rows.map((r) => r.key)), DateTime.fromJSDate(this.d.clock.now(), { zone: timeZone }).toISODate() ?? '');
    const rates = rhythm?.participation.byTeam ?? {};
    return {
      scope,
      period,
      generatedAt: this.d.clock.now(),
      kpis: { setUp: kpisSetUp, rows },
      rhythm,
      actions,
      drillDown: drill.map((t) => ({ teamId: t.id, name: t.name, participation: rates[t.id] ?? null })),
    };
  }
}
