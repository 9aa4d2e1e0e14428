import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timelineEntry } from '../../src/core/alerts/escalate.js';
import type { Person, Team } from '../../src/core/people/people.types.js';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { startTestTandem } from '../support/stack.js';

type Json = Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } };

describe('on-call schedules, escalation policies and routing in the admin API over HTTP', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let writer: string, reader: string;
  let lena: Person, ana: Person, jonas: Person, marcus: Person;
  let platform: Team, growth: Team;
  let scheduleId: string;
  // The coverage check looks ahead from "now": a Friday before the Berlin spring change.
  const clock = { now: () => new Date('2026-03-27T10:00:00Z') };

  const call = async (method: string, path: string, opts: { token?: string; body?: unknown } = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${opts.token ?? writer}` };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${tandem.url}/api/v1${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const mint = async (name: string, scopes: string[]) => {
    const secret = generateToken();
    await tandem.store.tokens.create({ name, hash: hashToken(secret), scopes });
    return secret;
  };

  beforeAll(async () => {
    tandem = await startTestTandem({}, { clock });
    writer = await mint('oncall-admin', ['oncall:read', 'oncall:write', 'audit:read']);
    reader = await mint('oncall-reader', ['oncall:read']);
    lena = await tandem.store.people.create({ name: 'Lena Fischer', email: 'lena@example.com', timeZone: 'Europe/Berlin', roles: ['manager'] });
    ana = await tandem.store.people.create({ name: 'Ana Souza', email: 'ana@example.com', timeZone: 'Europe/Berlin' });
    jonas = await tandem.store.people.create({ name: 'Jonas Weber', email: 'jonas@example.com', timeZone: 'Europe/Berlin' });
    marcus = await tandem.store.people.create({ name: 'Marcus Johnson', email: 'marcus@example.com', timeZone: 'America/New_York', roles: ['manager'] });
    platform = await tandem.store.teams.create({ name: 'Platform', managerId: lena.id, memberIds: [ana.id, jonas.id] });
    growth = await tandem.store.teams.create({ name: 'Growth', managerId: marcus.id, memberIds: [marcus.id] });
    await tandem.store.identities.link({ platform: 'console', personId: lena.id, key: `console:${lena.id}` });
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  it('creates a schedule, one per team, refusing bad input with a reason; a read-only token cannot write', async () => {
    const body = { teamId: platform.id, name: 'Platform primary', timeZone: 'Europe/Berlin', layers: [{ name: 'primary', people: [ana.id, jonas.id], shift: 'daily', handoff: '09:00', start: '2026-03-02' }] };
    expect((await call('POST', '/schedules', { token: reader, body })).status).toBe(403);

    const created = await call('POST', '/schedules', { body });
    expect(created.status).toBe(201);
    scheduleId = String(created.body.id);
    expect(created.body.layers).toEqual([{ ...body.layers[0], shift: 'P1D', timeZone: 'Europe/Berlin', restriction: null }]);

    const again = await call('POST', '/schedules', { body });
    expect(again.status).toBe(409);
    expect(again.body.error?.message).toContain('has a schedule already');

    const badShift = await call('POST', '/schedules', { body: { ...body, teamId: growth.id, layers: [{ ...body.layers[0], shift: 'fortnightly' }] } });
    expect(badShift.status).toBe(422);
    expect(badShift.body.error?.message).toContain('ISO 8601 duration');
    const badZone = await call('POST', '/schedules', { body: { ...body, teamId: growth.id, timeZone: 'Mars/Olympus' } });
    expect(badZone.status).toBe(422);
    expect(badZone.body.error?.message).toContain('IANA time zone');
    const nobody = await call('POST', '/schedules', { body: { ...body, teamId: growth.id, layers: [{ ...body.layers[0], people: ['f'.repeat(24)] }] } });
    expect(nobody.status).toBe(422);
    expect(nobody.body.error?.message).toContain(`No person with id ${'f'.repeat(24)}`);

    expect((await call('GET', `/schedules/${scheduleId}`, { token: reader })).body.name).toBe('Platform primary');
    expect((await call('GET', '/schedules', { token: reader })).body.items).toHaveLength(1);
  });

  it('GET /schedules/{id}/shifts: the shift across the spring change is 23 h; an override cuts it', async () => {
    const range = 'from=2026-03-28T08:00:00Z&to=2026-03-30T07:00:00Z';
    const before = await call('GET', `/schedules/${scheduleId}/shifts?${range}`, { token: reader });
    expect(before.status).toBe(200);
    const items = before.body.items as { start: string; end: string; personId: string }[];
    expect(items.map((s) => [s.start, s.end])).toEqual([
      ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z'],
      ['2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    ]);

    const cover = await call('POST', `/schedules/${scheduleId}/overrides`, { body: { personId: lena.id, start: '2026-03-28T18:00:00Z', end: '2026-03-29T06:00:00Z' } });
    expect(cover.status).toBe(201);
    const after = (await call('GET', `/schedules/${scheduleId}/shifts?${range}`, { token: reader })).body.items as { personId: string; source: string }[];
    expect(after.map((s) => s.source)).toEqual(['layer', 'override', 'layer', 'layer']);
    expect(after[1]!.personId).toBe(lena.id);

    const audit = await call('GET', `/audit?target=schedule:${scheduleId}`);
    expect((audit.body.items as { action: string; actor: string }[]).map((a) => [a.action, a.actor])).toEqual([
      ['schedule.create', 'oncall-admin'],
      ['schedule.override.create', 'oncall-admin'],
    ]);

    const removed = await call('DELETE', `/schedules/${scheduleId}/overrides/${String(cover.body.id)}`);
    expect(removed.status).toBe(204);
    expect(((await call('GET', `/schedules/${scheduleId}/shifts?${range}`)).body.items as unknown[]).length).toBe(2);
  });

  it('refuses a bad range with a reason', async () => {
    const reversed = await call('GET', `/schedules/${scheduleId}/shifts?from=2026-03-30T00:00:00Z&to=2026-03-01T00:00:00Z`);
    expect(reversed.status).toBe(422);
    expect(reversed.body.error?.message).toContain('after');
    const long = await call('GET', `/schedules/${scheduleId}/shifts?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z`);
    expect(long.status).toBe(422);
    expect(long.body.error?.message).toContain('93 days');
    expect((await call('GET', `/schedules/${scheduleId}/shifts?from=yesterday&to=2026-03-01T00:00:00Z`)).status).toBe(422);
    expect((await call('GET', `/schedules/${'0'.repeat(24)}/shifts?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z`)).status).toBe(404);
  });

  it('tells the manager about a gap ahead once, however often the check runs', async () => {
    // Weekdays only from Monday: the weekend ahead (from Saturday 28 March 09:00) is a gap.
    const patched = await call('PATCH', `/schedules/${scheduleId}`, {
      body: { layers: [{ name: 'weekdays', people: [ana.id, jonas.id], shift: 'daily', handoff: '09:00', start: '2026-03-02', restriction: { weekdays: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' } }] },
    });
    expect(patched.status).toBe(200);
    const told = await tandem.core.oncall.checkCoverage();
    expect(told).toBeGreaterThan(0);
    expect(await tandem.core.oncall.checkCoverage()).toBe(0);
    const sent = await tandem.store.models.PostedMessage.find({ key: { $regex: `^oncall.gap:${scheduleId}` } }).lean();
    expect(sent).toHaveLength(told);
  });

  it('escalation policies and routing: validated targets, first-match routing, a used policy cannot be deleted', async () => {
    const bad = await call('POST', '/escalation-policies', { body: { name: 'x', steps: [{ delayMinutes: 0, target: { kind: 'oncall', scheduleId: '0'.repeat(24) } }] } });
    expect(bad.status).toBe(422);
    expect(bad.body.error?.message).toContain('no schedule with id');
    const badKind = await call('POST', '/escalation-policies', { body: { name: 'x', steps: [{ delayMinutes: 0, target: { kind: 'pager' } }] } });
    expect(badKind.status).toBe(422);

    const policy = await call('POST', '/escalation-policies', {
      body: {
        name: 'Platform default',
        urgency: 'high',
        repeat: 2,
        steps: [
          { delayMinutes: 0, target: { kind: 'oncall', scheduleId } },
          { delayMinutes: 10, target: { kind: 'manager' } },
          { delayMinutes: 20, target: { kind: 'role', role: 'leader' } },
          { delayMinutes: 0, target: { kind: 'channel' } },
        ],
      },
    });
    expect(policy.status).toBe(201);
    const quiet = await call('POST', '/escalation-policies', { body: { name: 'Low urgency', urgency: 'low', steps: [{ delayMinutes: 0, target: { kind: 'person', personId: marcus.id } }] } });
    expect(quiet.body).toMatchObject({ urgency: 'low', repeat: 0 });

    const unknown = await call('PUT', '/escalation-routing', { body: { rules: [{ policyId: 'nope' }], defaultPolicyId: null } });
    expect(unknown.status).toBe(422);
    const routing = { rules: [{ teamId: platform.id, severities: ['critical'], policyId: String(policy.body.id) }, { sources: ['kpi'], policyId: String(quiet.body.id) }], defaultPolicyId: String(policy.body.id) };
    expect((await call('PUT', '/escalation-routing', { body: routing })).status).toBe(200);
    expect((await call('GET', '/escalation-routing', { token: reader })).body).toEqual(routing);

    expect((await tandem.core.oncall.choosePolicy({ teamId: platform.id, source: 'alertmanager', severity: 'critical' }))?.name).toBe('Platform default');
    expect((await tandem.core.oncall.choosePolicy({ teamId: platform.id, source: 'kpi', severity: 'warning' }))?.name).toBe('Low urgency');
    expect((await tandem.core.oncall.choosePolicy({ teamId: growth.id, source: 'blocker', severity: 'warning' }))?.name).toBe('Platform default');

    const inUse = await call('DELETE', `/escalation-policies/${String(quiet.body.id)}`);
    expect(inUse.status).toBe(409);
    const renamed = await call('PUT', `/escalation-policies/${String(quiet.body.id)}`, { body: { name: 'Low urgency, renamed', urgency: 'low', steps: [{ delayMinutes: 5, target: { kind: 'person', personId: marcus.id } }] } });
    expect(renamed.body.name).toBe('Low urgency, renamed');
    expect(((await call('GET', '/escalation-policies', { token: reader })).body.items as unknown[]).length).toBe(2);
  });

  it("answers the leaders' figures: time to acknowledge and resolve per team and week (median, p90), alerts per team, after-hours pages per person", async () => {
    const open = async (i: number, teamId: string, at: string, pages: { personId: string; at: string }[], ackMin?: number, resolveMin?: number) => {
      const opened = new Date(at);
      const r = await tandem.store.alerts.open({ key: `figures:${i}`, severity: 'critical', teamId, source: 'alertmanager', title: `Figures ${i}`, explanation: 'x', lastValue: null, worstValue: null }, opened, { at: opened, kind: 'opened', actor: 'test', text: `Figures ${i}` });
      if (!r.opened) throw new Error('not opened');
      // Each page's line as an escalation step writes it.
      for (const [step, p] of pages.entries()) await tandem.store.alerts.note(r.alert.id, timelineEntry({ key: `escalation:${r.alert.id}:0:${step}:${p.personId}`, kind: 'notified', repeat: 0, step, personId: p.personId, at: new Date(p.at) }));
      const after = (min: number) => new Date(opened.getTime() + min * 60_000);
      if (ackMin !== undefined) await tandem.store.alerts.changeStatus(r.alert.id, ['open'], 'acknowledged', { at: after(ackMin), kind: 'acknowledged', actor: ana.id, text: 'ack' });
      if (resolveMin !== undefined) await tandem.store.alerts.changeStatus(r.alert.id, ['open', 'acknowledged'], 'resolved', { at: after(resolveMin), kind: 'resolved', actor: ana.id, text: 'resolved' });
    };
    // Platform, week 2026-W11 (Mon 9 March): three alerts acknowledged after 2, 4 and 30 minutes, two resolved.
    // Ana (Berlin, Mon–Fri 09–17) is paged on Tuesday at 10:00 and 23:00 Berlin time and on Saturday at noon.
    await open(1, platform.id, '2026-03-10T09:00:00Z', [{ personId: ana.id, at: '2026-03-10T09:00:00Z' }], 2, 60);
    await open(2, platform.id, '2026-03-10T22:00:00Z', [{ personId: ana.id, at: '2026-03-10T22:00:00Z' }], 4);
    await open(3, platform.id, '2026-03-14T11:00:00Z', [{ personId: ana.id, at: '2026-03-14T11:00:00Z' }, { personId: jonas.id, at: '2026-03-14T11:15:00Z' }], 30, 120);
    // Growth, the next week: one alert, never acknowledged. Out of the range: one on 1 March.
    await open(4, growth.id, '2026-03-17T15:00:00Z', []);
    await open(5, growth.id, '2026-03-01T15:00:00Z', []);

    const range = 'from=2026-03-09T00:00:00Z&to=2026-03-23T00:00:00Z';
    const res = await call('GET', `/oncall/figures?${range}`, { token: reader });
    expect(res.status).toBe(200);
    expect(res.body.weeks).toEqual([
      ...[
        { teamId: growth.id, week: '2026-W12', alerts: 1, acknowledged: 0, resolved: 0, timeToAcknowledge: { median: null, p90: null }, timeToResolve: { median: null, p90: null } },
        { teamId: platform.id, week: '2026-W11', alerts: 3, acknowledged: 3, resolved: 2, timeToAcknowledge: { median: 4 * 60_000, p90: 30 * 60_000 }, timeToResolve: { median: 60 * 60_000, p90: 120 * 60_000 } },
      ].sort((a, b) => a.teamId.localeCompare(b.teamId)),
    ]);
    expect(res.body.alertsPerTeam).toEqual({ [platform.id]: 3, [growth.id]: 1 });
    expect(res.body.pages).toEqual([
      { personId: ana.id, pages: 3, afterHours: 2 },
      { personId: jonas.id, pages: 1, afterHours: 1 },
    ]);
    // The weeks read in another zone: Tuesday 22:00 UTC is still Tuesday in New York, Saturday 11:00 too.
    expect(((await call('GET', `/oncall/figures?${range}&timeZone=America/New_York`, { token: reader })).body.weeks as { week: string }[]).map((w) => w.week).sort()).toEqual(['2026-W11', '2026-W12']);

    const bad = await call('GET', '/oncall/figures?from=2026-03-09T00:00:00Z&to=2026-09-01T00:00:00Z&timeZone=Mars/Olympus', { token: reader });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.error?.details)).toContain('IANA');
    const long = await call('GET', '/oncall/figures?from=2026-03-09T00:00:00Z&to=2026-09-01T00:00:00Z', { token: reader });
    expect(long.status).toBe(422);
    expect(long.body.error?.message).toContain('at most 93 days');
    expect((await call('GET', `/oncall/figures?${range}`, { token: await mint('no-oncall', ['people:read']) })).status).toBe(403);
  });

  it('is in the OpenAPI document with its scopes and audit actions', async () => {
    const res = await fetch(`${tandem.url}/api/v1/openapi.json`);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { 'x-scope': string; 'x-audit-action'?: string; parameters: { name: string }[] }>> };
    expect(doc.paths['/schedules/{id}/shifts']?.get?.['x-scope']).toBe('oncall:read');
    expect(doc.paths['/schedules/{id}/shifts']?.get?.parameters.map((p) => p.name)).toEqual(['id', 'from', 'to']);
    expect(doc.paths['/schedules/{id}/overrides']?.post?.['x-audit-action']).toBe('schedule.override.create');
    expect(doc.paths['/escalation-routing']?.put?.['x-scope']).toBe('oncall:write');
    expect(doc.paths['/oncall/figures']?.get?.parameters.map((p) => p.name)).toEqual(['from', 'to', 'timeZone']);
  });
});
