import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageAddress, PlatformChat } from '../../src/core/chat/chat.port.js';
import type { View } from '../../src/core/chat/views.js';
import type { Clock } from '../../src/core/clock.js';
import { identityKey, type Person, type PlatformIdentity, type Team } from '../../src/core/people/people.types.js';
import { startTestTandem } from '../support/stack.js';

const clock: Clock = { now: () => new Date('2026-11-30T18:00:00Z') };

/** The platform edge, whose channel post fails once. */
class FlakyChannelChat implements PlatformChat {
  readonly platform = 'console' as const;
  dms: View[] = [];
  posts: View[] = [];
  updates: { address: MessageAddress; view: View }[] = [];
  failNextPost = true;
  async sendDirect(identity: PlatformIdentity, view: View): Promise<MessageAddress> {
    this.dms.push(view);
    return { platform: 'console', channel: `dm-${identity.personId}`, messageId: `d${this.dms.length}` };
  }
  async postToChannel(_channels: Team['channels'], view: View): Promise<MessageAddress | null> {
    if (this.failNextPost) {
      this.failNextPost = false;
      throw new Error('channel_not_reachable');
    }
    this.posts.push(view);
    return { platform: 'console', channel: 'platform', messageId: `c${this.posts.length}` };
  }
  async update(address: MessageAddress, view: View): Promise<void> {
    this.updates.push({ address, view });
  }
}

/**
 * A team summary goes to the manager and the channel. When the DM went out
 * and the channel post failed, the retry (the close job's next attempt) must
 * post to the channel, not only rewrite the DM: the CI run that lost the
 * console's channel summary had the earlier code, which saw "already sent"
 * and only updated.
 */
describe('team summary after a half-finished send', () => {
  const chat = new FlakyChannelChat();
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let team: Team;
  let ana: Person;

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false' }, { clock });
    tandem.core.messenger.register(chat);
    const mia = await tandem.store.people.create({ name: 'Mia', email: 'mia@example.com', timeZone: 'Europe/Berlin' });
    ana = await tandem.store.people.create({ name: 'Ana', email: 'ana@example.com', timeZone: 'Europe/Berlin', managerId: mia.id });
    for (const p of [mia, ana]) await tandem.store.identities.link({ platform: 'console', personId: p.id, key: identityKey.console(p.id) });
    team = await tandem.store.teams.create({ name: 'Platform', managerId: mia.id, memberIds: [ana.id], channels: { console: { channelId: 'platform' } } });
    await tandem.core.checkins.updateSettings(team.id, { summary: { managerDm: true, teamChannel: true } });
    const { checkin } = await tandem.store.checkins.createOnce({
      personId: ana.id,
      teamId: team.id,
      period: '2026-W48',
      timeZone: 'Europe/Berlin',
      questions: [],
      previousPriorities: null,
      promptedAt: new Date('2026-11-27T14:00:00Z'),
      deadlineAt: new Date('2026-11-30T11:00:00Z'),
    });
    await tandem.store.checkins.update(checkin.id, ['pending'], { status: 'answered', answers: { progress: 'Shipped it' }, answeredAt: clock.now() }, clock.now());
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('posts to the channel on the retry and updates the DM it already sent', async () => {
    await expect(tandem.core.checkins.summarise(team.id, '2026-W48')).rejects.toThrow();
    expect(chat.dms).toHaveLength(1);
    expect(chat.posts).toHaveLength(0);

    expect(await tandem.core.checkins.summarise(team.id, '2026-W48')).toBe('updated');
    expect(chat.dms).toHaveLength(1);
    expect(chat.posts).toHaveLength(1);
    expect(chat.posts[0]!.text).toContain('Platform');
    expect(chat.updates.map((u) => u.address.messageId)).toEqual(['d1']);

    // Once both are out, a third run only rewrites both in place.
    expect(await tandem.core.checkins.summarise(team.id, '2026-W48')).toBe('updated');
    expect(chat.posts).toHaveLength(1);
    expect(chat.updates.map((u) => u.address.messageId)).toEqual(['d1', 'd1', 'c1']);
  });
});
