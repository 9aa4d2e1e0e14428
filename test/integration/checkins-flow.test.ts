import { Redis } from 'ioredis';
import client from 'prom-client';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionContext } from '../../src/core/chat/interactions.js';
import type { MessageAddress, PlatformChat, Reply } from '../../src/core/chat/chat.port.js';
import type { Form, View } from '../../src/core/chat/views.js';
import type { Clock } from '../../src/core/clock.js';
import { identityKey, type Person, type PlatformIdentity, type Team } from '../../src/core/people/people.types.js';
import { checkinJobs } from '../../src/core/checkins/checkins.jobs.js';
import { registerJobs } from '../../src/jobs/register.js';
import { Jobs } from '../../src/jobs/scheduler.js';
import { hashToken } from '../../src/http/admin/tokens.js';
import { MongoCheckinRepository } from '../../src/store/checkins.repository.js';
import { recordFilters, watchedConnection } from '../support/scans.js';
import { startTestTandem } from '../support/stack.js';

/** A clock the test sets by hand. */
class HandClock implements Clock {
  constructor(private at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
  set(iso: string): void {
    this.at = new Date(iso);
  }
}

/** The platform edge: records what Tandem sent and updated (Slack/Teams HTTP paths are in checkins-platforms). */
class RecordingChat implements PlatformChat {
  readonly platform = 'console' as const;
  sent: { to: string; view: View; address: MessageAddress }[] = [];
  updated: { address: MessageAddress; view: View }[] = [];
  failNextFor: string | null = null;
  async sendDirect(identity: PlatformIdentity, view: View): Promise<MessageAddress> {
    if (this.failNextFor === identity.personId) {
      this.failNextFor = null;
      throw new Error('platform down');
    }
    const address = { platform: 'console' as const, channel: `dm-${identity.personId}`, messageId: String(this.sent.length + 1) };
    this.sent.push({ to: identity.personId, view, address });
    return address;
  }
  async postToChannel(): Promise<MessageAddress | null> {
    return { platform: 'console', channel: 'team-channel', messageId: `c${this.sent.length + 1}` };
  }
  async update(address: MessageAddress, view: View): Promise<void> {
    this.updated.push({ address, view });
  }
  to(personId: string): View[] {
    return this.sent.filter((s) => s.to === personId).map((s) => s.view);
  }
}

const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
};
const flat = (view: View) => [view.text, ...view.blocks.map((b) => JSON.stringify(b))].join('\n');

