import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Platform, PlatformIdentity, Team } from '../people/people.types.js';
import type { IdentityRepository, PostedMessageRepository } from '../ports.js';
import type { MessageAddress, PlatformChat, SendTarget } from './chat.port.js';
import type { View } from './views.js';

/**
 * How long a worker holds a message key while it sends. Longer than any send takes, rate-limit waits included;
 * a key still `sending` after it belongs to a worker that died, and the next one checks the platform and sends.
 */
export const SEND_LEASE_MS = 30_000;
const BUSY_POLLS = 20;
const BUSY_POLL_MS = 250;
/** The longest wait for a carried lease to end (see CarriedLease): longer than any, shorter than a clock that does not move. */
const CARRIED_WAIT_MAX_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A message's reservation carried on the record that asks for it instead of in the posted messages: a new alert's
 * first page is reserved with the alert's insert, from `since` until `until`. Its `held` holder (the process that
 * inserted it) sends without a reservation of its own and records the message once sent; anyone else treats the
 * key as reserved until `until`, and after it as a reservation whose holder may have died (it looks on the
 * platform first, as for a lease run out).
 */
export interface CarriedLease {
  since: Date;
  until: Date;
  held: boolean;
}

/**
 * The core's way to reach people: DM a person, post to a team, update what
 * was posted. Every message is sent under a domain key (e.g.
 * `checkin.prompt:<person>:<2026-W47>`): sending twice under one key sends
 * once, and `update(key)` rewrites every copy in place.
 *
 * Delivery is at least once, with detection: a key is reserved with a lease before sending and recorded after.
 * A worker killed in between leaves a `sending` reservation; whoever meets it after the lease asks the platform
 * whether the message went out (Slack: the key in the message's metadata; the console: its own store) and
 * records or sends it. Where the platform cannot tell (Teams), it sends again: the only window for a duplicate.
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
    // Only the enabled platforms are read: a fan-out DMs thousands of people, each read a round trip.
    const ids = await this.identities.ofPerson(personId, this.platforms);
    ids.sort((a, b) => (b.lastSeenAt?.getTime() ?? 0) - (a.lastSeenAt?.getTime() ?? 0));
    return ids[0] ?? null;
  }

  /**
   * DMs a person once per key. Returns false when the key was already sent or the person is unreachable.
   * `identity`: what `reachable` just answered for the person, not read again; `lease`: the key's carried reservation.
   */
  async dm(personId: string, view: View, key: string, identity: PlatformIdentity | null = null, lease?: CarriedLease): Promise<boolean> {
    identity ??= await this.reachable(personId);
    if (!identity) return false;
    const chat = this.chat(identity.platform);
    const send = () => chat.sendDirect(identity, view, key);
    if (!lease?.held) return this.once(key, chat, { kind: 'direct', identity }, send, lease);
    // A send started this late might outlast the carried lease: its holder reserves the key as anyone would.
    if (this.clock.now().getTime() + SEND_LEASE_MS > lease.until.getTime()) return this.once(key, chat, { kind: 'direct', identity }, send);
    return this.sendHeld(key, chat.platform, lease, send);
  }

  /** Posts to the team's channel on every platform it has one on, once per key. */
  async post(team: Team, view: View, key: string): Promise<number> {
    let sent = 0;
    for (const chat of this.chats.values()) {
      if (!team.channels[chat.platform]) continue;
      const ok = await this.once(key, chat, { kind: 'channel', channels: team.channels }, async () => {
        const address = await chat.postToChannel(team.channels, view, key);
        if (!address) throw new DomainError('not_found', `team ${team.name} has no ${chat.platform} channel`);
        return address;
      });
      if (ok) sent += 1;
    }
    return sent;
  }

  /** Rewrites every message sent under `key` on an enabled platform (a disabled one cannot be reached); returns how many were updated. */
  async update(key: string, view: View): Promise<number> {
    const addresses = await this.posted.addresses(key, this.platforms);
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

  /** Sends under a carried reservation held here: no reservation written first, the message recorded once sent. */
  private async sendHeld(key: string, platform: Platform, lease: CarriedLease, send: () => Promise<MessageAddress>): Promise<boolean> {
    let address: MessageAddress;
    try {
      address = await send();
    } catch (err) {
      // A retry then takes the key over at once (and looks on the platform first) instead of waiting for `until`.
      await this.posted.abandon(key, platform, lease.since);
      throw err;
    }
    await this.posted.recordSent(key, platform, address, lease.since);
    return true;
  }

  private async once(key: string, chat: PlatformChat, target: SendTarget, send: () => Promise<MessageAddress>, lease?: CarriedLease): Promise<boolean> {
    const platform = chat.platform;
    let reservation = await this.posted.reserve(key, platform, this.clock.now(), SEND_LEASE_MS);
    if (reservation.state === 'reserved' && lease) {
      // Nothing recorded, but the key's holder may be sending it without a record (see CarriedLease): wait for its
      // lease to end (once: a clock that does not move must not hold this forever), then take the key over.
      const wait = lease.until.getTime() - this.clock.now().getTime();
      if (wait > 0) {
        await this.posted.release(key, platform);
        await sleep(Math.min(wait, CARRIED_WAIT_MAX_MS));
        reservation = await this.posted.reserve(key, platform, this.clock.now(), SEND_LEASE_MS);
      }
      if (reservation.state === 'reserved') reservation = { state: 'recovered', since: lease.since };
    }
    // A live lease: another worker is sending it right now (it is recorded in a moment), or one that died is
    // holding it (the lease runs out, and a retry of this job takes over).
    for (let poll = 0; reservation.state === 'busy' && poll < BUSY_POLLS; poll += 1) {
      await sleep(BUSY_POLL_MS);
      reservation = await this.posted.reserve(key, platform, this.clock.now(), SEND_LEASE_MS);
    }
    switch (reservation.state) {
      case 'sent':
        return false;
      case 'busy':
        throw new DomainError('unavailable', `the message ${key} is being sent by another worker; try again later`);
      case 'recovered': {
        const found = await chat.findSent?.(target, key, reservation.since);
        if (found) {
          await this.posted.complete(key, platform, found);
          return false;
        }
        break;
      }
      case 'reserved':
        break;
    }
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
