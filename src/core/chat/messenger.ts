import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Platform, PlatformIdentity, Team } from '../people/people.types.js';
import type { IdentityRepository, PostedMessageRepository } from '../ports.js';
import type { MessageAddress, PlatformChat } from './chat.port.js';
import type { View } from './views.js';

/**
 * The core's way to reach people: DM a person, post to a team, update what
 * was posted. Every message is sent under a domain key (e.g.
 * `checkin.prompt:<person>:<2026-W47>`): sending twice under one key sends
 * once, and `update(key)` rewrites every copy in place.
 */
export class Messenger {
  private readonly chats = new Map<Platform, PlatformChat>();

  constructor(
    private readonly identities: IdentityRepository,
    private readonly posted: PostedMessageRepository,
    private readonly clock: Clock,
  ) {}

  register(chat: PlatformChat): void {
    this.chats.set(chat.platform, chat);
  }

  get platforms(): Platform[] {
    return [...this.chats.keys()];
  }

  /**
   * The identity to DM a person on: the most recently seen one on an enabled
   * platform. Null when the person cannot be reached anywhere.
   */
  async reachable(personId: string): Promise<PlatformIdentity | null> {
    const ids = (await this.identities.ofPerson(personId)).filter((i) => this.chats.has(i.platform));
    ids.sort((a, b) => (b.lastSeenAt?.getTime() ?? 0) - (a.lastSeenAt?.getTime() ?? 0));
    return ids[0] ?? null;
  }

  /** DMs a person once per key. Returns false when the key was already sent or the person is unreachable. */
  async dm(personId: string, view: View, key: string): Promise<boolean> {
    const identity = await this.reachable(personId);
    if (!identity) return false;
    const chat = this.chat(identity.platform);
    return this.once(key, identity.platform, () => chat.sendDirect(identity, view));
  }

  /** Posts to the team's channel on every platform it has one on, once per key. */
  async post(team: Team, view: View, key: string): Promise<number> {
    let sent = 0;
    for (const chat of this.chats.values()) {
      if (!team.channels[chat.platform]) continue;
      const ok = await this.once(key, chat.platform, async () => {
        const address = await chat.postToChannel(team.channels, view);
        if (!address) throw new DomainError('not_found', `team ${team.name} has no ${chat.platform} channel`);
        return address;
      });
      if (ok) sent += 1;
    }
    return sent;
  }

  /** Rewrites every message sent under `key`; returns how many were updated. */
  async update(key: string, view: View): Promise<number> {
    const addresses = await this.posted.addresses(key);
    for (const address of addresses) await this.chat(address.platform).update(address, view);
    return addresses.length;
  }

  /** Sends under `key` unless already sent; posts again if nothing was recorded, otherwise updates. */
  async upsert(personId: string, view: View, key: string): Promise<void> {
    if ((await this.update(key, view)) === 0) await this.dm(personId, view, key);
  }

  async addresses(key: string): Promise<MessageAddress[]> {
    return this.posted.addresses(key);
  }

  private chat(platform: Platform): PlatformChat {
    const chat = this.chats.get(platform);
    if (!chat) throw new DomainError('unavailable', `${platform} is not enabled`);
    return chat;
  }

  private async once(key: string, platform: Platform, send: () => Promise<MessageAddress>): Promise<boolean> {
    if (!(await this.posted.reserve(key, platform, this.clock.now()))) return false;
    let address: MessageAddress;
    try {
      address = await send();
    } catch (err) {
      await this.posted.release(key, platform);
      throw err;
    }
    await this.posted.complete(key, platform, address);
    return true;
  }
}
