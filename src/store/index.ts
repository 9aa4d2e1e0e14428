import type { Connection } from 'mongoose';
import { MongoCheckinRepository } from './checkins.repository.js';
import { MongoClaims } from './claims.repository.js';
import { MongoProcessingClaimRepository } from './processing-claims.repository.js';
import { MongoConsoleMessageRepository } from './console.repository.js';
import { MongoConversationRepository } from './conversations.repository.js';
import { coreRetentionKinds, MongoLegalHoldRepository, MongoPersonalData, registerGovernanceModels } from './governance.repository.js';
import { MongoAuditRepository, MongoIdentityRepository, MongoPostedMessageRepository } from './messages.repository.js';
import { registerModels, type Models } from './models.js';
import { StoreCache } from './cache.js';
import { MongoOncallRepository, registerOncallModels } from './oncall.repository.js';
import { MongoPeopleRepository } from './people.repository.js';
import { MongoTeamRepository } from './teams.repository.js';
import { MongoRecognitionRepository, registerRecognitionModels } from './recognition.repository.js';
import { MongoActionRepository, MongoDigestSettings, MongoRhythmReads, MongoScorecardImages } from './scorecards.repository.js';
import { MongoSourceRollups } from './source-rollups.repository.js';
import { utcDay } from '../core/scorecards/source-rollups.js';
import { createSurveyStore } from './surveys.repository.js';
import { MongoApiTokenRepository } from './tokens.repository.js';
import { MongoAlertRepository } from './alerts.repository.js';
import { MongoIntegrationRepository } from './integrations.repository.js';
import { MongoKpiRepository } from './kpis.repository.js';
import { featureConnection } from './databases.js';

/**
 * Every repository over one connection (the alerts' in their database, see databases.ts): what the composition root hands to the core.
 * `cache` is the in-process cache of who acted (see cache.ts); `flush` writes
 * what the repositories deferred until after the reply (last-seen times, the alerts' scorecard counts).
 */
export function createStore(conn: Connection, cache = new StoreCache()) {
  const models: Models = registerModels(conn);
  const identities = new MongoIdentityRepository(models.Identity, models.PersonAccount, cache);
  // The scorecard's roll-ups of KPIs, alerts and pulse results, and the counters their writers keep.
  const scorecardRollups = new MongoSourceRollups(conn);
  const alerts = new MongoAlertRepository(
    featureConnection(conn, 'alerts'),
    async ({ openedAt, kpiKey }) => void (await Promise.all([scorecardRollups.changed('alerts', [utcDay(openedAt)]), kpiKey ? scorecardRollups.changed('kpi-alerts') : null])),
    cache,
  );
  return {
    conn,
    models,
    cache,
    flush: async () => void (await Promise.all([identities.flush(), scorecardRollups.settle()])),
    people: new MongoPeopleRepository(models.Person, models.PersonEmail, cache),
    teams: new MongoTeamRepository(models.Team, models.TeamName, models.TeamMembership, cache),
    identities,
    postedMessages: new MongoPostedMessageRepository(models.PostedMessage),
    audit: new MongoAuditRepository(models.Audit),
    consoleMessages: new MongoConsoleMessageRepository(conn),
    tokens: new MongoApiTokenRepository(models.ApiToken, cache),
    recognition: new MongoRecognitionRepository(registerRecognitionModels(conn)),
    teamsConversations: new MongoConversationRepository(conn),
    checkins: new MongoCheckinRepository(conn),
    claims: new MongoClaims(conn),
    processingClaims: new MongoProcessingClaimRepository(conn),
    oncall: new MongoOncallRepository(registerOncallModels(conn), cache),
    holds: new MongoLegalHoldRepository(registerGovernanceModels(conn).LegalHold),
    personalData: new MongoPersonalData(conn, cache),
    retentionKinds: [...coreRetentionKinds(conn), ...alerts.retentionKinds],
    kpis: new MongoKpiRepository(conn, (days) => scorecardRollups.changed('kpis', days), cache),
    alerts,
    integrations: new MongoIntegrationRepository(conn, cache),
    rhythm: new MongoRhythmReads(conn),
    scorecardActions: new MongoActionRepository(conn),
    digest: new MongoDigestSettings(conn),
    scorecardImages: new MongoScorecardImages(conn),
    surveys: createSurveyStore(conn, () => scorecardRollups.changed('pulse')),
    scorecardRollups,
  };
}

export type Store = ReturnType<typeof createStore>;
