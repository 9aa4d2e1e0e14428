import type { Interactions } from '../chat/interactions.js';
import type { FeatureDeps } from '../ports.js';
import type { Claims } from '../rhythm/claims.js';
import { KudosAdmin } from './admin.js';
import { KudosBudget } from './budget.js';
import { KudosChat } from './chat.js';
import { deliverer } from './deliver.js';
import { GiveKudos } from './give.js';
import type { RecognitionRepository } from './recognition.types.js';
import { KudosStats } from './stats.js';

export interface RecognitionDeps extends FeatureDeps {
  recognition: RecognitionRepository;
  claims: Claims;
}

/**
 * Peer recognition, one use case per file: give (rules, claims, budget),
 * deliver (DMs and channel posts), stats, admin; the chat entry points in
 * chat.ts. Returns the operations jobs, admin routes and tests call.
 */
export function createRecognition(d: RecognitionDeps, interactions: Interactions) {
  const budget = new KudosBudget(d);
  const give = new GiveKudos({ ...d, budget });
  const stats = new KudosStats({ ...d, budget });
  const admin = new KudosAdmin(d);
  const chat = new KudosChat({ ...d, give, stats });
  chat.register(interactions);
  return {
    // jobs
    deliver: deliverer(d),
    purgeExpiredClaims: () => admin.purgeExpiredClaims(),
    // admin API
    settings: () => admin.settings(),
    updateSettings: (patch: unknown) => admin.updateSettings(patch),
    revoke: admin.revoke.bind(admin),
    get: (id: string) => admin.get(id),
    list: admin.list.bind(admin),
    scan: admin.scan.bind(admin),
    // chat and insight
    composeForm: chat.composeForm.bind(chat),
    budget: budget.of.bind(budget),
    personalStats: stats.personalStats.bind(stats),
  };
}

export type Recognition = ReturnType<typeof createRecognition>;
