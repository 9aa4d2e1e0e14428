import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageAddress, PlatformChat } from '../../src/core/chat/chat.port.js';
import { Interactions } from '../../src/core/chat/interactions.js';
import { Messenger, SEND_LEASE_MS } from '../../src/core/chat/messenger.js';
import { v, type View } from '../../src/core/chat/views.js';
import { OffsetClock } from '../../src/core/clock.js';
import { DomainError } from '../../src/core/errors.js';
import { PeopleService } from '../../src/core/people/people.service.js';
import { identityKey, type PlatformIdentity } from '../../src/core/people/people.types.js';
import { createStore, type Store } from '../../src/store/index.js';
import { syncIndexes } from '../../src/store/models.js';
import { dropDatabases } from '../../src/store/databases.js';
import { isolatedNames } from '../support/stack.js';

/** Records what the core asked a platform to do; the platform edge is the only thing faked here. */
class RecordingChat implements PlatformChat {
  readonly platform = 'console' as const;
  sent: { to: string; view: View }[] = [];
  updated: { address: MessageAddress; view: View }[] = [];
  failNext = false;
  async sendDirect(identity: PlatformIdentity, view: View): Promise<MessageAddress> {
    await new Promise((r) => setTimeout(r, 5));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('platform down');
    }
    this.sent.push({ to: identity.key, view });
    return { platform: 'console', channel: `dm-${identity.personId}`, messageId: String(this.sent.length) };
  }
  async postToChannel(): Promise<MessageAddress | null> {
    return null;
  }
  async update(address: MessageAddress, view: View): Promise<void> {
    this.updated.push({ address, view });
  }
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('core chat over the real store', () => {
  let conn: mongoose.Connection;
  let store: Store;
  const clock = new OffsetClock();

  beforeAll(async () => {
    conn = await mongoose.createConnection(isolatedNames('chat').mongoUri).asPromise();
    store = createStore(conn);
    await syncIndexes(conn);
  });
  afterAll(async () => {
    await dropDatabases(conn);
    await conn.close();
  });

  /** A person reachable on the console, and a Messenger sending through a chat that records what it is asked. */
  async function reachablePerson(name: string) {
    const person = await store.people.create({ name, email: `${name.toLowerCase()}@example.com` });
    await store.identities.link({ platform: 'console', personId: person.id, key: identityKey.console(person.id) });
    const chat = new RecordingChat();
    const messenger = new Messenger(store.identities, store.postedMessages, clock);
    messenger.register(chat);
    return { person, chat, messenger };
  }

  it('sends a DM once per key, even when asked concurrently, and updates it in place', async () => {
    const { person, chat, messenger } = await reachablePerson('Ana');

    const results = await Promise.all(Array.from({ length: 10 }, () => messenger.dm(person.id, v.view('hi'), 'greeting:ana')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(chat.sent).toHaveLength(1);

    expect(await messenger.update('greeting:ana', v.view('hi again'))).toBe(1);
    expect(chat.updated[0]?.address).toEqual({ platform: 'console', channel: `dm-${person.id}`, messageId: '1' });
  });

  it('frees the key when sending fails, so a retry sends', async () => {
    const { person, chat, messenger } = await reachablePerson('Bo');
    chat.failNext = true;
    await expect(messenger.dm(person.id, v.view('x'), 'retry:bo')).rejects.toThrow('platform down');
    expect(await messenger.dm(person.id, v.view('x'), 'retry:bo')).toBe(true);
    expect(chat.sent).toHaveLength(1);
  });

  it('a key held by a fresh write: sent without a reservation, recorded once; a failed send leaves it to a retry at once', async () => {
    const { person, chat, messenger } = await reachablePerson('Di');
    const since = clock.now();
    expect(await messenger.dm(person.id, v.view('x'), 'held:di', { hold: { since, fresh: true } })).toBe(true);
    expect(await messenger.addresses('held:di')).toEqual([{ platform: 'console', channel: `dm-${person.id}`, messageId: '1' }]);
    // A retry of the same send finds it recorded.
    expect(await messenger.dm(person.id, v.view('x'), 'held:di', { hold: { since, fresh: false } })).toBe(false);

    chat.failNext = true;
    await expect(messenger.dm(person.id, v.view('x'), 'held:di:2', { hold: { since, fresh: true } })).rejects.toThrow('platform down');
    // The failure is recorded as a lapsed reservation: the retry does not wait out the holder's lease.
    expect(await messenger.dm(person.id, v.view('x'), 'held:di:2', { hold: { since, fresh: false } })).toBe(true);
    expect(chat.sent).toHaveLength(2);
  });

  it('a retry of a held key waits out the holder\'s lease, then takes it over once', async () => {
    const since = clock.now();
    const later = (ms: number) => new Date(since.getTime() + ms);
    const held = { since, until: later(SEND_LEASE_MS) };
    // The holder may be sending: busy until its lease ends, for every retry.
    expect(await store.postedMessages.reserve('held:lease', 'console', later(1_000), SEND_LEASE_MS, held)).toEqual({ state: 'busy', leaseUntil: later(SEND_LEASE_MS) });
    expect(await store.postedMessages.reserve('held:lease', 'console', later(2_000), SEND_LEASE_MS, held)).toMatchObject({ state: 'busy' });
    // After it, exactly one of several retries takes the key over, asking the platform from the holder's start.
    const after = later(SEND_LEASE_MS + 1);
    const results = await Promise.all(Array.from({ length: 5 }, () => store.postedMessages.reserve('held:lease', 'console', after, SEND_LEASE_MS, held)));
    expect(results.filter((r) => r.state === 'recovered')).toEqual([{ state: 'recovered', since }]);
    // A retry that is the first to come after the lease takes it over at once.
    expect(await store.postedMessages.reserve('held:late', 'console', after, SEND_LEASE_MS, held)).toEqual({ state: 'recovered', since });
    expect(await store.postedMessages.reserve('held:late', 'console', after, SEND_LEASE_MS, held)).toMatchObject({ state: 'busy' });
  });

  it('does not DM someone with no identity on an enabled platform', async () => {
    const person = await store.people.create({ name: 'Cy', email: 'cy@example.com' });
    const messenger = new Messenger(store.identities, store.postedMessages, clock);
    messenger.register(new RecordingChat());
    expect(await messenger.dm(person.id, v.view('x'), 'nobody:cy')).toBe(false);
  });

  it('identifies a platform user by id, then by email, else creates them once', async () => {
    const people = new PeopleService(store.people, store.identities, clock);
    let lookups = 0;
    const profile = async () => {
      lookups += 1;
      return { name: 'Dee Example', email: 'DEE@example.com', timeZone: 'America/New_York' };
    };
    const slack = { platform: 'slack' as const, key: identityKey.slack('T1', 'U1'), teamId: 'T1', userId: 'U1' };
    const [a, b] = await Promise.all([people.identify(slack, profile), people.identify(slack, profile)]);
    expect(a.id).toBe(b.id);
    expect(a).toMatchObject({ email: 'dee@example.com', timeZone: 'America/New_York', name: 'Dee Example' });
    const again = await people.identify(slack, profile);
    expect(again.id).toBe(a.id);
    expect(lookups).toBe(2); // the third call found the identity without asking the platform

    const teams = { platform: 'teams' as const, key: identityKey.teams('tn', 'aad-1'), tenantId: 'tn', aadObjectId: 'aad-1', userId: '29:1' };
    const sameByEmail = await people.identify(teams, profile);
    expect(sameByEmail.id).toBe(a.id);
    expect((await store.identities.ofPerson(a.id)).map((i) => i.platform).sort()).toEqual(['slack', 'teams']);
  });

  it('takes whatever a platform profile holds: no email, a malformed one, a long id, a name with control characters', async () => {
    const people = new PeopleService(store.people, store.identities, clock);
    const longId = `29:${'x'.repeat(400)}`;
    const teams = { platform: 'teams' as const, key: identityKey.teams('tn', `.${longId}.`), tenantId: 'tn', aadObjectId: `.${longId}.`, userId: longId };
    const a = await people.identify(teams, async () => ({ name: `Zed\u0007 ${'Z'.repeat(300)}` }));
    expect(a.email).toMatch(/^[a-z0-9.]{1,40}\.[0-9a-f]{12}@unknown\.invalid$/);
    expect(a.name.startsWith('Zed Z')).toBe(true);
    expect(a.name.length).toBeLessThanOrEqual(200);
    const slack = { platform: 'slack' as const, key: identityKey.slack('T1', 'U7'), teamId: 'T1', userId: 'U7' };
    const b = await people.identify(slack, async () => ({ name: 'Yan', email: 'not an email' }));
    expect(b.email).toMatch(/@unknown\.invalid$/);
    expect(b.id).not.toBe(a.id);
    // A tenant whose readable form is cut right after a separator (`teams.` + 33 characters, then a `!`): no `..` before the hash.
    const cut = { platform: 'teams' as const, key: identityKey.teams(`${'x'.repeat(33)}!${'y'.repeat(10)}`, 'aad'), tenantId: 'cut', aadObjectId: 'aad', userId: '29:cut' };
    const c = await people.identify(cut, async () => ({ name: 'Cut' }));
    expect(c.email).toMatch(/^teams\.x{33}\.[0-9a-f]{12}@unknown\.invalid$/);
  });

  it('refuses bots and keeps bad platform time zones out', async () => {
    const people = new PeopleService(store.people, store.identities, clock);
    const bot = { platform: 'slack' as const, key: identityKey.slack('T1', 'B1'), teamId: 'T1', userId: 'B1' };
    await expect(people.identify(bot, async () => ({ name: 'bot', isBot: true }))).rejects.toMatchObject({ code: 'forbidden' });
    const odd = { platform: 'slack' as const, key: identityKey.slack('T1', 'U9'), teamId: 'T1', userId: 'U9' };
    const p = await people.identify(odd, async () => ({ name: 'Eve', timeZone: 'Mars/Olympus' }));
    expect(p.timeZone).toBe('UTC');
    expect(p.email).toMatch(/@unknown\.invalid$/);
  });

  it('routes commands, actions and forms, and turns errors into clear private replies', async () => {
    const actor = await store.people.create({ name: 'Fay', email: 'fay@example.com' });
    const ctx = { actor, platform: 'console' as const };
    const interactions = new Interactions(silent);
    interactions
      .command('kudos', 'give kudos', async (_c, args) => ({ kind: 'public', view: v.view(`kudos ${args}`) }))
      .command('tandem', 'help', async (_c, args) => ({ kind: 'private', view: v.view(`tandem ${args}`) }))
      .action('demo', async (_c, id, value) => {
        if (value === 'boom') throw new Error('kaput');
        if (value === 'no') throw new DomainError('forbidden', 'Only managers can do that.');
        return { kind: 'update', view: v.view(`${id}=${value}`) };
      });

    expect(await interactions.commandFromText(ctx, 'kudos @x for y')).toEqual({ kind: 'public', view: v.view('kudos @x for y') });
    expect(await interactions.commandFromText(ctx, '/tandem checkin history')).toEqual({ kind: 'private', view: v.view('tandem checkin history') });
    expect(await interactions.commandFromText(ctx, 'help')).toEqual({ kind: 'private', view: v.view('tandem help') });
    expect(await interactions.runAction(ctx, 'demo.ok', '1')).toEqual({ kind: 'update', view: v.view('demo.ok=1') });
    expect(await interactions.runAction(ctx, 'demo.ok', 'no')).toMatchObject({ kind: 'private', view: { text: 'Only managers can do that.' } });
    expect(await interactions.runAction(ctx, 'demo.ok', 'boom')).toMatchObject({ kind: 'private', view: { text: 'Something went wrong' } });
    expect(await interactions.runAction(ctx, 'gone.x', undefined)).toMatchObject({ kind: 'private', view: { text: 'That button no longer works.' } });
    expect(await interactions.submitForm(ctx, 'nope', {}, undefined)).toMatchObject({ kind: 'private' });
  });
});