describe('weekly check-ins on the real stack', () => {
  const clock = new HandClock(new Date('2026-11-26T12:00:00Z'));
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  const chat = new RecordingChat();
  let mia: Person;
  let ana: Person;
  let raj: Person;
  let lena: Person;
  let team: Team;
  const ctx = (actor: Person): InteractionContext => ({ actor, platform: 'console', conversation: { kind: 'direct', id: `dm-${actor.id}` } });

  /** What the demo clock does: promote the delayed jobs that are due by the clock. */
  async function promote(name: string, match: (data: Record<string, unknown>) => boolean = () => true): Promise<number> {
    const jobs = await tandem.jobs.queue('checkins').getDelayed();
    let n = 0;
    for (const job of jobs) {
      if (job.name === name && match(job.data as Record<string, unknown>)) {
        await job.promote();
        n += 1;
      }
    }
    return n;
  }
  const idle = () =>
    until(async () => {
      const counts = await tandem.jobs.queue('checkins').getJobCounts('waiting', 'active', 'prioritized');
      return (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0) === 0;
    });
  const promptsTo = (p: Person) => chat.to(p.id).filter((v) => v.text.startsWith('Your weekly check-in'));

  beforeAll(async () => {
    // Only the recording edge below: the platform adapters have their own tests (checkins-platforms).
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false' }, { clock });
    tandem.core.messenger.register(chat);
    const people = tandem.store.people;
    mia = await people.create({ name: 'Mia Manager', email: 'mia@example.com', timeZone: 'Europe/Berlin', roles: ['manager'] });
    ana = await people.create({ name: 'Ana', email: 'ana@example.com', timeZone: 'America/New_York', managerId: mia.id });
    raj = await people.create({ name: 'Raj', email: 'raj@example.com', timeZone: 'Asia/Kolkata', managerId: mia.id });
    lena = await people.create({ name: 'Lena', email: 'lena@example.com', timeZone: 'Europe/Berlin', managerId: mia.id });
    for (const p of [mia, ana, raj, lena]) await tandem.store.identities.link({ platform: 'console', personId: p.id, key: identityKey.console(p.id) });
    team = await tandem.store.teams.create({ name: 'Platform', managerId: mia.id, memberIds: [ana.id, raj.id, lena.id] });
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('serves defaults, validates settings, and keeps one daily scheduler per member time zone at the prompt time', async () => {
    const defaults = await tandem.core.checkins.settings(team.id);
    expect(defaults).toMatchObject({ promptDay: 5, promptTime: '15:00', deadline: { day: 1, time: '12:00' }, reminders: { afterHours: 4, nextMorning: true } });
    expect(defaults.questions.map((q) => q.id)).toEqual(['progress', 'obstacles', 'priorities', 'mood']);
    await expect(tandem.core.checkins.updateSettings(team.id, { promptTime: '3pm' })).rejects.toMatchObject({ code: 'validation' });

    const saved = await tandem.core.checkins.updateSettings(team.id, { promptTime: '16:00' });
    expect(saved.schedulers).toEqual([`checkin:${team.id}:America/New_York`, `checkin:${team.id}:Asia/Kolkata`, `checkin:${team.id}:Europe/Berlin`]);
    const schedulers = await tandem.jobs.queue('checkins').getJobSchedulers();
    const ours = schedulers.filter((s) => s.key.startsWith(`checkin|${team.id}`));
    expect(ours.map((s) => [s.tz, s.pattern]).sort()).toEqual([
      ['America/New_York', '0 16 * * *'],
      ['Asia/Kolkata', '0 16 * * *'],
      ['Europe/Berlin', '0 16 * * *'],
    ]);
    // Back to the defaults; a team emptied of a zone loses that scheduler without a restart.
    await tandem.core.checkins.updateSettings(team.id, {});
    await tandem.store.teams.update(team.id, { memberIds: [raj.id, lena.id] });
    expect(await tandem.core.checkins.reconcileTeam(team.id)).toEqual([`checkin:${team.id}:Asia/Kolkata`, `checkin:${team.id}:Europe/Berlin`]);
    expect((await tandem.jobs.queue('checkins').getJobSchedulers()).filter((s) => s.key.startsWith(`checkin|${team.id}`))).toHaveLength(2);
    await tandem.store.teams.update(team.id, { memberIds: [ana.id, raj.id, lena.id] });
    await tandem.core.checkins.reconcileTeam(team.id);
    const next = (await tandem.jobs.queue('checkins').getJobSchedulers()).filter((s) => s.key.startsWith(`checkin|${team.id}`));
    expect(next.map((s) => s.pattern)).toEqual(['0 15 * * *', '0 15 * * *', '0 15 * * *']);
    // BullMQ's own next run of each scheduler is at 15:00 on the wall clock of its zone.
    for (const s of next) expect(DateTime.fromMillis(Number(s.next), { zone: s.tz ?? 'UTC' }).toFormat('HH:mm')).toBe('15:00');
  });

  it('prompts each person at Friday 15:00 in their own zone, once, even with a retried job and a second worker', async () => {
    // Friday 2026-11-27 15:00 in Kolkata is 09:30 UTC; Berlin and New York are not due yet.
    clock.set('2026-11-27T09:30:00Z');
    expect(await promote('checkin.fire')).toBe(3);
    await until(() => promptsTo(raj).length === 1);
    await idle();
    expect(promptsTo(lena)).toHaveLength(0);
    expect(promptsTo(ana)).toHaveLength(0);

    clock.set('2026-11-27T14:00:00Z');
    await promote('checkin.fire', (d) => d.timeZone === 'Europe/Berlin');
    await until(() => promptsTo(lena).length === 1);

    // A second process's worker on the same queue, then the same prompt job again and two direct retries.
    const redis = new Redis(tandem.config.REDIS_URL, { maxRetriesPerRequest: null });
    const second = new Jobs(redis, { prefix: tandem.config.QUEUE_PREFIX, logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }, clock, registry: new client.Registry() });
    await registerJobs(second, [checkinJobs(tandem.core.checkins)]);
    second.start({ checkins: 4 });
    try {
      clock.set('2026-11-27T20:00:00Z');
      // The platform fails Ana's first DM: the prompt job fails and BullMQ retries it.
      chat.failNextFor = ana.id;
      await promote('checkin.fire', (d) => d.timeZone === 'America/New_York');
      await until(() => chat.failNextFor === null);
      await Promise.all([
        tandem.core.checkins.prompt(ana.id, team.id, '2026-W48'),
        tandem.core.checkins.prompt(ana.id, team.id, '2026-W48'),
        tandem.jobs.enqueue('checkin.prompt', { personId: ana.id, teamId: team.id, period: '2026-W48' }, { jobId: `checkin.prompt:${ana.id}:2026-W48:retry` }),
      ]);
      await until(() => promptsTo(ana).length >= 1);
      await idle();
      const failed = await tandem.jobs.queue('checkins').getJob(`checkin.prompt|${ana.id}|2026-W48`);
      expect(failed?.attemptsMade).toBeGreaterThanOrEqual(1);
    } finally {
      await second.close();
      redis.disconnect();
    }
    expect(promptsTo(ana)).toHaveLength(1);
    expect(promptsTo(raj)).toHaveLength(1);
    expect(promptsTo(lena)).toHaveLength(1);
    expect((await tandem.core.checkins.list({ limit: 10, teamId: team.id })).items).toHaveLength(3);
    // Firing again later the same day finds nobody new.
    expect(await tandem.core.checkins.fire(team.id, 'America/New_York')).toBe(0);
    // The firing's read: whether each member's check-in exists, in one find by _id $in, which the local FerretDB
    // serves from its _id index (scripts/stack.sh) instead of reading every check-in of every team.
    const conn = await watchedConnection(tandem.config.MONGODB_URI);
    try {
      const keys = [ana, raj, lena, mia, ana].map((p) => ({ personId: p.id, period: '2026-W48' }));
      const checkins = new MongoCheckinRepository(conn);
      // Mongoose creates the models' collections on a new connection first: not part of the read.
      await Promise.all(conn.modelNames().map((name) => conn.model(name).init()));
      const { result, commands, filters } = await recordFilters(conn, () => checkins.exist(keys));
      expect(result).toEqual([true, true, true, false, true]);
      expect(commands).toEqual(['find checkins']);
      const info = await conn.db!.admin().command({ buildInfo: 1 });
      if ('ferretdbVersion' in info) {
        const explained = await conn.db!.command({ explain: { find: 'checkins', filter: filters[0]!.filter } });
        expect(JSON.stringify(explained.queryPlanner), 'FerretDB scans check-ins for an _id $in: was it built by scripts/stack.sh?').toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
      }
    } finally {
      await conn.close();
    }
    const prompt = promptsTo(ana)[0]!;
    expect(prompt.blocks.find((b) => b.type === 'actions')).toMatchObject({ elements: [{ actionId: 'checkin.open' }, { actionId: 'checkin.snooze' }, { actionId: 'checkin.skip' }] });
    expect(flat(prompt)).toContain('first check-in');
  });

  it('answers with the form, updates the prompt in place, and stops reminders after the answer', async () => {
    const c = await tandem.store.checkins.byPersonPeriod(lena.id, '2026-W48');
    const opened = await tandem.core.interactions.runAction(ctx(lena), 'checkin.open', c!.id);
    expect(opened.kind).toBe('form');
    const form = (opened as Extract<Reply, { kind: 'form' }>).form as Form;
    expect(form.blocks.filter((b) => b.type === 'input').map((b) => (b as { id: string }).id)).toEqual(['progress', 'obstacles', 'needs_help', 'priorities', 'mood']);

    const bad = await tandem.core.interactions.submitForm(ctx(lena), 'checkin.answer', { progress: '', mood: '9' }, form.metadata);
    expect(bad).toEqual({ kind: 'form_errors', errors: expect.objectContaining({ progress: expect.any(String), priorities: expect.any(String), mood: expect.stringContaining('1') }) });

    const ok = await tandem.core.interactions.submitForm(
      ctx(lena),
      'checkin.answer',
      { progress: 'Shipped the billing export', obstacles: 'none', priorities: 'Invoices v2', mood: '4' },
      form.metadata,
    );
    expect(ok.kind).toBe('update');
    const promptAddress = chat.sent.find((s) => s.to === lena.id)!.address;
    expect(chat.updated.some((u) => u.address.messageId === promptAddress.messageId && u.view.text.includes('is in'))).toBe(true);

    // Lena's 4-hour reminder fires (promoted, as the demo clock does): nothing is sent. Ana's does send.
    clock.set('2026-11-28T01:00:00Z');
    const before = chat.sent.length;
    await promote('checkin.remind', (d) => d.checkinId === c!.id);
    const anaCheckin = await tandem.store.checkins.byPersonPeriod(ana.id, '2026-W48');
    await promote('checkin.remind', (d) => d.checkinId === anaCheckin!.id && d.n === 1);
    await until(() => chat.to(ana.id).some((v) => v.text.startsWith('Reminder')));
    await idle();
    expect(chat.sent.slice(before).map((s) => s.to)).toEqual([ana.id]);
  });

  it('answers step by step in the DM, flags a blocker, and tells the manager with buttons', async () => {
    const say = (text: string) => tandem.core.interactions.directText(ctx(raj), text);
    const texts: string[] = [];
    for (const line of ['Finished the importer', 'Waiting on API keys from IT', 'yes', 'Roll out the importer', 'seven', '4']) {
      const r = await say(line);
      texts.push(r.kind === 'private' ? r.view.text : r.kind);
    }
    expect(texts[0]).toContain('2/4');
    expect(texts[1]).toContain('help');
    expect(texts[2]).toContain('3/4');
    expect(texts[3]).toContain('4/4');
    expect(texts[4]).toBe('A number from 1 to 5');
    expect(texts[5]).toContain('is in');
    const c = await tandem.store.checkins.byPersonPeriod(raj.id, '2026-W48');
    expect(c).toMatchObject({ status: 'answered', needsHelp: true, step: null, answers: { progress: 'Finished the importer', obstacles: 'Waiting on API keys from IT', priorities: 'Roll out the importer', mood: '4' } });
    // Commands typed in the DM are not taken as answers.
    expect((await say('help')).kind).toBe('private');

    const toMia = chat.to(mia.id).find((v) => v.text.startsWith('Needs help'));
    expect(toMia && flat(toMia)).toContain('Waiting on API keys from IT');
    const blocker = (await tandem.store.checkins.openBlockers(raj.id))[0]!;
    expect(toMia?.blocks.find((b) => b.type === 'actions')).toMatchObject({
      elements: [{ actionId: 'checkin.blocker.ack', value: blocker.id }, { actionId: 'checkin.blocker.follow' }, { actionId: 'checkin.blocker.resolve' }, { actionId: 'checkin.blocker.page' }],
    });
    // Only the manager acts on it; acknowledging updates it in place and tells Raj.
    expect(await tandem.core.interactions.runAction(ctx(lena), 'checkin.blocker.ack', blocker.id)).toMatchObject({ kind: 'private' });
    const acked = await tandem.core.interactions.runAction(ctx(mia), 'checkin.blocker.ack', blocker.id);
    expect(acked).toMatchObject({ kind: 'update', view: { blocks: expect.arrayContaining([{ type: 'context', text: 'Status: acknowledged' }]) } });
    expect(chat.to(raj.id).some((v) => v.text.includes('acknowledged'))).toBe(true);
  });

  it('sends the summary at the last deadline with who answered, highlights, blockers, mood and who is missing, then updates it in place on a late answer', async () => {
    // Monday 12:00 in New York is the last deadline of the three.
    clock.set('2026-11-30T17:00:00Z');
    await promote('checkin.close');
    await until(() => chat.to(mia.id).some((v) => v.text.startsWith('Platform:')));
    await idle();
    const summaries = chat.sent.filter((s) => s.to === mia.id && s.view.text.startsWith('Platform:'));
    expect(summaries).toHaveLength(1);
    const summary = flat(summaries[0]!.view);
    expect(summaries[0]!.view.text).toBe('Platform: 2 of 3 check-ins for week 48');
    expect(summary).toContain('Shipped the billing export');
    expect(summary).toContain('Waiting on API keys from IT');
    expect(summary).toContain('needs help');
    expect(summary).toContain('4.0 / 5');
    expect(summary).toContain(`Missing:* <@person:${ana.id}>`);
    expect((await tandem.store.checkins.byPersonPeriod(ana.id, '2026-W48'))?.status).toBe('missed');

    // Ana answers late through `/tandem checkin`: accepted, marked late, and the summary is rewritten in place.
    const opened = await tandem.core.interactions.runCommand(ctx(ana), 'tandem', 'checkin');
    expect(opened.kind).toBe('form');
    const form = (opened as Extract<Reply, { kind: 'form' }>).form;
    await tandem.core.interactions.submitForm(ctx(ana), 'checkin.answer', { progress: 'Closed 12 tickets', priorities: 'On-call handover', mood: '2' }, form.metadata);
    const rewritten = chat.updated.filter((u) => u.address.messageId === summaries[0]!.address.messageId).at(-1);
    expect(rewritten?.view.text).toBe('Platform: 3 of 3 check-ins for week 48');
    expect(flat(rewritten!.view)).toContain('(late)');
    expect(flat(rewritten!.view)).not.toContain('Missing');
    // Edits after the deadline are refused with a clear message.
    const lenaC = await tandem.store.checkins.byPersonPeriod(lena.id, '2026-W48');
    expect(await tandem.core.interactions.runAction(ctx(lena), 'checkin.open', lenaC!.id)).toMatchObject({ kind: 'private', view: { text: expect.stringContaining('closed') } });
  });

  it('shows last week\'s priorities and the open blocker in the next prompt, carries priorities forward, skips and snoozes', async () => {
    clock.set('2026-12-04T09:30:00Z');
    await promote('checkin.fire', (d) => d.timeZone === 'Asia/Kolkata');
    await until(() => promptsTo(raj).length === 2);
    const next = flat(promptsTo(raj)[1]!);
    expect(next).toContain('Last week you planned');
    expect(next).toContain('Roll out the importer');
    expect(next).toContain('Still open from earlier');
    expect(next).toContain('Waiting on API keys from IT');
    const c = await tandem.store.checkins.byPersonPeriod(raj.id, '2026-W49');
    const form = (await tandem.core.interactions.runAction(ctx(raj), 'checkin.open', c!.id)) as Extract<Reply, { kind: 'form' }>;
    expect(form.form.blocks.find((b) => b.type === 'input' && b.id === 'priorities')).toMatchObject({ initial: 'Roll out the importer' });
    expect(await tandem.core.interactions.runAction(ctx(raj), 'checkin.skip', c!.id)).toMatchObject({ kind: 'update', view: { text: expect.stringContaining('skipped') } });

    clock.set('2026-12-04T14:00:00Z');
    await promote('checkin.fire', (d) => d.timeZone === 'Europe/Berlin');
    await until(() => promptsTo(lena).length === 2);
    const lc = await tandem.store.checkins.byPersonPeriod(lena.id, '2026-W49');
    expect(await tandem.core.interactions.runAction(ctx(lena), 'checkin.snooze', lc!.id)).toMatchObject({ kind: 'private', view: { text: 'Snoozed for 2 hours' } });
    const snoozed = (await tandem.jobs.queue('checkins').getDelayed()).find((j) => j.name === 'checkin.snooze');
    expect(snoozed?.data).toMatchObject({ checkinId: lc!.id, n: 1 });
    clock.set('2026-12-04T16:00:00Z');
    await promote('checkin.snooze');
    await until(() => chat.to(lena.id).some((v) => v.text.startsWith('Reminder') && v.text.includes('week 49')));
  });

  it('shows a person their history, exposes participation, and serves check-ins in the admin API with filters and cursors', async () => {
    const history = await tandem.core.interactions.runCommand(ctx(raj), 'tandem', 'checkin history');
    expect(history).toMatchObject({ kind: 'private' });
    const text = flat((history as Extract<Reply, { kind: 'private' }>).view);
    expect(text).toContain('2026-W49');
    expect(text).toContain('skipped');
    expect(text).toContain('Finished the importer');

    expect(await tandem.core.checkins.participation({ personId: raj.id })).toEqual({ answered: 1, skipped: 1, missed: 0, rate: 0.5 });
    expect(await tandem.core.checkins.participation({ teamId: team.id })).toMatchObject({ answered: 3, skipped: 1, rate: 0.75 });

    const secret = 'tdm_checkins_test_token';
    await tandem.store.tokens.create({ name: 'checkins-test', hash: hashToken(secret), scopes: ['checkins:read', 'checkins:write'] });
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${tandem.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const page1 = await call('GET', `/checkins?teamId=${team.id}&limit=2`);
    expect(page1.status).toBe(200);
    const p1 = (await page1.json()) as { items: { period: string }[]; nextCursor: string | null };
    expect(p1.items).toHaveLength(2);
    const p2 = (await (await call('GET', `/checkins?teamId=${team.id}&limit=2&cursor=${p1.nextCursor}`)).json()) as { items: unknown[]; nextCursor: string | null };
    expect(p2.items.length).toBeGreaterThan(0);
    const byPerson = (await (await call('GET', `/checkins?personId=${raj.id}&period=2026-W48`)).json()) as { items: { answers: Record<string, string> }[] };
    expect(byPerson.items).toHaveLength(1);
    expect(byPerson.items[0]?.answers.progress).toBe('Finished the importer');
    expect((await call('GET', '/checkins?period=week-48')).status).toBe(422);

    const put = await call('PUT', `/teams/${team.id}/checkin-settings`, { promptDay: 4, promptTime: '10:00', holidays: ['2026-12-24'], summary: { managerDm: true, teamChannel: true } });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ promptDay: 4, promptTime: '10:00', holidays: ['2026-12-24'] });
    const bad = await call('PUT', `/teams/${team.id}/checkin-settings`, { promptTime: '25:00' });
    expect(bad.status).toBe(422);
    expect(((await tandem.jobs.queue('checkins').getJobSchedulers()).filter((s) => s.key.startsWith(`checkin|${team.id}`))).map((s) => s.pattern)).toEqual(['0 10 * * *', '0 10 * * *', '0 10 * * *']);
    const participation = await call('GET', `/checkins/participation?teamId=${team.id}`);
    expect(await participation.json()).toMatchObject({ answered: 3, rate: 0.75 });
  });
});
