import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityKey } from '../../src/core/people/people.types.js';
import { FakeSlack } from '../support/fake-slack.js';
import { freePort } from '../support/servers.js';
import { SLACK_TEAM, slackEnv } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';
import { childEnv, killHard, pagesByKey, sleep, spawnTandem } from './support.js';

const ALERTS = 20;

/**
 * kill -9 while new alerts' first steps run in the process that opened them (no step job fetched): 20 alerts
 * posted to a child Tandem, whose first steps page at once, Slack rate-limited so the pages take seconds; the
 * child is killed in the middle. The crash nets of the first steps started together (one job per group, listing
 * their alerts) were queued before the steps began, due after the grace: another process runs them, each queuing
 * its alerts' first steps under their own ids, those cut short page and those done find their pages sent: every
 * page arrives once, counted at the fake Slack.
 */
describe('a process killed with SIGKILL during first steps run in process', () => {
  let fake: FakeSlack;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    fake = await FakeSlack.start({ rateLimit: { perSecond: 5, methods: ['chat.postMessage'] } });
    tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false' }), { workers: false });
  });
  afterAll(async () => {
    for (const child of children) await killHard(child);
    await tandem?.cleanup();
    await fake?.close();
  });

  it('pages each alert once: the steps cut short are run by their jobs after the grace', { timeout: 300_000 }, async () => {
    const ana = await tandem.store.people.create({ name: 'Ana Souza', email: 'ana@first-step.example', timeZone: 'UTC' });
    await tandem.store.identities.link({ platform: 'slack', personId: ana.id, key: identityKey.slack(SLACK_TEAM, 'U0ANA'), teamId: SLACK_TEAM, userId: 'U0ANA' }, new Date());
    const team = await tandem.store.teams.create({ name: 'Platform', managerId: ana.id, memberIds: [ana.id] });
    const policy = await tandem.core.oncall.policies.create('test', { name: 'Ana at once', urgency: 'high', repeat: 0, steps: [{ delayMinutes: 0, target: { kind: 'person', personId: ana.id } }] });
    await tandem.core.oncall.policies.setRouting('test', { rules: [], defaultPolicyId: policy.id });
    const { key } = await tandem.core.alerts.integrations.create({ name: 'probe', teamId: team.id, defaultSeverity: 'critical' });

    const port = await freePort();
    const env = (p: number) => childEnv(tandem.config, { ...slackEnv(fake), TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false', PORT: String(p) });
    const first = await spawnTandem(env(port));
    children.push(first);
    const answers = await Promise.all(
      Array.from({ length: ALERTS }, (_, i) =>
        fetch(`http://127.0.0.1:${port}/api/v1/integrations/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ routing_key: key, event_action: 'trigger', dedup_key: `first-${i}`, payload: { summary: `Probe ${i}`, source: 'probe', severity: 'critical' } }),
        }).then((r) => r.status),
      ),
    );
    expect(answers.every((s) => s === 202)).toBe(true);
    // The alerts' pages only: this Tandem runs on the wall clock, so the team's weekly check-in (due on Friday
    // afternoons) may prompt Ana too.
    const pages = () => fake.callsTo('chat.postMessage').filter((c) => (c.args.metadata as { event_payload: { key: string } }).event_payload.key.startsWith('escalation:'));
    const sent = () => pages().length;
    const until = Date.now() + 30_000;
    while (sent() < 3 && Date.now() < until) await sleep(10);
    // In process: the pages go out while the crash nets wait delayed, none fetched by a worker; fewer nets than
    // alerts (those started together share one), and no step job of their own (the other delayed job: on-call's
    // hourly coverage check). Every alert is in a net still there, or was paged (a net whose steps all ended is
    // discarded): the nets are read first.
    const queue = await tandem.jobs.queue('alerts').getJobCounts('active', 'waiting', 'prioritized');
    const delayed = await tandem.jobs.queue('alerts').getDelayed();
    const pagedAtSnapshot = new Set(pages().map((c) => (c.args.metadata as { event_payload: { key: string } }).event_payload.key.split(':')[1]));
    await killHard(first);
    const atKill = sent();
    const nets = delayed.filter((j) => j.name === 'escalation.net');
    const inNets = new Set(nets.flatMap((j) => (j.data as { alertIds: string[] }).alertIds));
    expect({
      waitingOrActive: (queue.active ?? 0) + (queue.waiting ?? 0) + (queue.prioritized ?? 0),
      fewerNetsThanAlerts: nets.length > 0 && nets.length < ALERTS,
      stepJobs: delayed.filter((j) => j.name === 'escalation.step').length,
      cutShort: atKill < ALERTS,
    }).toEqual({ waitingOrActive: 0, fewerNetsThanAlerts: true, stepJobs: 0, cutShort: true });
    if (process.env.DEBUG_KILL) process.stderr.write(`${nets.length} crash nets for ${inNets.size} alerts, ${pagedAtSnapshot.size} paged before\n`);

    children.push(await spawnTandem(env(await freePort())));
    const deadline = Date.now() + 150_000;
    while (sent() < ALERTS && Date.now() < deadline) await sleep(500);
    await sleep(3_000); // time for a duplicate to show up

    const alertIds = (await tandem.store.alerts.list({ limit: 100 })).items.map((a) => a.id);
    const expected = alertIds.map((id) => `escalation:${id}:0:0:${ana.id}`);
    const { skipped, twice } = pagesByKey(fake, expected);
    expect(alertIds.filter((id) => !inNets.has(id) && !pagedAtSnapshot.has(id))).toEqual([]);
    if (process.env.DEBUG_KILL) process.stderr.write(`sent ${atKill} before the kill, ${sent()} in all\n`);
    expect({ alerts: alertIds.length, skipped, twice, sent: sent() }).toEqual({ alerts: ALERTS, skipped: [], twice: [], sent: ALERTS });
  });
});
