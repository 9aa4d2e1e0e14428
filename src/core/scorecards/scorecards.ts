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
import { notSetUp, PERIOD_KINDS } from './scorecards.types.js';
import { lastComplete } from './period.js';

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
    /**
     * The roll-up job: recounts the weeks of check-ins and kudos not settled yet, and brings the KPI, alert
     * and pulse roll-ups of the periods people ask for up to date (the last complete week, month and quarter,
     * and the week before for the digest, in UTC and in every leader's and manager's zone), so scorecards
     * read only roll-ups.
     */
    rollup: async () => {
      const weeks = await d.rhythm.refresh();
      const now = d.clock.now();
      const zones = new Set(['UTC']);
      for await (const p of d.people.allActive()) if (p.roles.some((r) => r === 'leader' || r === 'manager')) zones.add(p.timeZone);
      for (const zone of zones) {
        const periods = [...PERIOD_KINDS.map((kind) => lastComplete(kind, now, zone)), lastComplete('week', new Date(now.getTime() - 7 * 86_400_000), zone)];
        for (const period of periods) await Promise.all([sources.kpis.kpisFor([], period), sources.alerts.forTeams([], period)]);
      }
      await sources.pulse.latest([]);
      return weeks;
    },
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
