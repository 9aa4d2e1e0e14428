import { DomainError } from '../errors.js';
import type { Interactions } from '../chat/interactions.js';
import type { TandemCommand } from '../help/help.service.js';
import type { Team } from '../people/people.types.js';
import type { FeatureDeps } from '../ports.js';
import { ScorecardAccess } from './access.js';
import { CorrectiveActions } from './actions.js';
import { registerScorecardChat } from './chat.js';
import { BuildScorecard } from './scorecard.js';
import { WeeklyDigest } from './digest.js';
import type { ActionRepository, AlertFigures, DigestSettingsRepository, KpiSource, PeriodKind, PulseSource, RhythmReads, ScorecardPicture } from './scorecards.types.js';
import { notSetUp } from './scorecards.types.js';

export interface ScorecardDepsIn extends FeatureDeps {
  rhythm: RhythmReads;
  scorecardActions: ActionRepository;
  digest: DigestSettingsRepository;
  /** The KPI, alert and pulse features plug in here; absent: "not set up". */
  kpiSource?: KpiSource | undefined;
  alertFigures?: AlertFigures | undefined;
  pulse?: PulseSource | undefined;
  /** Draws the picture shown with a scorecard in chat; absent: text only. */
  scorecardPicture?: ScorecardPicture | undefined;
}

/**
 * Scorecards: role-based views of KPIs by perspective and the rhythm's
 * health, drill-down, the corrective actions register. Returns the
 * operations jobs and admin routes call.
 */
export function createScorecards(d: ScorecardDepsIn, wiring: { interactions: Interactions; tandem: TandemCommand }) {
  const access = new ScorecardAccess(d);
  const sources = { kpis: d.kpiSource ?? notSetUp.kpis, alerts: d.alertFigures ?? notSetUp.alerts, pulse: d.pulse ?? notSetUp.pulse };
  const build = new BuildScorecard({ ...d, ...sources, actions: d.scorecardActions, access });
  const actions = new CorrectiveActions({ ...d, actions: d.scorecardActions, access });
  const digest = new WeeklyDigest({ ...d, access, build });
  registerScorecardChat(wiring.interactions, wiring.tandem, { build, actions, digest, picture: d.scorecardPicture });
  return {
    forPerson: build.forPerson.bind(build),
    /** The roll-up job: recounts the weeks of check-ins and kudos not settled yet, so scorecards read only roll-ups. */
    rollup: () => d.rhythm.refresh(),
    /** Admin API: the organisation, or one team by id. */
    forOrganisation: async (teamId: string | undefined, period: PeriodKind) => {
      const all = await d.teams.all();
      const team: Team | null = teamId ? (all.find((t) => t.id === teamId) ?? null) : null;
      if (teamId && !team) throw new DomainError('not_found', `No team with id ${teamId}`, { teamId });
      return build.forOrganisation(all, team, period);
    },
    digest: {
      settings: () => d.digest.get(),
      update: async (patch: { enabled?: boolean; weekday?: number; time?: string }) => {
        await d.digest.save(patch);
        await digest.reconcile();
        return d.digest.get();
      },
      reconcile: () => digest.reconcile(),
      fire: (timeZone: string) => digest.fire(timeZone),
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
