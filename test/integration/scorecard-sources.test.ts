import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageDto as Msg } from '../../src/adapters/console/hub.js';
import type { Person, Team } from '../../src/core/people/people.types.js';
import { pickValue } from '../../src/core/surveys/surveys.views.js';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { eventually } from '../support/servers.js';
import { startTestTandem } from '../support/stack.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies of many shapes, checked by expect
const MIN = 60_000;

/*
 * The scorecard over the real KPI, alert and survey features, end to end: a KPI defined and fed over the
 * admin API, an alert raised, acknowledged and resolved through the events intake, a pulse answered and
 * closed; then a leader asks `/tandem scorecard` in the console over HTTP. Week 2026-W47 is 16–22 Nov (Berlin).
 *
 * Hand-computed: CSAT samples 92, 91, 88, 86, 84, 83, 82 (16–22 Nov) → actual 82 vs target 90, variance −8,
 * amber (82 < amber 85, ≥ red 80), trend ↘; the amber samples open one KPI alert (left open: 🔔 1). Revenue
 * 100 → 104 vs 100 → green, +4, ↗. Alerts opened in W47: the KPI alert and the db1 event (acknowledged
 * after 4 min, resolved after 30): 2 alerts, median ack 4 min, median resolve 30 min; Lena has no chat
 * account here, so nobody was paged (0 after-hours pages). Pulse: 5 invited
 * (floor 3), answers 10, 9, 8, 3 → promoters 2, detractors 1 of 4 → eNPS 25, 80 % answered.
 */
