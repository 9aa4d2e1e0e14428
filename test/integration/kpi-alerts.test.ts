import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Person, Team } from '../../src/core/people/people.types.js';
import { KPI_JOBS } from '../../src/core/kpis/deps.js';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { eventually } from '../support/servers.js';
import { startTestTandem } from '../support/stack.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies of many shapes, checked by expect
const H = 3_600_000;
// mean 10, sample σ exactly 2: boundaries below are exact in floating point.
const TEN = [13, 7, 13, 7, 10, 10, 10, 10, 10, 10];

describe('KPI alerts over HTTP on the real stack', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let admin: string;
  let lena: Person, ana: Person;
  let team: Team;
  const T0 = new Date('2026-11-20T00:00:00Z');
  const clock = { at: new Date('2026-11-25T12:00:00Z'), now() { return new Date(this.at); } };
  const hour = (n: number) => new Date(T0.getTime() + n * H).toISOString();

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${admin}` }) => {
    const res = await fetch(`${tandem.url}/api/v1${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const defineKpi = (key: string, extra: Json = {}) =>
    call('POST', '/kpis', { key, name: key, unit: 'ms', direction: 'lower_is_better', target: 100, thresholds: { amber: 200, red: 300 }, perspective: 'process', ownerTeamId: team.id, cadence: 'PT1H', ...extra });
  const samples = (key: string, values: number[], from = 0) => call('POST', `/kpis/${key}/samples`, { samples: values.map((value, i) => ({ at: hour(from + i), value })) });
  const settled = async (key: string) =>
    eventually(async () => (await call('GET', `/kpis/${key}/samples`)).body.items.every((s: Json) => s.judged), 20_000, `samples of ${key} judged`);
  const alertsOf = async (key: string) => (await call('GET', `/alerts?kpi=${key}`)).body.items as [Json, ...Json[]];

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false' }, { clock });
    admin = generateToken();
    await tandem.store.tokens.create({ name: 'ops', hash: hashToken(admin), scopes: ['admin'] });
    lena = await tandem.store.people.create({ name: 'Lena Fischer', email: 'lena@example.com', roles: ['manager'] });
    ana = await tandem.store.people.create({ name: 'Ana Lima', email: 'ana@example.com' });
    team = await tandem.store.teams.create({ name: 'Platform', managerId: lena.id, memberIds: [ana.id] });
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('defines KPIs with validation, audit and OpenAPI; changing terms makes a version', async () => {
    const created = await defineKpi('latency', { bounds: { min: 0, max: 10_000 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'latency', ownerRole: 'manager', statistics: { baselineSize: 20, minBaseline: 8, sides: 'bad' }, alerts: { resolveAfter: 3 } });
    expect((await defineKpi('latency')).status).toBe(409);
    expect((await defineKpi('Bad Key')).status).toBe(422);
    const wrong = await defineKpi('wrong', { thresholds: { amber: 300, red: 200 } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.message).toContain('target ≤ amber ≤ red');
    expect((await defineKpi('nocadence', { cadence: 'hourly' })).body.error.message).toContain('ISO 8601 duration');
    const openapi = await fetch(`${tandem.url}/api/v1/openapi.json`).then((r) => r.json() as Promise<Json>);
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/kpis', '/kpis/{key}/versions', '/kpis/{key}/samples', '/alerts', '/alerts/{id}']));
    expect((await call('GET', '/audit?target=kpi:latency')).body.items[0]).toMatchObject({ action: 'kpi.create', actor: 'ops' });
  });

  it('judges a sample before a target change by the old version, after it by the new one', async () => {
    await defineKpi('nps', { unit: '', direction: 'higher_is_better', target: 50, thresholds: { amber: 40, red: 30 }, perspective: 'customer' });
    const change = await call('PATCH', '/kpis/nps', { target: 60, thresholds: { amber: 55, red: 45 }, effectiveFrom: hour(10) });
    expect(change.status).toBe(200);
    const versions = (await call('GET', '/kpis/nps/versions')).body.items;
    expect(versions.map((v: Json) => [v.version, v.target])).toEqual([[1, 50], [2, 60]]);
    await call('POST', '/kpis/nps/samples', { samples: [{ at: hour(9), value: 50 }, { at: hour(11), value: 50 }] });
    await settled('nps');
    const judged = (await call('GET', '/kpis/nps/samples')).body.items;
    expect(judged.map((s: Json) => [s.version, s.rag])).toEqual([[1, 'green'], [2, 'amber']]);
    const alerts = await alertsOf('nps');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: 'threshold', severity: 'warning', lastValue: 50 });
    expect(alerts[0].explanation).toContain('Target 60');
  });

  it('takes samples idempotently; a different value is an audited correction', async () => {
    await defineKpi('idem');
    expect((await call('POST', '/kpis/idem/samples', { at: hour(1), value: 5 })).body).toEqual({ inserted: 1, unchanged: 0, corrected: 0 });
    expect((await call('POST', '/kpis/idem/samples', { at: hour(1), value: 5 })).body).toEqual({ inserted: 0, unchanged: 1, corrected: 0 });
    expect((await call('POST', '/kpis/idem/samples', { at: hour(1), value: 6 })).body).toEqual({ inserted: 0, unchanged: 0, corrected: 1 });
    const [sample] = (await call('GET', '/kpis/idem/samples')).body.items;
    expect(sample).toMatchObject({ value: 6, corrections: [{ value: 5, by: 'ops' }] });
    const entries: Json[] = (await call('GET', '/audit?target=kpi:idem')).body.items;
    expect(entries.map((e) => e.action)).toContain('kpi.sample.correct');
    // Each submission audited and settled (its entry is written beside the judging, before the samples).
    expect(entries.filter((e) => e.action === 'kpi.samples.record')).toEqual(Array.from({ length: 3 }, () => expect.objectContaining({ actor: 'ops', status: 'done', after: { samples: 1 } })));
  });

  it('refuses bad samples with 422 and the reason, writing nothing of the request', async () => {
    const bad = [
      { body: { samples: [{ at: hour(1), value: 1 }, { at: hour(2), value: 20_000 }] }, reason: 'above the KPI' },
      { body: `{"samples":[{"at":"${hour(3)}","value":1},{"at":"${hour(4)}","value":1e999}]}`, reason: 'finite' },
      { body: { samples: [{ at: hour(5), value: 1 }, { at: new Date(clock.at.getTime() + 25 * H).toISOString(), value: 1 }] }, reason: 'more than a day in the future' },
      { body: { samples: Array.from({ length: 1001 }, (_, i) => ({ at: hour(i), value: 1 })) }, reason: 'At most 1000' },
    ];
    for (const b of bad) {
      const res = await call('POST', '/kpis/latency/samples', b.body);
      expect(res.status).toBe(422);
      expect(JSON.stringify(res.body.error)).toContain(b.reason);
    }
    expect((await call('GET', '/kpis/latency/samples')).body.items).toEqual([]);
    // Refused before anything is written: not even an audit entry.
    expect((await call('GET', '/audit?target=kpi:latency')).body.items.map((e: Json) => e.action)).not.toContain('kpi.samples.record');
  });

  it('a point at exactly 3σ does not fire, just beyond does; fewer than 8 baseline samples fire nothing', async () => {
    await defineKpi('at3');
    await defineKpi('beyond3');
    await defineKpi('short');
    await samples('at3', [...TEN, 16]);
    await samples('beyond3', [...TEN, 16.001]);
    await samples('short', [13, 7, 12, 8, 11, 9, 10, 100]);
    await Promise.all(['at3', 'beyond3', 'short'].map(settled));
    expect(await alertsOf('at3')).toEqual([]);
    expect(await alertsOf('short')).toEqual([]);
    const [exception] = await alertsOf('beyond3');
    expect(exception).toMatchObject({ rule: 'sigma3', severity: 'exception', status: 'open', lastValue: 16.001 });
    expect(exception.explanation).toMatch(/Baseline: mean 10 ms ± 2 \(σ\) over the last 10 samples/);
    expect(exception.explanation).toContain('Trend: ');
    const flagged = (await call('GET', '/kpis/beyond3/samples')).body.items.at(-1);
    expect(flagged.exception).toBe(true);
  });

  it('raises shifts by run rules, and suspected input errors beyond 10σ', async () => {
    await defineKpi('shift8');
    await samples('shift8', [...TEN, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5]);
    await defineKpi('typo');
    await samples('typo', [...TEN, 31]);
    await Promise.all(['shift8', 'typo'].map(settled));
    expect((await alertsOf('shift8')).map((a) => a.rule)).toEqual(['run_8']);
    const [typo] = await alertsOf('typo');
    expect(typo).toMatchObject({ rule: 'input_error', title: 'typo: suspected input error' });
    expect(typo.explanation).toContain('probably an input error');
  });

  it('folds further breaches into one alert and resolves it after 3 normal samples', async () => {
    await defineKpi('dedup');
    await samples('dedup', [350, 400, 320]);
    await settled('dedup');
    let [alert] = await alertsOf('dedup');
    expect(alert).toMatchObject({ rule: 'threshold', severity: 'critical', count: 3, lastValue: 320, worstValue: 400, status: 'open' });
    await samples('dedup', [100, 100], 3);
    await settled('dedup');
    expect((await alertsOf('dedup'))[0].status).toBe('open');
    await samples('dedup', [100], 5);
    await settled('dedup');
    [alert] = await alertsOf('dedup');
    expect(alert.status).toBe('resolved');
    const full = (await call('GET', `/alerts/${alert.id}`)).body;
    expect(full.timeline.map((t: Json) => t.kind)).toEqual(['opened', 'notified', 'updated', 'updated', 'resolved']);
  });

  it('opens exactly one alert when breaches race for the same key', async () => {
    const entry = { at: clock.now(), kind: 'opened' as const, text: 'race' };
    const input = { key: 'kpi:race:threshold', severity: 'critical' as const, teamId: team.id, source: 'kpi' as const, title: 'race', explanation: 'race', lastValue: 1, worstValue: 1 };
    const results = await Promise.all(Array.from({ length: 10 }, () => tandem.store.alerts.open(input, clock.now(), entry)));
    expect(results.filter((r) => r.opened)).toHaveLength(1);
    expect(new Set(results.map((r) => (r.opened ? r.alert.id : r.id))).size).toBe(1);
  });

  it('folds racing breaches into one alert with none lost (worst kept, severity only raised), and none into a resolved one', async () => {
    const at = clock.now();
    const input = { key: 'kpi:race:sigma3', severity: 'warning' as const, teamId: team.id, source: 'kpi' as const, title: 'race', explanation: 'race', lastValue: 50, worstValue: 50, worse: 'lower' as const };
    const opened = await tandem.store.alerts.open(input, at, { at, kind: 'opened', text: 'race' });
    if (!opened.opened) throw new Error('expected a new alert');
    const id = opened.alert.id;
    const breach = (value: number, severity: 'warning' | 'critical' = 'warning') => ({ at, value, severity, title: `race ${severity}`, explanation: 'again', worse: 'lower' as const });
    const values = [48, 45, 49, 40, 47, 46, 44, 43, 42, 41];
    const results = await Promise.all(values.map((v, i) => tandem.store.alerts.addBreach(id, breach(v, i === 3 ? 'critical' : 'warning'), { at, kind: 'updated', text: `again ${v}` })));
    expect(results.every((r) => r !== null)).toBe(true);
    const live = (await tandem.store.alerts.get(id))!;
    expect(live).toMatchObject({ count: 11, worstValue: 40, severity: 'critical', title: 'race critical' });
    expect(live.timeline.filter((t) => t.kind === 'updated')).toHaveLength(10);
    await tandem.store.alerts.changeStatus(id, ['open', 'acknowledged'], 'resolved', { at, kind: 'resolved', text: 'done' });
    expect(await tandem.store.alerts.addBreach(id, breach(30), { at, kind: 'updated', text: 'too late' })).toBeNull();
    expect(await tandem.store.alerts.get(id)).toMatchObject({ status: 'resolved', count: 11, worstValue: 40 });
  });

  it('silences suppress notifications but still record the alert', async () => {
    await defineKpi('quiet');
    const silence = await call('POST', '/alerts/silences', { kpiKey: 'quiet', until: new Date(clock.at.getTime() + 2 * H).toISOString(), reason: 'planned migration' });
    expect(silence.status).toBe(201);
    expect((await call('POST', '/alerts/silences', { until: new Date(clock.at.getTime() + H).toISOString(), reason: 'no target' })).status).toBe(422);
    await samples('quiet', [500]);
    await settled('quiet');
    const [alert] = await alertsOf('quiet');
    expect(alert.timeline.map((t: Json) => t.kind)).toEqual(['opened', 'suppressed']);
    expect(alert.timeline[1].text).toContain('planned migration');
    expect(alert.silencedUntil).toBeDefined();
  });

  it('Alertmanager webhook v4: raises, updates and resolves by fingerprint, with the integration key as bearer', async () => {
    const integration = await call('POST', '/integrations', { name: 'prometheus', teamId: team.id });
    expect(integration.status).toBe(201);
    const auth = { authorization: `Bearer ${integration.body.key}` };
    const payload = (status: 'firing' | 'resolved') => ({
      version: '4',
      groupKey: '{}:{alertname="HighLatency"}',
      truncatedAlerts: 0,
      status,
      receiver: 'tandem',
      groupLabels: { alertname: 'HighLatency' },
      commonLabels: { alertname: 'HighLatency', severity: 'critical' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [{ status, labels: { alertname: 'HighLatency', severity: 'critical', instance: 'api-1' }, annotations: { summary: 'p99 above 1s' }, startsAt: '2026-11-25T11:50:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus/graph', fingerprint: 'c0ffee' }],
    });
    expect((await call('POST', '/integrations/alertmanager', payload('firing'), { authorization: 'Bearer tik_wrong' })).status).toBe(401);
    expect((await call('POST', '/integrations/alertmanager', { version: '3' }, auth)).status).toBe(422);
    expect((await call('POST', '/integrations/alertmanager', payload('firing'), auth)).body).toMatchObject({ raised: 1 });
    expect((await call('POST', '/integrations/alertmanager', payload('firing'), auth)).body).toMatchObject({ updated: 1 });
    let [alert] = (await call('GET', `/alerts?team=${team.id}&status=open`)).body.items.filter((a: Json) => a.source === 'alertmanager');
    expect(alert).toMatchObject({ severity: 'critical', count: 2, title: 'HighLatency: p99 above 1s', teamId: team.id });
    expect((await call('POST', '/integrations/alertmanager', payload('resolved'), auth)).body).toMatchObject({ resolved: 1 });
    alert = (await call('GET', `/alerts/${alert.id}`)).body;
    expect(alert.status).toBe('resolved');
  });

  it('PagerDuty Events v2: trigger raises and updates by dedup_key, acknowledge and resolve change it', async () => {
    const { key } = (await call('POST', '/integrations', { name: 'pd-style', teamId: team.id })).body;
    const event = (action: string) => ({ routing_key: key, event_action: action, dedup_key: 'disk-full-db1', payload: { summary: 'Disk 95% full on db1', source: 'db1', severity: 'error' } });
    const first = await call('POST', '/integrations/events', event('trigger'), {});
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'success', dedup_key: 'disk-full-db1', outcome: 'raised' });
    const burst = await Promise.all(Array.from({ length: 5 }, () => call('POST', '/integrations/events', event('trigger'), {})));
    expect(burst.every((r) => r.body.outcome === 'updated')).toBe(true);
    expect((await call('POST', '/integrations/events', { ...event('trigger'), routing_key: 'nope' }, {})).status).toBe(400);
    expect((await call('POST', '/integrations/events', { ...event('trigger'), payload: undefined }, {})).status).toBe(400);
    expect((await call('POST', '/integrations/events', event('acknowledge'), {})).body.outcome).toBe('acknowledged');
    expect((await call('POST', '/integrations/events', event('resolve'), {})).body.outcome).toBe('resolved');
    const [alert] = (await call('GET', `/alerts?team=${team.id}`)).body.items.filter((a: Json) => a.source === 'events');
    expect(alert).toMatchObject({ status: 'resolved', count: 6, severity: 'critical' });
    expect(alert.timeline.map((t: Json) => t.kind)).toEqual(expect.arrayContaining(['opened', 'updated', 'acknowledged', 'resolved']));
  });

  it('raises a stale alert when no sample arrives within 1.5 × cadence, by the Clock, and resolves it on the next sample', async () => {
    await defineKpi('feed', { cadence: 'PT2H' });
    await call('POST', '/kpis/feed/samples', { at: clock.now().toISOString(), value: 100 });
    await settled('feed');
    const last = clock.now().getTime();
    clock.at = new Date(last + 3 * H); // exactly 1.5 × PT2H: not stale yet
    expect(await tandem.core.kpis.checkStale()).not.toContain('feed');
    clock.at = new Date(last + 3 * H + 60_000);
    await tandem.jobs.enqueue(KPI_JOBS.stale, {}, { jobId: 'stale-check-1' });
    await eventually(async () => (await alertsOf('feed')).some((a) => a.rule === 'stale' && a.status === 'open'), 10_000, 'a stale alert');
    const [stale] = await alertsOf('feed');
    expect(stale).toMatchObject({ severity: 'stale', teamId: team.id });
    expect(stale.explanation).toContain('expected every PT2H');
    await call('POST', '/kpis/feed/samples', { at: clock.now().toISOString(), value: 100 });
    await eventually(async () => (await alertsOf('feed'))[0]?.status === 'resolved', 10_000, 'the stale alert resolved by a new sample');
  });

  it('in chat: `/tandem kpi KEY`, `kpis`, and owners only can mark a data error from the alert', async () => {
    const asLena = { actor: lena, platform: 'console' as const };
    const one = await tandem.core.interactions.commandFromText(asLena, 'kpi typo');
    expect(one.kind).toBe('private');
    const shown = JSON.stringify(one);
    expect(shown).toContain('Target');
    expect(shown).toContain('typo: suspected input error');
    const list = JSON.stringify(await tandem.core.interactions.runCommand(asLena, 'tandem', 'kpis'));
    expect(list).toContain('`nps`');
    const typo = (await alertsOf('typo')).find((a) => a.rule === 'input_error') as Json;
    expect(typo).toMatchObject({ kpiKey: 'typo', lastAt: hour(10) });
    const denied = await tandem.core.interactions.runAction({ actor: ana, platform: 'console' }, 'alert.data_error', typo.id);
    expect(JSON.stringify(denied)).toContain('Only the owners');
    const done = await tandem.core.interactions.runAction(asLena, 'alert.data_error', typo.id);
    expect(done.kind, JSON.stringify(done)).toBe('update');
    const after = (await call('GET', `/alerts/${typo.id}`)).body;
    expect(after.status).toBe('resolved');
    expect(after.timeline.map((t: Json) => t.kind)).toEqual(expect.arrayContaining(['data_error', 'resolved']));
    const sample = (await call('GET', '/kpis/typo/samples')).body.items.at(-1);
    expect(sample.dataError).toBe(true);
    expect((await call('GET', '/audit?target=kpi:typo')).body.items.map((e: Json) => e.action)).toContain('kpi.sample.data_error');
    const silenced = JSON.stringify(await tandem.core.interactions.runCommand(asLena, 'tandem', 'silence nps 2h release week'));
    expect(silenced).toContain('silenced until');
  });
});
