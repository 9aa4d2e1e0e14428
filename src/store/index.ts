import type { Connection } from 'mongoose';
import { MongoCheckinRepository } from './checkins.repository.js';
import { MongoConsoleMessageRepository } from './console.repository.js';
import { MongoConversationRepository } from './conversations.repository.js';
import { MongoAuditRepository, MongoIdentityRepository, MongoPostedMessageRepository } from './messages.repository.js';
import { registerModels, type Models } from './models.js';
import { MongoPeopleRepository, MongoTeamRepository } from './people.repository.js';
import { MongoRecognitionRepository, registerRecognitionModels } from './recognition.repository.js';
import { createSurveyStore } from './surveys.repository.js';
import { MongoApiTokenRepository } from './tokens.repository.js';

/** Every repository over one connection: what the composition root hands to the core. */
export function createStore(conn: Connection) {
  const models: Models = registerModels(conn);
  return {
    conn,
    models,
    people: new MongoPeopleRepository(models.Person),
    teams: new MongoTeamRepository(models.Team),
    identities: new MongoIdentityRepository(models.Identity, models.PersonAccount),
    postedMessages: new MongoPostedMessageRepository(models.PostedMessage),
    audit: new MongoAuditRepository(models.Audit),
    consoleMessages: new MongoConsoleMessageRepository(conn),
    tokens: new MongoApiTokenRepository(models.ApiToken),
    recognition: new MongoRecognitionRepository(registerRecognitionModels(conn)),
    teamsConversations: new MongoConversationRepository(conn),
    checkins: new MongoCheckinRepository(conn),
    surveys: createSurveyStore(conn),
  };
}

export type Store = ReturnType<typeof createStore>;
