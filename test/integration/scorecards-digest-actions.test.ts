import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageDto as Msg } from '../../src/adapters/console/hub.js';
import type { Person } from '../../src/core/people/people.types.js';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { seedScorecardOrg, NOW, type ScorecardOrg } from '../support/scorecard-org.js';
import { bullJobId } from '../../src/jobs/scheduler.js';
import { startTestTandem } from '../support/stack.js';

type Tandem = Awaited<ReturnType<typeof startTestTandem>>;

describe('scorecards: corrective actions register and the weekly digest at 09:00 local', () => {
  let tandem: Tandem;
  let org: ScorecardOrg;
  let admin: string;
  let ny: Person, kolkata: Person;
  const clock = { at: new Date(NOW), now() { return new Date(this.at); } };

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${tandem.url}/console/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as { reply: string; messages: Msg[] };
  };
  const say = async (p: Person, text: string): Promise<Msg> => {
    await post('/session', { personId: p.id });
    return (await post('/messages', { as: p.id, conversation: `dm:${p.id}`, text })).messages.at(-1)!;
  };
  const dms = async (p: Person): Promise<Msg[]> => ((await (await fetch(`${tandem.url}/console/api/conversations/dm:${p.id}/messages?as=${p.id}`)).json()) as { messages: Msg[] }).messages;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${tandem.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> & { items?: Record<string, unknown>[] } };
  };

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'true' }, { clock, workers: false });
    org = await seedScorecardOrg(tandem.store);
    admin = generateToken();
    await tandem.store.tokens.create({ name: 'ops', hash: hashToken(admin), scopes: ['scorecards:read', 'scorecards:write'] });
    ny = await tandem.store.people.create({ name: 'Nora York', email: 'nora@example.com', timeZone: 'America/New_York', roles: ['leader'] });
    kolkata = await tandem.store.people.create({ name: 'Kiran Rao', email: 'kiran@example.com', timeZone: 'Asia/Kolkata', roles: ['leader'] });
    for (const p of [org.sofia, org.lena, org.marcus, org.bo, ny, kolkata]) await post('/session', { personId: p.id });
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('adds actions from chat and the admin API, lists them overdue first, shows them on the scorecard, and schedules reminders', async () => {
    const added = await say(org.lena, '/tandem action add "Hire a second on-call SRE" on kpi-3 owner @Bo Berg due 2026-12-15');
    expect(added.text).toBe('Corrective action added');
    expect(added.html).toContain('Owner <span class="mention">@Bo Berg</span>, due 2026-12-15');
    const viaApi = await api('POST', '/scorecards/actions', { text: 'Fix the flaky deploy pipeline', kpiKey: 'kpi-7', ownerId: org.dee.id, due: '2026-11-20' });
    expect(viaApi.status).toBe(201);
    expect((await api('POST', '/scorecards/actions', { text: 'x', kpiKey: 'kpi-7', ownerId: org.dee.id, due: 'soon' })).status).toBe(422);
    expect((await say(org.ana, '/tandem action add "Anything" on kpi-1 owner @Bo Berg due 2026-12-01')).text).toBe('Only managers and leaders keep the corrective actions register.');
    expect((await say(org.lena, '/tandem action add Hire someone')).text).toContain("I couldn't read that action");

    const list = await api('GET', '/scorecards/actions');
    expect(list.body.items!.map((a) => [a.kpiKey, a.overdue])).toEqual([['kpi-7', true], ['kpi-3', false]]);
    const inChat = await say(org.sofia, '/tandem action list');
    expect(inChat.html.indexOf('overdue')).toBeLessThan(inChat.html.indexOf('Hire a second'));
    const card = await say(org.sofia, '/tandem scorecard');
    expect(card.html).toMatch(/Corrective actions \(2\).*overdue.*Fix the flaky deploy pipeline.*Hire a second on-call SRE/s);

    // Reminders 2 days before and on the due date, at 09:00 in the owner's zone (Bo: Berlin).
    const id = String(list.body.items![1]!.id);
    const queue = tandem.jobs.queue('scorecards');
    const [before, on] = await Promise.all([0, 1].map((n) => queue.getJob(bullJobId(`scorecard.action.remind:${id}:${n}`))));
    expect(new Date(Number(before!.data.__dueAt)).toISOString()).toBe('2026-12-13T08:00:00.000Z');
    expect(new Date(Number(on!.data.__dueAt)).toISOString()).toBe('2026-12-15T08:00:00.000Z');
    // The overdue one gets no reminder in the past.
    expect(await queue.getJob(bullJobId(`scorecard.action.remind:${String(viaApi.body.id)}:1`))).toBeUndefined();
    await tandem.core.scorecards.actions.remind(id, 1);
    expect((await dms(org.bo)).at(-1)?.text).toBe('Corrective action is due today');
    const done = await say(org.bo, `/tandem action done ${id}`);
    expect(done.text).toBe('Corrective action closed');
    await tandem.core.scorecards.actions.remind(id, 0);
    expect((await dms(org.bo)).at(-1)?.text).toBe('Corrective action closed');
  });

  it('schedules the digest per recipient zone, and sends it at 09:00 local on Monday, what changed first, once', async () => {
    expect((await say(org.ana, '/tandem scorecard digest on')).text).toBe('The weekly digest is opt-in for managers; leaders always get it.');
    expect((await say(org.marcus, '/tandem scorecard digest on')).text).toBe('Weekly digest on');
    const settings = await api('GET', '/scorecards/digest');
    expect(settings.body).toMatchObject({ enabled: true, weekday: 1, time: '09:00', managerIds: [org.marcus.id] });
    expect(settings.body.schedules).toEqual(['scorecard.digest:America/New_York', 'scorecard.digest:Asia/Kolkata', 'scorecard.digest:Europe/Berlin']);
    const schedulers = await tandem.jobs.queue('scorecards').getJobSchedulers();
    const berlin = schedulers.find((s) => s.key === bullJobId('scorecard.digest:Europe/Berlin'));
    expect(berlin).toMatchObject({ pattern: '0 9 * * 1', tz: 'Europe/Berlin' });

    // Week 48: all of Platform answered, so participation went from 50 % to 100 %.
    for (const p of [org.ana, org.bo, org.cy, org.lena]) {
      const { checkin } = await tandem.store.checkins.createOnce({ personId: p.id, teamId: org.platform.id, period: '2026-W48', timeZone: p.timeZone, questions: [], previousPriorities: null, promptedAt: new Date('2026-11-27T14:00:00Z'), deadlineAt: new Date('2026-11-30T11:00:00Z') });
      await tandem.store.checkins.update(checkin.id, ['pending'], { status: 'answered' }, new Date('2026-11-27T15:00:00Z'));
    }

    // Monday 30 Nov, 03:30 UTC = 09:00 in Kolkata: only Kiran.
    clock.at = new Date('2026-11-30T03:30:00Z');
    expect(await tandem.core.scorecards.digest.fire('Asia/Kolkata')).toBe(1);
    expect(await tandem.core.scorecards.digest.fire('Europe/Berlin')).toBe(0);
    // 08:00 UTC = 09:00 in Berlin: Sofia and Marcus (opted in); New York is still asleep.
    clock.at = new Date('2026-11-30T08:00:00Z');
    expect(await tandem.core.scorecards.digest.fire('Europe/Berlin')).toBe(2);
    expect(await tandem.core.scorecards.digest.fire('America/New_York')).toBe(0);
    // 14:00 UTC = 09:00 in New York.
    clock.at = new Date('2026-11-30T14:00:00Z');
    expect(await tandem.core.scorecards.digest.fire('America/New_York')).toBe(1);
    // A second firing the same week sends nothing again.
    expect(await tandem.core.scorecards.digest.fire('Europe/Berlin')).toBe(0);

    const digest = (await dms(org.sofia)).at(-1)!;
    expect(digest.text).toBe('Weekly 📊 Scorecard · Organisation · 2026-W48: KPIs not set up, check-ins 100%');
    const changed = digest.html.indexOf('What changed since 2026-W47');
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(digest.html.indexOf('Check-in participation</dt>'));
    expect(digest.html).toContain('Check-in participation 50% → <strong>100%</strong> (+50 pts)');
    expect(digest.html).toContain('Kudos given 1 → <strong>0</strong>');
    expect((await dms(org.marcus)).at(-1)?.text).toContain('Scorecard · Growth · 2026-W48');
    expect((await dms(org.lena)).some((m) => m.text.startsWith('Weekly'))).toBe(false);

    // Configurable: Friday 16:00; turning it off removes the schedules.
    expect((await api('PATCH', '/scorecards/digest', { weekday: 5, time: '16:00' })).body.time).toBe('16:00');
    expect((await tandem.jobs.queue('scorecards').getJobSchedulers()).find((s) => s.key === bullJobId('scorecard.digest:Europe/Berlin'))?.pattern).toBe('0 16 * * 5');
    expect((await api('PATCH', '/scorecards/digest', { time: '25:00' })).status).toBe(422);
    expect((await api('PATCH', '/scorecards/digest', { enabled: false })).body.schedules).toEqual([]);
  });
});
