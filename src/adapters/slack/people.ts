import type { webApi } from '@slack/bolt';
import { DomainError, isDomainError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import type { AfterReply } from '../../core/ports.js';
import type { Person, PlatformProfile } from '../../core/people/people.types.js';
import { identityKey } from '../../core/people/people.types.js';
import type { MentionResolver, MentionTarget } from './blockkit.types.js';

const IDENTIFY_ATTEMPTS = 4;

interface SlackUser {
  name?: string;
  real_name?: string;
  tz?: string;
  is_bot?: boolean;
  is_app_user?: boolean;
  deleted?: boolean;
  profile?: { email?: string; real_name?: string; display_name?: string };
}

/**
 * Slack users and Tandem people: identifies who acted (users.info only the
 * first time), resolves mentions in incoming text to core tokens, and
 * resolves core mention tokens back to Slack users for rendering.
 */
export class SlackPeople {
  constructor(
    private readonly core: Core,
    private readonly client: webApi.WebClient,
  ) {}

  async profile(userId: string): Promise<PlatformProfile> {
    const res = await this.client.users.info({ user: userId }).catch((err: unknown) => {
      // A user id Slack does not know (a forged or stale payload): a refusal, not a failure of Tandem's.
      if (typeof err === 'object' && err !== null && 'data' in err && (err.data as { error?: unknown }).error === 'user_not_found') {
        throw new DomainError('not_found', 'Slack does not know this user.');
      }
      throw err;
    });
    const user = (res.user ?? {}) as SlackUser;
    const profile: PlatformProfile = { isBot: Boolean(user.is_bot || user.is_app_user) };
    const name = user.real_name || user.profile?.real_name || user.profile?.display_name || user.name;
    if (name) profile.name = name;
    if (user.profile?.email) profile.email = user.profile.email;
    if (user.tz) profile.timeZone = user.tz;
    return profile;
  }

  /**
   * The Person behind a Slack user; created (with their Slack time zone) the
   * first time. `afterReply`: see IdentityRepository.link.
   */
  async identify(teamId: string, userId: string, knownProfile?: PlatformProfile, afterReply?: AfterReply): Promise<Person> {
    let profile = knownProfile;
    const fetchProfile = async () => (profile ??= await this.profile(userId));
    // Identifying is idempotent, so a transient store error (a busy database) is retried; rule errors are not.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.core.people.identify({ platform: 'slack', key: identityKey.slack(teamId, userId), teamId, userId }, fetchProfile, afterReply);
      } catch (err) {
        if (isDomainError(err) || attempt >= IDENTIFY_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 50 * 3 ** attempt * (0.5 + Math.random())));
      }
    }
  }

  /**
   * Rewrites Slack mentions (`<@U123|name>`, `<@U123>`) into core tokens:
   * people become `<@person:ID>`, bots and apps `<@bot:Name>`.
   */
  async resolveMentions(teamId: string, text: string): Promise<string> {
    const found = [...text.matchAll(/<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g)];
    if (found.length === 0) return text;
    const tokens = new Map<string, string>();
    for (const m of found) {
      const userId = m[1] as string;
      if (tokens.has(userId)) continue;
      tokens.set(userId, await this.mentionToken(teamId, userId, m[2]));
    }
    return text.replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, (_all, userId: string) => tokens.get(userId) ?? _all);
  }

  private async mentionToken(teamId: string, userId: string, label: string | undefined): Promise<string> {
    const known = await this.core.people.byIdentityKey(identityKey.slack(teamId, userId));
    if (known) return `<@person:${known.id}>`;
    const profile = await this.profile(userId);
    if (profile.isBot) return `<@bot:${(profile.name ?? label ?? 'a bot').replace(/>/g, '')}>`;
    const person = await this.identify(teamId, userId, profile);
    return `<@person:${person.id}>`;
  }

  /** Looks up every mentioned person once, for a synchronous renderer. */
  async resolver(personIds: readonly string[]): Promise<MentionResolver> {
    const targets = new Map<string, MentionTarget>();
    if (personIds.length > 0) {
      for (const { person, identity } of await this.core.directory.lookup.onPlatform(personIds, 'slack')) {
        targets.set(person.id, identity ? { name: person.name, userId: identity.userId } : { name: person.name });
      }
    }
    return (id) => targets.get(id);
  }
}
