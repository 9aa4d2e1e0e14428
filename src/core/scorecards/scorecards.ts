import { DomainError } from '../errors.js';
import type { Interactions } from '../chat/interactions.js';
import type { TandemCommand } from '../help/help.service.js';
import type { Team } from '../people/people.types.js';
import type { FeatureDeps } from '../ports.js';
import { ScorecardAccess } from './access.js';
import { CorrectiveActions } from './actions.js';
import { registerScorecardChat } from './chat.js';
import { BuildScorecard } from './scorecard.js';
import type { ActionRepository, AlertFigures, KpiSource, PeriodKind, PulseSource, RhythmReads } from './scorecards.types.js';
import { notSetUp } from './scorecards.types.js';

export interface ScorecardDepsIn extends FeatureDeps {
  rhythm: RhythmReads;
  scorecardActions: ActionRepository;
  /** The KPI, alert and pulse features plug in here; absent: "not set up". */
  kpis?: KpiSource | undefined;
  alertFigures?: AlertFigures | undefined;
  pulse?: PulseSource | undefined;
}

/**
 * Scorecards: role-based views of KPIs by perspective and the rhythm's
 * health, drill-down, the corrective actions register. Returns the
 * operations jobs and admin routes call.
 */
export function createScorecards(d: ScorecardDepsIn, wiring: { interactions: Interactions; tandem: TandemCommand }) {
  const access = new ScorecardAccess(d);
  const sources = { kpis: d.kpis ?? notSetUp.kpis, alerts: d.alertFigures ?? notSetUp.alerts, pulse: d.pulse ?? notSetUp.pulse };
  const build = new BuildScorecard({ ...d, ...sources, actions: d.scorecardActions, access });
  const actions = new CorrectiveActions({ ...d, actions: d.scorecardActions, access });
  registerScorecardChat(wiring.interactions, wiring.tandem, { build, actions });
  return {
    forPerson: build.forPerson.bind(build),
    /** Admin API: the organisation, or one team by id. */
    forOrganisation: async (teamId: string | undefined, period: PeriodKind) => {
      const all = await d.teams.all();
      const team: Team | null = teamId ? (all.find((t) => t.id === teamId) ?? null) : null;
      if (teamId && !team) throw new DomainError('not_found', `No team with id ${teamId}`, { teamId });
      return build.forOrganisation(all, team, period);
    },
    actions: {
      add: actions.add.bind(actions),
      done: actions.done.bind(actions),
      list: () => actions.list(),
      remind: actions.remind.bind(actions),
    },
  };
}

export type Scorecards = ReturnType<typeof createScorecards>;