describe('scorecard from the real sources: KPIs, alerts and pulse over HTTP', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let admin: string;
  let sofia: Person, lena: Person;
  const members: Person[] = [];
  let team: Team;
  const clock = { at: new Date('2026-11-22T12:00:00Z'), now() { return new Date(this.at); } };

  const call = async (method: string, path: string, body?: unknown, auth = true) => {
    const res = await fetch(`${tandem.url}/api/v1${path}`, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${admin}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const consoleCall = async (path: string, body: unknown) => {
    const res = await fetch(`${tandem.url}/console/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, ...((await res.json()) as { messages: Msg[] }) };
  };
  const answer = async (p: Person, roundId: string, score: number) => {
    const ctx = { actor: p, platform: 'console' as const };
    await tandem.core.interactions.runAction(ctx, 'survey.start', roundId);
    await tandem.core.interactions.runAction(ctx, 'survey.pick', pickValue(roundId, 'enps', score));
    expect(JSON.stringify(await tandem.core.interactions.runAction(ctx, 'survey.confirm', roundId))).toContain('are in');
  };

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'true', SURVEY_MIN_GROUP: '3' }, { clock });
    admin = generateToken();
    await tandem.store.tokens.create({ name: 'ops', hash: hashToken(admin), scopes: ['admin'] });
    const everyDay = [1, 2, 3, 4, 5, 6, 7] as const;
    sofia = await tandem.store.people.create({ name: 'Sofia Lindqvist', email: 'sofia@example.com', roles: ['leader'], timeZone: 'Europe/Berlin', workingDays: [...everyDay] });
    lena = await tandem.store.people.create({ name: 'Lena Fischer', email: 'lena@example.com', roles: ['manager'], timeZone: 'Europe/Berlin', workingDays: [...everyDay] });
    for (const name of ['Ana', 'Bo', 'Cy']) members.push(await tandem.store.people.create({ name, email: `${name.toLowerCase()}@example.com`, timeZone: 'Europe/Berlin', workingDays: [...everyDay] }));
    team = await tandem.store.teams.create({ name: 'Platform', managerId: lena.id, memberIds: [lena.id, ...members.map((p) => p.id)] });
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  it('before any data each source says "not set up"', async () => {
    const s = await tandem.core.scorecards.forPerson(sofia, { period: 'week' });
    expect(s.kpis.setUp).toBe(false);
    expect(s.rhythm?.pulse.setUp).toBe(false);
    expect(s.rhythm?.alerts.setUp).toBe(false);
  });

  it('shows real KPI, alert and pulse figures in the console scorecard, as counted by hand', async () => {
    const kpi = (key: string, extra: Json) => call('POST', '/kpis', { key, unit: '%', direction: 'higher_is_better', ownerTeamId: team.id, cadence: 'P1D', ...extra });
    expect((await kpi('csat', { name: 'CSAT', target: 90, thresholds: { amber: 85, red: 80 }, perspective: 'customer' })).status).toBe(201);
    expect((await kpi('revenue', { name: 'Revenue index', target: 100, thresholds: { amber: 95, red: 90 }, perspective: 'financial', unit: '' })).status).toBe(201);
    const day = (d: number) => `2026-11-${String(16 + d).padStart(2, '0')}T11:00:00Z`;
    const post = (key: string, values: number[]) => call('POST', `/kpis/${key}/samples`, { samples: values.map((value, d) => ({ at: day(d), value })) });
    expect((await post('csat', [92, 91, 88, 86, 84, 83, 82])).body).toMatchObject({ inserted: 7 });
    expect((await post('revenue', [100, 101, 104])).body).toMatchObject({ inserted: 3 });
    for (const key of ['csat', 'revenue']) await eventually(async () => (await call('GET', `/kpis/${key}/samples`)).body.items.every((s: Json) => s.judged), 20_000, `samples of ${key} judged`);

    // The db1 event: raised Sunday 22 Nov 21:00 Berlin, acknowledged 4 min later, resolved after 30.
    const { key: routingKey } = (await call('POST', '/integrations', { name: 'pd-style', teamId: team.id })).body;
    const event = (action: string) => ({ routing_key: routingKey, event_action: action, dedup_key: 'disk-full-db1', payload: { summary: 'Disk 95% full on db1', source: 'db1', severity: 'error' } });
    clock.at = new Date('2026-11-22T20:00:00Z');
    expect((await call('POST', '/integrations/events', event('trigger'), false)).body.outcome).toBe('raised');
    clock.at = new Date(clock.at.getTime() + 4 * MIN);
    expect((await call('POST', '/integrations/events', event('acknowledge'), false)).body.outcome).toBe('acknowledged');
    clock.at = new Date(clock.at.getTime() + 26 * MIN);
    expect((await call('POST', '/integrations/events', event('resolve'), false)).body.outcome).toBe('resolved');

    const survey = await tandem.core.surveys.define({ name: 'Pulse', template: 'custom', questions: [{ id: 'enps', text: 'Recommend us?', kind: 'scale10' }], audience: { kind: 'org' }, schedule: { kind: 'once', time: '00:00' } });
    const openRound = async () => (await tandem.core.surveys.get(survey.id)).rounds.find((r) => r.status === 'open');
    await eventually(async () => (await openRound()) !== undefined, 20_000, 'the pulse round open');
    const round = (await openRound())!;
    expect(round.invited).toBe(5);
    for (const [i, p] of [...members, lena].entries()) await answer(p, round.id, [10, 9, 8, 3][i]!);
    const closed = await call('POST', `/surveys/${survey.id}/close`);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);

    clock.at = new Date('2026-11-25T10:00:00Z');
    await consoleCall('/session', { personId: sofia.id });
    const r = await consoleCall('/messages', { as: sofia.id, conversation: `dm:${sofia.id}`, text: '/tandem scorecard' });
    expect(r.status).toBe(200);
    const m = r.messages.at(-1)!;
    expect(m.text).toBe('📊 Scorecard · Organisation · 2026-W47: KPIs 1 🟢 1 🟠 0 🔴, check-ins —');
    const html = m.html;
    expect(html).toMatch(/Financial \/ results.*?🟢 <strong>Revenue index<\/strong> 104 vs 100 \(\+4\) ↗/s);
    expect(html).toMatch(/Customer \/ stakeholder.*?🟠 <strong>CSAT<\/strong> 82 % vs 90 % \(−8\) ↘ · 🔔 1/s);
    expect(html).toMatch(/Pulse.*?eNPS 25 · 80% answered/s);
    expect(html).toMatch(/Alerts.*?2 · ack 4 min · resolve 30 min \(medians\) · 0 after-hours pages/s);

    // The picture: drawn server-side, served as PNG under an unguessable id, shown inline with the text kept.
    const src = /<img class="b-image" src="([^"]+)" alt="Chart: KPIs 1 🟢 1 🟠 0 🔴/.exec(html)?.[1];
    expect(src).toMatch(new RegExp(`^${tandem.url}/scorecard-images/[A-Za-z0-9_-]{24}\\.png$`));
    const png = await fetch(src!);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    expect((await fetch(`${tandem.url}/scorecard-images/${'A'.repeat(24)}.png`)).status).toBe(404);

    const json = (await call('GET', '/scorecards?period=week')).body;
    expect(json.rhythm.alerts).toMatchObject({ setUp: true, stats: { count: 2, medianAckMs: 4 * MIN, medianResolveMs: 30 * MIN } });
    expect(json.rhythm.pulse).toMatchObject({ setUp: true, stats: { enps: 25, responseRate: 0.8, suppressed: false, enpsTrend: [25] } });
  });
});
