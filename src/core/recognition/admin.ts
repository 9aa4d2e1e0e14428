import type { Messenger } from '../chat/messenger.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Page, PageQuery, Scheduler, TeamRepository } from '../ports.js';
import type { Claims } from '../rhythm/claims.js';
import { DELIVER_JOB, kudosDmKey, kudosPostKey, teamsOfPeople } from './deliver.js';
import type { Kudos, KudosFilter, RecognitionRepository, RecognitionSettings } from './recognition.types.js';
import { settingsPatchSchema } from './recognition.types.js';
import { revokedView } from './recognition.views.js';

export interface KudosAdminDeps {
  recognition: Pick<RecognitionRepository, 'settings' | 'updateSettings' | 'get' | 'revoke' | 'releaseBudget' | 'list' | 'scan'>;
  claims: Pick<Claims, 'purge'>;
  teams: Pick<TeamRepository, 'get' | 'teamsOf'>;
  messenger: Pick<Messenger, 'update'>;
  scheduler: Pick<Scheduler, 'cancel'>;
  clock: Clock;
  logger: Logger;
}

export type KudosQuery = Omit<KudosFilter, 'involving'> & { teamId?: string | undefined };

/** Recognition for admins: settings and values, listing and exporting kudos, revoking one, retention. */
export class KudosAdmin {
  constructor(private readonly d: KudosAdminDeps) {}

  settings(): Promise<RecognitionSettings> {
    return this.d.recognition.settings();
  }

  async updateSettings(patch: unknown): Promise<RecognitionSettings> {
    const parsed = settingsPatchSchema.safeParse(patch);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new DomainError('validation', `The settings are not valid: ${first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'unknown problem'}`);
    }
    return this.d.recognition.updateSettings(parsed.data);
  }

  /** Withdraws a kudos: it stops counting everywhere, the giver's budget gets it back, posted copies say so. */
  async revoke(id: string, by: string, reason: string): Promise<{ before: Kudos; after: Kudos }> {
    const before = await this.d.recognition.get(id);
    if (!before) throw new DomainError('not_found', `No kudos with id ${id}`, { id });
    if (before.revokedAt) throw new DomainError('conflict', `The kudos ${id} was already revoked`, { id });
    const after = await this.d.recognition.revoke(id, by, reason, this.d.clock.now());
    if (!after) throw new DomainError('conflict', `The kudos ${id} was already revoked`, { id });
    await this.d.recognition.releaseBudget(before.id);
    await this.d.scheduler.cancel(`${DELIVER_JOB}:${id}`);
    const keys = [...before.recipientIds.map((r) => kudosDmKey(id, r)), ...(await teamsOfPeople(this.d.teams, before.recipientIds)).map((t) => kudosPostKey(id, t.id))];
    for (const key of keys) {
      try {
        await this.d.messenger.update(key, revokedView());
      } catch (err) {
        this.d.logger.warn({ err, key }, 'could not update a revoked kudos message');
      }
    }
    return { before, after };
  }

  /** Retention of idempotency keys: a claim is useless once its window has passed. */
  purgeExpiredClaims(): Promise<number> {
    return this.d.claims.purge(this.d.clock.now());
  }

  get(id: string): Promise<Kudos | null> {
    return this.d.recognition.get(id);
  }

  /** Kudos for the admin API; `teamId` narrows to kudos given or received by the team's members. */
  async list(filter: KudosQuery & PageQuery): Promise<Page<Kudos>> {
    return this.d.recognition.list({ ...filter, involving: await this.members(filter.teamId) });
  }

  async *scan(filter: KudosQuery): AsyncIterable<Kudos> {
    yield* this.d.recognition.scan({ ...filter, involving: await this.members(filter.teamId) });
  }

  private async members(teamId: string | undefined): Promise<string[] | undefined> {
    if (!teamId) return undefined;
    const team = await this.d.teams.get(teamId);
    if (!team) throw new DomainError('not_found', `No team with id ${teamId}`, { teamId });
    return team.memberIds;
  }
}
