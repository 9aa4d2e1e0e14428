import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageDto as Msg } from '../../src/adapters/console/hub.js';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { seedScorecardOrg, NOW, type ScorecardOrg } from '../support/scorecard-org.js';
import { startTestTandem } from '../support/stack.js';

type Tandem = Awaited<ReturnType<typeof startTestTandem>>;
interface Result {
  reply: string;
  messages: Msg[];
}
type Json = Record<string, unknown> & { error?: { code: string; message: string } };

describe('scorecards: role-based views, drill-down, hand-computed figures, "not set up" rows, admin API JSON and CSV', () => {
  let tandem: Tandem;
  let org: ScorecardOrg;
  let reader: string;
  const clock = { now: () => new Date(NOW) };

  const console_ = async (path: string, body: unknown): Promise<Result & { status: number }> => {
    const res = await fetch(`${tandem.url}/console/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, ...((await res.json()) as Result) };
  };
  /** Types `/tandem scorecard …` in the person's console DM; returns Tandem's answer. */
  const ask = async (personId: string, args = ''): Promise<Msg> => {
    await console_('/session', { personId });
    const r = await console_('/messages', { as: personId, conversation: `dm:${personId}`, text: `/tandem scorecard ${args}`.trim() });
    expect(r.status).toBe(200);
    const answer = r.messages.at(-1);
    expect(answer?.author).toBeNull();
    return answer!;
  };
  const api = async (path: string, token = reader) => {
    const res = await fetch(`${tandem.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return { status: res.status, text, type: res.headers.get('content-type') ?? '', body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {}) as Json };
  };

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'true' }, { clock, workers: false });
    org = await seedScorecardOrg(tandem.store);
    reader = generateToken();
    await tandem.store.tokens.create({ name: 'board-pack', hash: hashToken(reader), scopes: ['scorecards:read'] });
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('gives a leader the organisation over the last complete week, each figure as counted by hand', async () => {
    const m = await ask(org.sofia.id);
    expect(m.text).toBe('📊 Scorecard · Organisation · 2026-W47: KPIs not set up, check-ins 50%');
    const html = m.html;
    expect(html).toContain('16 Nov – 22 Nov 2026 (Europe/Berlin)');
    expect(html).toContain('KPIs</strong>: not set up');
    expect(html).toMatch(/Check-in participation.*?50% ↘ −25 pts/s);
    expect(html).toMatch(/Average mood.*?3\.7 \/ 5 \(3 answers\)/s);
    expect(html).toMatch(/Kudos given.*?>1</s);
    expect(html).toMatch(/Recognised \(last 4 weeks\).*?33% of 9 people/s);
    expect(html).toMatch(/Pulse.*?not set up/s);
    expect(html).toMatch(/Alerts.*?not set up/s);
    // Open blockers, oldest first; the resolved one is not listed.
    expect(html).toMatch(/Open blockers \(2\), oldest first.*@Dee Diaz<\/span> since 13 Nov: Waiting for the analytics contract.*@Bo Berg<\/span> since 20 Nov: Staging database is down/s);
    expect(html).not.toContain('Laptop broken');
    // Drill-down: one button per team with its participation.
    for (const label of ['Platform · 50%', 'Growth · 50%', 'Mobile · —']) expect(html).toContain(label);
  });

  it('drills down to a team with a button, in place, and back to the top', async () => {
    const top = await ask(org.sofia.id);
    const value = /data-action-id="scorecard\.team"[^>]*data-value="([^"]+)"[^>]*>Platform/.exec(top.html)?.[1] ?? /data-value="([^"]+)"[^>]*data-action-id="scorecard\.team"[^>]*>Platform/.exec(top.html)?.[1];
    expect(value).toBe(`${org.platform.id}|week|0`);
    const clicked = await console_('/actions', { as: org.sofia.id, conversation: `dm:${org.sofia.id}`, messageId: top.id, actionId: 'scorecard.team', value });
    expect(clicked.reply).toBe('update');
    const platform = clicked.messages[0]!;
    expect(platform.id).toBe(top.id);
    expect(platform.text).toBe('📊 Scorecard · Platform · 2026-W47: KPIs not set up, check-ins 50%');
    expect(platform.html).toMatch(/Check-in participation.*?50% ↘ −25 pts/s);
    expect(platform.html).toMatch(/Average mood.*?3\.0 \/ 5 \(2 answers\)/s);
    expect(platform.html).toMatch(/Open blockers \(1\)/);
    expect(platform.html).toMatch(/Recognised \(last 4 weeks\).*?50% of 4 people/s);
    // Platform's manager Lena has Marcus's Growth below her.
    expect(platform.html).toContain('Growth · 50%');
    expect(platform.html).toContain('Back to the top');
    const month = await console_('/actions', { as: org.sofia.id, conversation: `dm:${org.sofia.id}`, messageId: top.id, actionId: 'scorecard.period', value: `${org.platform.id}|month|0` });
    expect(month.messages[0]!.text).toContain('Platform · 2026-10');
  });

  it('gives a manager their teams and those below them, and refuses another team privately', async () => {
    const mine = await ask(org.lena.id);
    expect(mine.text).toContain('Scorecard · Your teams · 2026-W47');
    expect(mine.html).toContain('Platform · 50%');
    expect(mine.html).toContain('Growth · 50%');
    expect(mine.html).not.toContain('Mobile');
    expect((await ask(org.lena.id, 'growth')).text).toContain('Scorecard · Growth');
    const refused = await ask(org.lena.id, 'Mobile');
    expect(refused.visibleTo).toBe(org.lena.id);
    expect(refused.text).toBe('You can\'t see the scorecard of "Mobile": you see the teams you manage and those below them (Growth, Platform).');
    // Marcus sees Growth only.
    expect((await ask(org.marcus.id)).text).toContain('Scorecard · Growth');
    expect((await ask(org.marcus.id, 'Platform')).text).toContain("You can't see the scorecard of \"Platform\"");
  });

  it("shows an employee their own team's KPIs only, and someone outside every team a clear refusal", async () => {
    const ana = await ask(org.ana.id);
    expect(ana.text).toBe('📊 Scorecard · Platform · 2026-W47: KPIs not set up');
    expect(ana.html).toContain('your team’s KPIs');
    expect(ana.html).not.toContain('Check-in participation');
    expect(ana.html).not.toContain('Staging database');
    expect((await ask(org.ana.id, 'Growth')).text).toContain("you see your own team's (Platform)");
    const out = await ask(org.outsider.id);
    expect(out.visibleTo).toBe(org.outsider.id);
    expect(out.text).toBe('You are not in a team yet, so there is no scorecard for you to see.');
    expect((await ask(org.sofia.id, 'Nowhere')).text).toBe('You can\'t see the scorecard of "Nowhere": there is no such team.');
  });

  it('serves the same data as JSON and CSV under scorecards:read', async () => {
    const json = await api('/scorecards');
    expect(json.status).toBe(200);
    const body = json.body as unknown as { period: { label: string }; kpis: { setUp: boolean }; rhythm: { participation: { rate: number; previousRate: number }; mood: { average: number }; openBlockers: { total: number; oldest: { personId: string }[] }; kudos: { given: number; recognisedShare: number; people: number }; pulse: { setUp: boolean }; alerts: { setUp: boolean } }; drillDown: unknown[] };
    expect(body.period.label).toBe('2026-W47');
    expect(body.kpis.setUp).toBe(false);
    expect(body.rhythm.participation).toMatchObject({ rate: 0.5, previousRate: 0.75 });
    expect(body.rhythm.mood.average).toBeCloseTo(11 / 3, 6);
    expect(body.rhythm.openBlockers.total).toBe(2);
    expect(body.rhythm.openBlockers.oldest.map((b) => b.personId)).toEqual([org.dee.id, org.bo.id]);
    expect(body.rhythm.kudos).toEqual({ given: 1, recognisedShare: 3 / 9, people: 9 });
    expect(body.rhythm.pulse.setUp).toBe(false);
    expect(body.rhythm.alerts.setUp).toBe(false);
    expect(body.drillDown).toHaveLength(3);

    const team = await api(`/scorecards?team=${org.growth.id}&period=week`);
    expect((team.body as unknown as { rhythm: { participation: { rate: number } } }).rhythm.participation.rate).toBe(0.5);

    const csv = await api('/scorecards/export?period=week');
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('section,key,name,value,target,status,detail');
    expect(lines).toContain('kpi,,KPIs,,,not set up,');
    expect(lines).toContain('rhythm,participation,Check-in participation,0.5,,,previous 0.75');
    expect(lines).toContain('rhythm,enps,Pulse eNPS,,,not set up,response rate ');

    expect((await api('/scorecards?team=' + 'a'.repeat(24))).status).toBe(404);
    expect((await api('/scorecards?period=fortnight')).status).toBe(422);
    const kudosOnly = generateToken();
    await tandem.store.tokens.create({ name: 'kudos-only', hash: hashToken(kudosOnly), scopes: ['kudos:read'] });
    expect((await api('/scorecards', kudosOnly)).status).toBe(403);
  });
});
