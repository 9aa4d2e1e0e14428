import { AuditLog } from './audit.js';
import { Interactions } from './chat/interactions.js';
import { Messenger, SEND_LEASE_MS } from './chat/messenger.js';
import { createCheckins } from './checkins/checkins.js';
import type { CheckinRepository } from './checkins/checkins.types.js';
import { CHECKINS_HELP } from './checkins/checkins.views.js';
import type { Clock } from './clock.js';
import { createGovernance } from './governance/governance.js';
import type { LegalHoldRepository, PersonalDataStore } from './governance/governance.types.js';
import { registerHelp, TandemCommand } from './help/help.service.js';
import type { CacheInvalidation } from './invalidation.js';
import type { Logger } from './logger.js';
import { createOncall } from './oncall/oncall.js';
import { ONCALL_HELP } from './oncall/oncall.views.js';
import type { OncallRepository } from './oncall/oncall.types.js';
import { PagesFirst } from './pages-first.js';
import { DirectoryLookup } from './people/lookup.js';
import { managePeople, manageTeams } from './people/manage.js';
import { PeopleService } from './people/people.service.js';
import type { AuditRepository, IdentityRepository, PeopleRepository, PostedMessageRepository, Scheduler, TeamRepository } from './ports.js';
import { createRecognition } from './recognition/recognition.js';
import type { RecognitionRepository } from './recognition/recognition.types.js';
import { KUDOS_HELP } from './recognition/recognition.views.js';
import type { Claims } from './rhythm/claims.js';
import type { AlertRepository } from './alerts/alerts.types.js';
import { blockerPager } from './alerts/blocker.js';
import { AlertMessages, escalationAlerts } from './alerts/escalate.js';
import { OpenKeys } from './alerts/open-keys.js';
import type { IntegrationRepository } from './alerts/intakes.js';
import { AlertResponses } from './alerts/respond.js';
import { EscalationService } from './oncall/escalation.js';
import type { KpiRepository } from './kpis/kpis.types.js';
import { createAlerts, createKpis } from './kpis/kpis.module.js';
import { KPI_HELP } from './kpis/kpis.views.js';
import { kpiScorecardSource } from './kpis/scorecard-source.js';
import { oncallScorecardFigures } from './oncall/scorecard-figures.js';
import { createScorecards } from './scorecards/scorecards.js';
import { SourceRollups, type SourceRollupStore } from './scorecards/source-rollups.js';
import type { ActionRepository, AlertFigures, DigestSettingsRepository, KpiSource, PulseSource, RhythmReads, ScorecardPicture } from './scorecards/scorecards.types.js';
import { surveyPulseSource } from './surveys/scorecard-pulse.js';
import { createSurveys } from './surveys/surveys.js';
import type { SurveyConfig, SurveyPicture, SurveyPorts } from './surveys/surveys.types.js';

/** What the core is built over: the store's repositories, the scheduler, the clock and the logger. */
export interface CorePorts {
  people: PeopleRepository;
  teams: TeamRepository;
  identities: IdentityRepository;
  postedMessages: PostedMessageRepository;
  audit: AuditRepository;
  recognition: RecognitionRepository;
  checkins: CheckinRepository;
  claims: Claims;
  oncall: OncallRepository;
  kpis: KpiRepository;
  alerts: AlertRepository;
  integrations: IntegrationRepository;
  surveys: SurveyPorts;
  surveyConfig: SurveyConfig;
  scheduler: Scheduler;
  clock: Clock;
  logger: Logger;
  invalidation: CacheInvalidation;
  holds: LegalHoldRepository;
  personalData: PersonalDataStore;
  /** Retention periods in days by kind, overriding the kinds' defaults (RETENTION_DAYS). */
  retentionDays: Readonly<Record<string, number>>;
  rhythm: RhythmReads;
  scorecardActions: ActionRepository;
  /** The roll-ups of the scorecard's KPI, alert and pulse figures, and the counters of writes to their inputs. */
  scorecardRollups: SourceRollupStore;
  digest: DigestSettingsRepository;
  /** What the scorecard reads from the KPI, alert and pulse features; absent: the features' own (tests and benches replace them). */
  kpiSource?: KpiSource;
  alertFigures?: AlertFigures;
  pulse?: PulseSource;
  /** Draws the scorecard's picture (main.ts: ECharts + resvg, served under PUBLIC_URL); absent: text only. */
  scorecardPicture?: ScorecardPicture;
  /** Draws the picture of survey results sent in chat; absent: text only. */
  surveyPicture?: SurveyPicture;
  /** Judge KPI samples in the process of the request that stored them, the kpis job only a fallback (main.ts: where workers run); absent: by the job. */
  inlineKpiDetection?: boolean;
  /** Run a new alert's first escalation step in the process that opened it, its job only the crash net (main.ts: where workers run); absent: by the job. */
  firstStepInProcess?: boolean;
}

/** A first step run in process: its job waits longer than a send lease (a dead sender's is then taken over at once). */
const FIRST_STEP_GRACE_MS = SEND_LEASE_MS + 10_000;
/**
 * First steps running at once in a process, and waiting their turn beyond: beyond both, a new alert's first step is
 * a job as before. Measured at 200 alerts/s: 128 running sent a quarter of the steps to their jobs (two more store
 * commands each); 64 running with the rest waiting answered the intake sooner but paged later (the steps queued
 * behind it: POST -> message p99 25.6 s against 14-17 s at 512).
 */
