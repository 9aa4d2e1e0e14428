import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Platform, PlatformIdentity, Team } from '../people/people.types.js';
import type { IdentityRepository, PostedMessageRepository, Reservation } from '../ports.js';
import type { MessageAddress, PlatformChat, SendTarget } from './chat.port.js';
import type { View } from './views.js';

/**
 * How long a worker holds a message key while it sends. Longer than any send takes, rate-limit waits included;
 * a key still `sending` after it belongs to a worker that died, and the next one checks the platform and sends.
 */
export const SEND_LEASE_MS = 30_000;
const BUSY_POLLS = 20;
const BUSY_POLL_MS = 250;
/**
 * How soon after taking a hold (see KeyHold) its fresh holder must start sending: a hold lasts this and a send lease
 * unless it says otherwise, and a holder left with less than a send lease reserves the key as anyone would (its send
 * might outlast the hold, and whoever came after it would not find the message yet).
 */
const HOLD_START_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
   * `identity`: what `reachable` just answered for the person, not read again. `hold`: see KeyHold.
   */
  async dm(personId: string, view: View, key: string, opts: { identity?: PlatformIdentity | null; hold?: KeyHold } = {}): Promise<boolean> {
    const identity = opts.identity ?? (await this.reachable(personId));
    if (!identity) return false;
    const chat = this.chat(identity.platform);
    return (await this.once(key, chat, { kind: 'direct', identity }, () => chat.sendDirect(identity, view, key), opts.hold)) !== false;
  }

  /**
   * As `dm`, for a caller that keeps the address of a send on its fresh hold itself, in a write of its own after the
   * send (an alert's first page, kept with its timeline line): nothing is recorded here and the address is answered.
   * A hold that is not fresh, or too late to send within, goes as `dm` does and answers as it does.
   */
  async dmKept(personId: string, view: View, key: string, opts: { identity: PlatformIdentity; hold: KeyHold }): Promise<boolean | MessageAddress> {
    const chat = this.chat(opts.identity.platform);
    return this.once(key, chat, { kind: 'direct', identity: opts.identity }, () => chat.sendDirect(opts.identity, view, key), opts.hold, true);
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

  /**
   * Rewrites every message sent under `key` on an enabled platform (a disabled one cannot be reached); returns how
   * many were updated. `kept`: the addresses the caller keeps for the key itself (see dmKept); when there are any,
   * they are its copies (a send kept by its caller has no record here).
   */
  async update(key: string, view: View, kept: readonly MessageAddress[] = []): Promise<number> {
    const addresses = kept.length ? kept.filter((a) => this.chats.has(a.platform)) : await this.posted.addresses(key, this.platforms);
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

  /** `keep`: on a fresh hold the caller records the address (see dmKept): answered instead of true. */
  private async once(key: string, chat: PlatformChat, target: SendTarget, send: () => Promise<MessageAddress>, given?: KeyHold, keep = false): Promise<boolean | MessageAddress> {
    const platform = chat.platform;
    const held = given && { ...given, until: holdUntil(given) };
    // A fresh holder too late to send well within its hold reserves the key as anyone would (no hold of its own).
    const hold = held?.fresh && held.until.getTime() - this.clock.now().getTime() < SEND_LEASE_MS ? undefined : held;
    if (!hold?.fresh) {
      const reservation = await this.reserve(key, platform, hold);
      if (reservation.state === 'sent') return false;
      if (reservation.state === 'recovered') {
        const found = await chat.findSent?.(target, key, reservation.since);
        if (found) {
          await this.posted.complete(key, platform, found);
          return false;
        }
      }
    }
    let address: MessageAddress;
    try {
      address = await send();
    } catch (err) {
      if (hold?.fresh) await this.posted.abandon(key, platform, hold.since);
      else await this.posted.release(key, platform);
      throw err;
    }
    if (hold?.fresh && keep) return address;
    if (hold?.fresh) await this.posted.record(key, platform, address, hold.since);
    else await this.posted.complete(key, platform, address);
    return true;
  }

  /** Reserves `key`, waiting a while for a live lease of another worker; throws `unavailable` if it stays busy. */
  private async reserve(key: string, platform: Platform, held: { since: Date; until: Date } | undefined): Promise<Exclude<Reservation, { state: 'busy' }>> {
    let reservation = await this.posted.reserve(key, platform, this.clock.now(), SEND_LEASE_MS, held);
    // A live lease: another worker is sending it right now (it is recorded in a moment), or one that died is
    // holding it (the lease runs out, and a retry of this job takes over).
    for (let poll = 0; reservation.state === 'busy' && poll < BUSY_POLLS; poll += 1) {
      await sleep(BUSY_POLL_MS);
      reservation = await this.posted.reserve(key, platform, this.clock.now(), SEND_LEASE_MS, held);
    }
    if (reservation.state === 'busy') throw new DomainError('unavailable', `the message ${key} is being sent by another worker; try again later`, { retryAt: reservation.leaseUntil });
    return reservation;
  }
}

/**
 * A message key the caller holds through a write of its own rather than a reservation: a check-in's prompt (the
 * check-in, created once per person and week, is written just before its DM), or a new alert's first page (reserved
 * with the alert's insert until its crash-net job is due). The key counts as reserved from `since` until `until`
 * (default: HOLD_START_MS and a send lease after `since`). `fresh`: the caller's write just created the holder, so nothing can have
 * been sent under the key yet and no reservation is needed; the address is recorded after the send (one write
 * instead of a reservation and its completion). Otherwise (a retry of such a send, or anyone else meeting the key)
 * it is reserved as if from `since`: busy until `until`, then recovered (the platform is asked whether it went out).
 */
export interface KeyHold {
  since: Date;
  until?: Date;
  fresh: boolean;
}

const holdUntil = (hold: KeyHold): Date => hold.until ?? new Date(hold.since.getTime() + HOLD_START_MS + SEND_LEASE_MS);
