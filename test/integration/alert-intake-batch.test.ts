import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/core/alerts/alerts.types.js';
import { identityKey, type Person, type Team } from '../../src/core/people/people.types.js';
import { alertsIdle, escalationLine, HandClock, pendingSteps, runDue } from '../support/escalation.js';
import { FakeSlack } from '../support/fake-slack.js';
import { SLACK_TEAM, slackEnv } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';

type Tandem = Awaited<ReturnType<typeof startTestTandem>>;

/**
 * The intake under concurrency: new alerts are recorded in group-committed
 * bulk writes (the dedup key by `_id` insert, the alert with its escalation
 * frozen in it), the first steps queued in bulk, the pages reserved in bulk;
 * routing, policies and silences come from a cache that every change drops.
 */
describe('alert intake in bulk on the real stack', () => {
  // Wednesday 3 June 2026, 12:00 in Berlin.
  const clock = new HandClock(new Date('2026-06-03T10:00:00Z'));
  let slack: FakeSlack;
  let tandem: Tandem;
  let ana: Person, lena: Person;
  let team: Team;
  let key = '';
  let integrationId = '';
  const policies = { main: '', other: '' };

  const post = async (fingerprints: string[]) => {
    const res = await fetch(`${tandem.url}/api/v1/integrations/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        status: 'firing',
        commonLabels: { alertname: 'Burst', severity: 'critical' },
        alerts: fingerprints.map((fingerprint) => ({ status: 'firing', labels: { instance: fingerprint }, annotations: { summary: `Burst ${fingerprint}` }, fingerprint })),
      }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { raised: number; updated: number };
  };
  const alertOf = async (fingerprint: string): Promise<Alert> => (await tandem.store.alerts.get((await tandem.store.alerts.openId(`am:${integrationId}:${fingerprint}`))!))!;
  const dmsAbout = (a: Alert) => slack.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.args.metadata ?? {}).includes(a.id));

  beforeAll(async () => {
    slack = await FakeSlack.start();
    slack.addUser({ id: 'UANA', realName: 'Ana Souza', email: 'ana@example.com', tz: 'Europe/Berlin' });
    tandem = await startTestTandem(slackEnv(slack), { clock });
    lena = await tandem.store.people.create({ name: 'Lena Fischer', email: 'lena@example.com', timeZone: 'Europe/Berlin', roles: ['manager'] });
    ana = await tandem.store.people.create({ name: 'Ana Souza', email: 'ana@example.com', timeZone: 'Europe/Berlin' });
    await tandem.store.identities.link({ platform: 'slack', personId: ana.id, key: identityKey.slack(SLACK_TEAM, 'UANA'), teamId: SLACK_TEAM, userId: 'UANA' }, clock.now());
    team = await tandem.store.teams.create({ name: 'Platform', managerId: lena.id, memberIds: [ana.id] });
    const layer = { name: 'primary', people: [ana.id], shift: 'P1W', handoff: '09:00', start: '2026-06-01', restriction: null };
    const schedule = await tandem.core.oncall.schedules.create('test', { teamId: team.id, name: 'Platform primary', timeZone: 'Europe/Berlin', layers: [layer] });
    const steps = [{ delayMinutes: 0, target: { kind: 'oncall' as const, scheduleId: schedule.id } }, { delayMinutes: 10, target: { kind: 'manager' as const } }];
    policies.main = (await tandem.core.oncall.policies.create('test', { name: 'Platform default', urgency: 'high', repeat: 0, steps })).id;
    policies.other = (await tandem.core.oncall.policies.create('test', { name: 'Platform other', urgency: 'high', repeat: 0, steps })).id;
    await tandem.core.oncall.policies.setRouting('test', { rules: [], defaultPolicyId: policies.main });
    const integration = await tandem.core.alerts.integrations.create({ name: 'prometheus', teamId: team.id, defaultSeverity: 'critical' });
    key = integration.key;
    integrationId = integration.id;
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await slack?.close();
  });

  it('40 alerts, each posted 3 times at once: one alert each, escalation frozen at the insert, one page each', async () => {
    const fingerprints = Array.from({ length: 40 }, (_, i) => `fp${String(i).padStart(2, '0')}`);
    const answers = await Promise.all([...fingerprints, ...fingerprints, ...fingerprints].map((fp) => post([fp])));
    expect(answers.reduce((n, a) => n + a.raised, 0)).toBe(40);
    expect(answers.reduce((n, a) => n + a.updated, 0)).toBe(80);
    await runDue(tandem, clock);
    await alertsIdle(tandem);
    const alerts = await Promise.all(fingerprints.map(alertOf));
    const pending = await pendingSteps(tandem);
    for (const alert of alerts) {
      expect(alert).toMatchObject({ status: 'open', count: 3, escalation: { policyId: policies.main, onCall: expect.any(Object) } });
      expect(alert.timeline.filter((t) => t.kind === 'opened')).toHaveLength(1);
      // Started once (written with the alert), step 1 sent once to Ana, step 2 waiting for its 10 minutes.
      expect(escalationLine(alert)).toEqual(['escalation_started', 'notified@0.0']);
      expect(dmsAbout(alert)).toHaveLength(1);
      expect(pending.filter((id) => id.includes(alert.id))).toHaveLength(1);
      // The page went out on the alert's own hold: where it went is kept with its line, and posted nowhere else.
      const [page] = alert.messageKeys;
      expect(alert.copies).toEqual([{ key: page, platform: 'slack', channel: dmsAbout(alert)[0]!.args.channel, messageId: String(dmsAbout(alert)[0]!.answer.ts) }]);
      expect(alert.cursor).toEqual({ repeat: 0, step: 0 });
      expect(await tandem.store.postedMessages.addresses(page!)).toEqual([]);
    }
    // The step's job run again after all (a crash after the line, before the job was discarded; or a second
    // process): it reads the alert, finds the page kept there and sends nothing, without waiting out the hold.
    const again = alerts[0]!;
    const started = Date.now();
    expect(await tandem.core.escalation.runStep(again.id, 0, 0)).toMatchObject({ kind: 'ran', notified: [ana.id] });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(dmsAbout(again)).toHaveLength(1);
    expect(escalationLine(await tandem.store.alerts.get(again.id).then((a) => a!))).toEqual(['escalation_started', 'notified@0.0']);
  });

  it('eight openings of one key at once: one alert written; each of the others gives up what its record set going', async () => {
    const at = clock.now();
    const input = { key: 'test:race:one', severity: 'critical' as const, teamId: team.id, source: 'alertmanager' as const, title: 'race', explanation: 'race', lastValue: null, worstValue: null };
    const asked: string[] = [];
    const abandoned: string[] = [];
    const record = (id: string) => {
      asked.push(id);
      return { timeline: [], timelineKeys: [], abandoned: () => abandoned.push(id) };
    };
    const results = await Promise.all(Array.from({ length: 8 }, () => tandem.store.alerts.open(input, at, { at, kind: 'opened', actor: 'test', text: 'race' }, record)));
    const won = results.flatMap((r) => (r.opened ? [r.alert.id] : []));
    expect(won).toHaveLength(1);
    expect(results.filter((r) => !r.opened).map((r) => (r.opened ? '' : r.id))).toEqual(Array(7).fill(won[0]));
    // Asked before the writes, once per id; given up for every id but the one written.
    expect(asked).toHaveLength(8);
    expect(abandoned.sort()).toEqual(asked.filter((id) => id !== won[0]).sort());
  });

  it('reserves a message key once when ten workers reserve it at once (group commit)', async () => {
    const at = clock.now();
    const reservations = await Promise.all(Array.from({ length: 10 }, () => tandem.store.postedMessages.reserve('bench:once', 'slack', at, 30_000)));
    expect(reservations.filter((r) => r.state === 'reserved')).toHaveLength(1);
    expect(reservations.filter((r) => r.state === 'busy')).toHaveLength(9);
    await tandem.store.postedMessages.complete('bench:once', 'slack', { platform: 'slack', channel: 'DANA', messageId: '1.0' });
    expect(await tandem.store.postedMessages.reserve('bench:once', 'slack', at, 30_000)).toEqual({ state: 'sent' });
  });

  it('a new alert follows a routing change, a silence and its removal made after the cache was filled', async () => {
    await post(['warm']);
    expect((await alertOf('warm')).escalation?.policyId).toBe(policies.main);
    await tandem.core.oncall.policies.setRouting('test', { rules: [{ teamId: team.id, policyId: policies.other }], defaultPolicyId: policies.main });
    await post(['routed']);
    expect((await alertOf('routed')).escalation?.policyId).toBe(policies.other);
    const silence = await tandem.core.alerts.silences.create({ teamId: team.id, until: new Date(clock.now().getTime() + 3_600_000).toISOString(), reason: 'maintenance' }, 'test');
    await post(['hushed']);
    const hushed = await alertOf('hushed');
    expect(hushed.escalation).toBeUndefined();
    expect(hushed.timeline.map((t) => t.kind)).toEqual(['opened', 'suppressed']);
    await tandem.core.alerts.silences.remove(silence.id);
    await post(['loud']);
    expect((await alertOf('loud')).escalation?.policyId).toBe(policies.other);
  });
});
