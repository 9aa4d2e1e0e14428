import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityKey, type Person } from '../../src/core/people/people.types.js';
import { FakeSlack } from '../support/fake-slack.js';
import { SLACK_TEAM, slackEnv } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';
import { childEnv, killHard, pagesByKey, sleep, spawnTandem } from './support.js';

const ALERTS = 20;
const STEPS = 3;
// Wednesday 2026-06-03 10:00 UTC; the clock runs on from there (a frozen one never ends a dead worker's send lease).
const NOW = new Date('2026-06-03T10:00:00Z').getTime();

/**
 * kill -9 during escalation: 20 alerts, each with a 3-step policy (a different person per step, one minute
 * apart), escalated by child Tandems killed with SIGKILL in the middle of a step and between steps (Slack
 * is rate-limited so a step's 20 sends take seconds). Then one worker is left: every step of
 * every alert was notified, none twice, counted at the fake Slack.
 */
describe('a worker killed with SIGKILL during escalation', () => {
  let fake: FakeSlack;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  const children: ChildProcess[] = [];
  const started = Date.now();
  const clock = { now: () => new Date(NOW + Date.now() - started) };

  beforeAll(async () => {
    fake = await FakeSlack.start({ rateLimit: { perSecond: 5, methods: ['chat.postMessage'] } });
    tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false' }), { workers: false, clock });
  });
  afterAll(async () => {
    for (const child of children) await killHard(child);
    await tandem?.cleanup();
    await fake?.close();
  });

  it('skips no step and sends none twice', { timeout: 900_000 }, async () => {
    const people: Person[] = [];
    for (const [i, name] of ['Ana Souza', 'Ben Okafor', 'Chen Wei'].entries()) {
      const person = await tandem.store.people.create({ name, email: `p${i}@kill.example`, timeZone: 'UTC' });
      const userId = `U00${i}`;
      await tandem.store.identities.link({ platform: 'slack', personId: person.id, key: identityKey.slack(SLACK_TEAM, userId), teamId: SLACK_TEAM, userId }, clock.now());
      people.push(person);
    }
    const team = await tandem.store.teams.create({ name: 'Platform', managerId: people[2]!.id, memberIds: people.map((p) => p.id) });
    const policy = await tandem.core.oncall.policies.create('test', {
      name: 'Three steps', urgency: 'high', repeat: 0,
      steps: people.map((p, i) => ({ delayMinutes: i === 0 ? 0 : 1, target: { kind: 'person' as const, personId: p.id } })),
    });
    await tandem.core.oncall.policies.setRouting('test', { rules: [], defaultPolicyId: policy.id });
    const { key } = await tandem.core.alerts.integrations.create({ name: 'probe', teamId: team.id, defaultSeverity: 'critical' });
    const alertIds: string[] = [];
    for (let i = 0; i < ALERTS; i += 1) {
      const res = await fetch(`${tandem.url}/api/v1/integrations/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routing_key: key, event_action: 'trigger', dedup_key: `kill-${i}`, payload: { summary: `Probe ${i}`, source: 'probe', severity: 'critical' } }),
      });
      expect(res.status).toBe(202);
    }
    for (const a of (await tandem.store.alerts.list({ limit: 100 })).items) alertIds.push(a.id);
    expect(alertIds).toHaveLength(ALERTS);
    const expected = alertIds.flatMap((id) => people.map((p, step) => `escalation:${id}:0:${step}:${p.id}`));
    const sent = () => fake.callsTo('chat.postMessage').length;
    // Each child's clock starts where the test's clock is, and runs on.
    const env = () => childEnv(tandem.config, { ...slackEnv(fake), TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false', TEST_NOW: clock.now().toISOString() });

    // Six workers killed in turn: three in the middle of a step (some of its 20 sends out, some not), three
    // between steps (a step done, the next one waiting for its minute).
    const waitFor = async (ok: () => Promise<boolean>, ms: number) => {
      const until = Date.now() + ms;
      while (!(await ok()) && Date.now() < until) await sleep(25);
    };
    const midStep = async () => sent() % ALERTS >= 3 && sent() % ALERTS <= ALERTS - 3;
    // Between steps: no step job running or waiting, the next ones delayed (the alerts' steps drift apart after a
    // kill, so a count of sends alone rarely shows the gap).
    const betweenSteps = async () => {
      if (sent() === 0 || sent() >= expected.length) return false;
      const counts = await tandem.jobs.queue('alerts').getJobCounts('active', 'waiting', 'prioritized', 'delayed');
      return (counts.active ?? 0) + (counts.waiting ?? 0) + (counts.prioritized ?? 0) === 0 && (counts.delayed ?? 0) > 0;
    };
    const landed = { midStep: 0, betweenSteps: 0 };
    for (let k = 0; k < 6 && sent() < expected.length; k += 1) {
      const child = await spawnTandem(env());
      children.push(child);
      // A step cut by a kill resumes only after BullMQ's stalled-job check (30 s) and a new worker's boot, which a
      // loaded machine stretches: a gap between steps gets longer to arrive than a send in a step's middle.
      const between = k % 2 === 1;
      await waitFor(between ? betweenSteps : midStep, between ? 120_000 : 60_000);
      if (between ? await betweenSteps() : await midStep()) landed[between ? 'betweenSteps' : 'midStep'] += 1;
      await killHard(child);
      if (process.env.DEBUG_KILL) process.stderr.write(`killed after ${sent()} sends (${between ? 'between steps' : 'mid-step'})\n`);
    }
    children.push(await spawnTandem(env()));
    const deadline = Date.now() + 240_000;
    while (sent() < expected.length && Date.now() < deadline) await sleep(1_000);
    await sleep(3_000); // time for a duplicate to show up

    const { skipped, twice } = pagesByKey(fake, expected);
    expect({ midStep: landed.midStep >= 2, betweenSteps: landed.betweenSteps >= 1, skipped, twice, sent: sent() }).toEqual({ midStep: true, betweenSteps: true, skipped: [], twice: [], sent: ALERTS * STEPS });
  });
});