const FIRST_STEPS_RUNNING = 512;
const FIRST_STEPS_WAITING = 2_048;

/**
 * Builds every feature over the given ports and hands out use cases only:
 * adapters register on `messenger` and call `interactions`, `people`
 * (identify) and `directory.lookup`; admin routes call `directory.people`,
 * `directory.teams` (which write their own audit entries) and the features'
 * operations; jobs call the features' operations.
 */
export function createCore(ports: CorePorts) {
  const interactions = new Interactions(ports.logger);
  const tandem = new TandemCommand(interactions);
  const messenger = new Messenger(ports.identities, ports.postedMessages, ports.clock);
  const people = new PeopleService(ports.people, ports.identities, ports.clock);
  const audit = new AuditLog(ports);
  // Pages first: alert work in flight here (samples judged, alerts raised, escalation steps) slows the fan-outs.
  const pagesFirst = new PagesFirst();
  const directory = {
    lookup: new DirectoryLookup(ports),
    people: managePeople({ ...ports, audit }),
    teams: manageTeams({ ...ports, audit }),
  };
  registerHelp(interactions, tandem);
  const recognition = createRecognition({ ...ports, messenger }, interactions);
  tandem.feature(KUDOS_HELP);
  // Before check-ins: a typed reply while a survey question is being asked is the survey's.
  const surveys = createSurveys({ ...ports, messenger, store: ports.surveys, config: ports.surveyConfig, picture: ports.surveyPicture }, { interactions, tandem });
  // An urgent blocker (or one the manager pages about) becomes an alert, escalated like any other.
  const checkins = createCheckins({ ...ports, messenger, pagesFirst, pageBlocker: (b, by) => blockerPager(kpiDeps)(b, by) }, { interactions, tandem });
  tandem.feature(CHECKINS_HELP);
  const oncall = createOncall({ ...ports, messenger, audit }, { tandem });
  tandem.feature(ONCALL_HELP);
  // How the audit reconciler reads each kind of record an audited change targets (people and teams: manage.ts).
  const after = (kind: string) => (target: string) => target.slice(kind.length + 1);
  audit.addCheck('kudos', async (e) => ({ target: e.target, state: await recognition.get(after('kudos')(e.target)) }));
  audit.addCheck('recognition', async (e) => ({ target: e.target, state: await recognition.settings() }));
  audit.addCheck('checkin-settings', async (e) => ({ target: e.target, state: await checkins.settings(after('checkin-settings')(e.target)) }));
  audit.addCheck('survey', async (e) => ({ target: e.target, state: await ports.surveys.surveys.get(after('survey')(e.target)) }));
  audit.addCheck('survey-round', async (e) => ({ target: e.target, state: (await ports.surveys.rounds.ofSurvey(after('survey-round')(e.target))).at(-1) ?? null }));
  const governance = createGovernance({ ...ports, audit });
  const ownerRole = async (key: string) => (await ports.kpis.get(key))?.ownerRole ?? 'manager';
  // An alert that opens starts its escalation (on-call); every message about it is kept and rewritten on change.
  const notifier = new AlertMessages({ alerts: ports.alerts, teams: ports.teams, messenger, logger: ports.logger, ownerRole });
  const escalation = new EscalationService({
    ...ports,
    alerts: escalationAlerts(ports.alerts, ports.clock, (a) => notifier.changed(a)),
    notifier,
    policies: { choose: (a) => oncall.choosePolicy(a) },
    schedules: ports.oncall,
    ...(ports.firstStepInProcess ? { firstStepNow: { graceMs: FIRST_STEP_GRACE_MS, maxRunning: FIRST_STEPS_RUNNING, maxWaiting: FIRST_STEPS_WAITING, logger: ports.logger } } : {}),
  });
  notifier.escalation = escalation;
  // First steps run in process outside any job or request once started (see EscalationService.start): counted here.
  pagesFirst.watch(() => escalation.firstStepsRunning);
  const kpiDeps = { kpis: ports.kpis, alerts: ports.alerts, notifier, teams: ports.teams, people: ports.people, audit, scheduler: ports.scheduler, clock: ports.clock, logger: ports.logger, openKeys: new OpenKeys() };
  const kpis = createKpis(kpiDeps, { interactions, tandem }, ports.inlineKpiDetection, pagesFirst);
  tandem.feature(KPI_HELP);
  const alerts = createAlerts(kpiDeps, ports.integrations, pagesFirst);
  new AlertResponses(kpiDeps).register(interactions, tandem);
  const rollups = new SourceRollups({ store: ports.scorecardRollups, clock: ports.clock });
  const sources = {
    kpiSource: ports.kpiSource ?? kpiScorecardSource({ ...ports, rollups }),
    alertFigures: ports.alertFigures ?? oncallScorecardFigures({ ...ports, rollups }),
    pulse: ports.pulse ?? surveyPulseSource({ ...ports.surveys, rollups }),
  };
  const scorecards = createScorecards({ ...ports, ...sources, messenger }, { interactions, tandem });
  return { clock: ports.clock, audit, interactions, tandem, messenger, people, directory, recognition, checkins, oncall, escalation, pagesFirst, governance, kpis, alerts, scorecards, surveys };
}

export type Core = ReturnType<typeof createCore>;
