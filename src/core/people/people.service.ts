import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import { cleanName } from '../text.js';
import type { AfterReply, IdentityRepository, PeopleRepository } from '../ports.js';
import type { Person, PlatformIdentity, PlatformProfile } from './people.types.js';
import { personInputSchema, timeZoneSchema } from './people.types.js';

/**
 * The email of someone whose platform profile has none (or one that is not an email): unique per platform
 * account, always valid (a platform id can be long and hold any character), and under a domain that cannot exist.
 */
const placeholderEmail = (key: string): string => {
  // Cut before the dots are trimmed, so the cut cannot leave one at the end (`x..hash` is no email).
  const readable = key.toLowerCase().replace(/[^a-z0-9]+/g, '.').slice(0, 40).replace(/^\.+|\.+$/g, '');
  return `${readable || 'user'}.${createHash('sha256').update(key).digest('hex').slice(0, 12)}@unknown.invalid`;
};

type NewIdentity = PlatformIdentity extends infer I ? (I extends PlatformIdentity ? Omit<I, 'personId'> : never) : never;

/**
 * Maps a platform user to a Person: by platform id, then by email, else a new
 * person. The profile is fetched only when the identity is unknown (a Slack
 * users.info or Teams member lookup costs a round trip).
 *
 * Store round trips on the answer's path: a known person reads their identity
 * and person (both cached by the store, so usually none), and their last-seen
 * time is written after the reply; a new person claims their email and
 * inserts themself (two `_id` inserts, safe when two first requests race) and
 * links the identity (one more; the fourth, the platform account, is written
 * after the answer in a batch when `afterReply` is given: IdentityRepository.link).
 */
export class PeopleService {
  constructor(
    private readonly people: PeopleRepository,
    private readonly identities: IdentityRepository,
    private readonly clock: Clock,
  ) {}

  async identify(identity: NewIdentity, fetchProfile: () => Promise<PlatformProfile>, afterReply?: AfterReply): Promise<Person> {
    const known = await this.identities.byKey(identity.key);
    if (known) {
      const person = await this.people.get(known.personId);
      if (person) {
        await this.identities.touch(known, this.clock.now());
        return person;
      }
    }
    const profile = await fetchProfile();
    if (profile.isBot) throw new DomainError('forbidden', 'Bots cannot use Tandem.');
    const given = profile.email?.toLowerCase();
    const email = given && personInputSchema.shape.email.safeParse(given).success ? given : placeholderEmail(identity.key);
    const timeZone = profile.timeZone && timeZoneSchema.safeParse(profile.timeZone).success ? profile.timeZone : 'UTC';
    const { person } = await this.people.findOrCreateByEmail({ name: cleanName(profile.name ?? '') || email.split('@')[0] || 'Someone', email, timeZone });
    await this.identities.link({ ...identity, personId: person.id } as PlatformIdentity, this.clock.now(), afterReply);
    return person;
  }

  /** The person behind a platform identity, without creating anyone. */
  async byIdentityKey(key: string): Promise<Person | null> {
    const identity = await this.identities.byKey(key);
    return identity ? this.people.get(identity.personId) : null;
  }
}
