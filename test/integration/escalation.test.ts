import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/core/alerts/alerts.types.js';
import { DEFAULT_QUESTIONS } from '../../src/core/checkins/checkins.types.js';
import { CHECKIN } from '../../src/core/checkins/checkins.views.js';
import { identityKey, type Person, type Team } from '../../src/core/people/people.types.js';
import { alertsIdle, escalationLine, HandClock, pendingSteps, runDue } from '../support/escalation.js';
import { FakeConnector } from '../support/fake-connector.js';
import { FakeSlack } from '../support/fake-slack.js';
import { eventually } from '../support/servers.js';
import { blockActions, blockKitViolations, sendSlack, SLACK_TEAM, slackEnv, slashCommand } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';
import { adaptiveCardProblems, cardOf, click, executeActions, installFor, MEGAN, personalConversationId } from '../support/teams.js';

type Tandem = Awaited<ReturnType<typeof startTestTandem>>;

/**
 * On-call escalation end to end: alerts raised over HTTP (PagerDuty-style
 * events), steps as jobs under a hand clock, and buttons pressed over real
 * HTTP on Slack (signed block_actions, fake Web API) and Teams (invoke to
 * /api/messages, fake connector); the team channel is on the console.
 * Ana is on call (Slack), Lena manages the team (Teams), Raj is on another team (Slack).
 */
describe('on-call escalation on the real stack', () => {
  // Wednesday 3 June 2026, 12:00 in Berlin.
  const clock = new HandClock(new Date('2026-06-03T10:00:00Z'));
  let slack: FakeSlack;
  let connector: FakeConnector;
  let tandem: Tandem;
  let ana: Person, lena: Person, raj: Person;
  let platform: Team;
  const keys: Record<string, string> = {};

  const trigger = async (integration: string, dedup: string, severity = 'critical'): Promise<Alert> => {
    const res = await fetch(`${tandem.url}/api/v1/integrations/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ routing_key: keys[integration], event_action: 'trigger', dedup_key: dedup, payload: { summary: `Checkout errors (${dedup})`, source: 'api-1', severity } }),
    });
    expect(res.status).toBe(202);
    await runDue(tandem, clock);
    const integrationId = (await tandem.core.alerts.integrations.list()).find((i) => i.name === integration)!.id;
    return (await tandem.store.alerts.get((await tandem.store.alerts.openId(`events:${integrationId}:${dedup}`))!))!;
  };
  const reload = async (a: Alert) => (await tandem.store.alerts.get(a.id))!;
  /** Slack DMs (channel D…) and console posts carrying the alert, by message key. */
  const slackDms = (a: Alert, channel = 'DANA') =>
    slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel && JSON.stringify(c.args.metadata ?? {}).includes(a.id));
  const teamsCards = (a: Alert) => connector.activities.filter((x) => x.method === 'POST' && x.conversationId === personalConversationId(MEGAN) && JSON.stringify(x.activity).includes(a.id));
  const channelPosts = async (a: Alert) => (await reload(a)).messageKeys.filter((k) => k.endsWith(':channel'));
  /**
   * A button pressed on Ana's latest Slack DM about the alert (as whoever `userId` is): answers with the
   * private reply (response_url) or the message as Tandem rewrote it in place (chat.update).
   */
  const press = async (userId: string, actionId: string, alert: Alert, option?: string) => {
    const responseUrl = slack.responseUrl();
    const messageTs = String(slackDms(alert).at(-1)?.answer.ts);
    const updatesOf = () => slack.callsTo('chat.update').filter((c) => c.args.ts === messageTs);
    const [responses, updates] = [slack.responses.length, updatesOf().length];
    const value = option ? `${alert.id}|${option}` : alert.id;
    expect((await sendSlack(tandem.url, blockActions({ userId, actionId, value, responseUrl, channelId: 'DANA', messageTs }))).status).toBe(200);
    await slack.waitUntil(() => slack.responses.length > responses || updatesOf().length > updates, 10_000, `an answer to ${actionId}`);
    return JSON.stringify(slack.responses.length > responses ? slack.responses.at(-1)!.body : updatesOf().at(-1)!.args.blocks);
  };

  beforeAll(async () => {
    slack = await FakeSlack.start();
    slack.addUser({ id: 'UANA', realName: 'Ana Souza', email: 'ana@example.com', tz: 'Europe/Berlin' });
    slack.addUser({ id: 'URAJ', realName: 'Raj Patel', email: 'raj@example.com', tz: 'Asia/Kolkata' });
    connector = await FakeConnector.start({ members: [MEGAN] });
    tandem = await startTestTandem(slackEnv(slack), { clock });
    lena = await tandem.store.people.create({ name: 'Megan Bowen', email: MEGAN.email!, timeZone: 'Europe/Berlin', roles: ['manager'] });
    ana = await tandem.store.people.create({ name: 'Ana Souza', email: 'ana@example.com', timeZone: 'Europe/Berlin' });
    raj = await tandem.store.people.create({ name: 'Raj Patel', email: 'raj@example.com', timeZone: 'Asia/Kolkata' });
    for (const [person, userId] of [[ana, 'UANA'], [raj, 'URAJ']] as const) {
      await tandem.store.identities.link({ platform: 'slack', personId: person.id, key: identityKey.slack(SLACK_TEAM, userId), teamId: SLACK_TEAM, userId }, clock.now());
    }
    expect((await installFor(tandem, connector, MEGAN)).id).toBe(lena.id);
    platform = await tandem.store.teams.create({ name: 'Platform', managerId: lena.id, memberIds: [ana.id], channels: { console: { channelId: 'platform' } } });
    const data = await tandem.store.teams.create({ name: 'Data', managerId: lena.id, memberIds: [ana.id] });
    await tandem.store.teams.create({ name: 'Payments', managerId: raj.id, memberIds: [raj.id] });
    const layer = { name: 'primary', people: [ana.id], shift: 'P1W', handoff: '09:00', start: '2026-06-01', restriction: null };
    const schedule = await tandem.core.oncall.schedules.create('test', { teamId: platform.id, name: 'Platform primary', timeZone: 'Europe/Berlin', layers: [layer] });
    const dataSchedule = await tandem.core.oncall.schedules.create('test', { teamId: data.id, name: 'Data primary', timeZone: 'Europe/Berlin', layers: [layer] });
    const oncall = { kind: 'oncall' as const, scheduleId: schedule.id };
    const main = await tandem.core.oncall.policies.create('test', {
      name: 'Platform default', urgency: 'high', repeat: 1,
      steps: [{ delayMinutes: 0, target: oncall }, { delayMinutes: 0, target: { kind: 'channel' } }, { delayMinutes: 10, target: { kind: 'manager' } }],
    });
    const dataPolicy = await tandem.core.oncall.policies.create('test', { name: 'Data', urgency: 'high', repeat: 0, steps: [{ delayMinutes: 0, target: { kind: 'oncall', scheduleId: dataSchedule.id } }, { delayMinutes: 15, target: { kind: 'manager' } }] });
    const low = await tandem.core.oncall.policies.create('test', { name: 'Platform low', urgency: 'low', repeat: 0, steps: [{ delayMinutes: 0, target: oncall }] });
    await tandem.core.oncall.policies.setRouting('test', { rules: [{ severities: ['info'], policyId: low.id }, { teamId: data.id, policyId: dataPolicy.id }], defaultPolicyId: main.id });
    for (const [name, teamId] of [['platform', platform.id], ['data', data.id]] as const) {
      keys[name] = (await tandem.core.alerts.integrations.create({ name, teamId, defaultSeverity: 'critical' })).key;
    }
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await slack?.close();
    await connector?.close();
  });
  beforeEach(() => {
    slack.reset();
    connector.clear();
  });

  it('runs each step at its delay under the clock, every round, then stops', async () => {
    const alert = await trigger('platform', 'timeline');
    // Steps 1 and 2 at once: Ana on Slack, the team channel on the console.
    expect(slackDms(alert)).toHaveLength(1);
    expect(await channelPosts(alert)).toHaveLength(1);
    expect(teamsCards(alert)).toHaveLength(0);
    const [dm] = slackDms(alert);
    expect(blockKitViolations({ blocks: dm!.args.blocks }, 'message')).toEqual([]);
    const shown = JSON.stringify(dm!.args.blocks);
    for (const label of ['Acknowledge', 'Resolve', 'Snooze 30 min', 'Snooze 2 h', 'Snooze until tomorrow 09:00', 'Escalate now', 'step 1 of 3, round 1 of 2']) expect(shown).toContain(label);
    expect(shown).toContain('<@UANA>'); // who is on call
    clock.advance(9);
    expect(await runDue(tandem, clock)).toBe(0);
    clock.advance(1);
    await runDue(tandem, clock);
    // Step 3 (Lena on Teams), then round 2 starts at once: Ana and the channel again.
    expect(teamsCards(alert)).toHaveLength(1);
    expect(adaptiveCardProblems(cardOf(teamsCards(alert)[0]!))).toEqual([]);
    expect(slackDms(alert)).toHaveLength(2);
    expect(await channelPosts(alert)).toHaveLength(2);
    clock.advance(10);
    await runDue(tandem, clock);
    expect(teamsCards(alert)).toHaveLength(2);
    expect(await pendingSteps(tandem)).toEqual([]);
    expect(escalationLine(await reload(alert))).toEqual(['escalation_started', 'notified@0.0', 'posted@0.1', 'notified@0.2', 'notified@1.0', 'posted@1.1', 'notified@1.2']);

    // The same alert: Ana (Slack) and Lena (Teams) acknowledge at the same moment; exactly one wins.
    const ack = executeActions(cardOf(teamsCards(alert)[1]!)).find((b) => b.verb === 'escalation.ack')!;
    const [slackAnswer, teamsAnswer] = await Promise.all([press('UANA', 'escalation.ack', alert), click(tandem.url, connector, MEGAN, teamsCards(alert)[1]!, ack.verb)]);
    const after = await reload(alert);
    expect(after.status).toBe('acknowledged');
    expect(after.timeline.filter((t) => t.kind === 'acknowledged')).toHaveLength(1);
    const loser = after.acknowledgedBy === ana.id ? JSON.stringify(teamsAnswer) : slackAnswer;
    expect(loser).toContain('acknowledged this alert first');
    // Every copy on every platform now shows who acknowledged: both Slack DMs, both console posts, both Teams cards.
    await eventually(async () => slack.callsTo('chat.update').length >= 2, 10_000, 'Slack copies updated');
    expect(new Set(slack.callsTo('chat.update').map((c) => c.args.ts))).toEqual(new Set(slackDms(alert).map((c) => c.answer.ts)));
    await eventually(async () => connector.activities.filter((x) => x.method === 'PUT').length >= 2, 10_000, 'Teams copies updated');
    for (const key of await channelPosts(alert)) {
      const [address] = await tandem.core.messenger.addresses(key);
      const copy = await tandem.store.consoleMessages.get(address!.messageId);
      expect(JSON.stringify(copy!.view)).toContain('Acknowledged by');
    }
  });

  it('no notification after an acknowledgement; someone not notified is told it is not theirs', async () => {
    const alert = await trigger('platform', 'acked');
    expect(await press('URAJ', 'escalation.ack', alert)).toContain('This alert is not yours');
    expect((await reload(alert)).status).toBe('open');
    expect(await press('UANA', 'escalation.ack', alert)).toContain('Acknowledged by');
    clock.advance(30);
    await runDue(tandem, clock);
    expect(teamsCards(alert)).toHaveLength(0);
    expect(slackDms(alert)).toHaveLength(1);
    expect(escalationLine(await reload(alert))).toEqual(['escalation_started', 'notified@0.0', 'posted@0.1', 'stopped@0.2']);
  });

  it('a snooze stops the chain; when it runs out the alert opens again and Ana is told again', async () => {
    const alert = await trigger('platform', 'snoozed');
    await press('UANA', 'escalation.snooze', alert, '30m');
    const snoozed = await reload(alert);
    expect(snoozed).toMatchObject({ status: 'acknowledged', acknowledgedBy: ana.id, wave: 1 });
    clock.advance(20);
    await runDue(tandem, clock);
    expect(teamsCards(alert)).toHaveLength(0); // the manager step of the first wave did nothing
    clock.advance(10);
    await runDue(tandem, clock);
    const reopened = await reload(alert);
    expect(reopened.status).toBe('open');
    expect(slackDms(alert)).toHaveLength(2);
    expect(reopened.timeline.map((t) => t.kind)).toContain('reopened');
  });

  it('Escalate now runs the next step at once, exactly once', async () => {
    const alert = await trigger('platform', 'now');
    await Promise.all([press('UANA', 'escalation.now', alert), press('UANA', 'escalation.now', alert)]);
    await runDue(tandem, clock);
    expect(teamsCards(alert)).toHaveLength(1);
    expect((await reload(alert)).timeline.filter((t) => t.kind === 'escalated' && t.actor === ana.id)).toHaveLength(1);
  });

  it('an undeliverable notification moves to the next step at once, on the timeline', async () => {
    // Ana's DM channel is kept from the pages of the tests before: Slack refuses it, then refuses to open one.
    slack.failNext('chat.postMessage', 'account_inactive');
    slack.failNext('conversations.open', 'user_not_found');
    const alert = await trigger('data', 'undeliverable');
    expect(teamsCards(alert)).toHaveLength(1); // Lena, without waiting 15 minutes
    const line = (await reload(alert)).timeline.find((t) => t.data?.escalation === 'undeliverable');
    expect(line?.text).toContain('could not be delivered');
  });

  it('low urgency waits for the working hours of the person on call', async () => {
    clock.at = new Date('2026-06-03T20:00:00Z'); // 22:00 in Berlin
    const alert = await trigger('platform', 'low', 'info');
    expect(slackDms(alert)).toHaveLength(0);
    expect(escalationLine(await reload(alert))).toEqual(['escalation_started', 'deferred@0.0']);
    clock.at = new Date('2026-06-04T06:59:00Z');
    await runDue(tandem, clock);
    expect(slackDms(alert)).toHaveLength(0);
    clock.at = new Date('2026-06-04T07:00:00Z'); // 09:00 in Berlin
    await runDue(tandem, clock);
    expect(slackDms(alert)).toHaveLength(1);
  });

  it('an urgent blocker in a check-in, or one the manager pages about, becomes an alert escalated by the team’s policy', async () => {
    clock.at = new Date('2026-06-04T08:00:00Z');
    const raj2 = await tandem.store.people.create({ name: 'Jonas Weber', email: 'jonas@example.com', timeZone: 'Europe/Berlin' });
    await tandem.store.teams.update(platform.id, { memberIds: [ana.id, raj2.id] });
    const { checkin } = await tandem.store.checkins.createOnce({
      personId: raj2.id, teamId: platform.id, period: '2026-W23', timeZone: 'Europe/Berlin', questions: DEFAULT_QUESTIONS, previousPriorities: null, promptedAt: clock.now(), deadlineAt: new Date('2026-06-05T16:00:00Z'),
    });
    const values = Object.fromEntries(DEFAULT_QUESTIONS.map((q) => [q.id, q.kind === 'mood' ? '3' : 'The staging database is down, nobody can deploy']));
    const ctx = (actor: Person) => ({ actor, platform: 'console' as const });
    await tandem.core.interactions.submitForm(ctx(raj2), CHECKIN.form, { ...values, [CHECKIN.needsHelpInput]: ['urgent'] }, checkin.id);
    await runDue(tandem, clock);
    const blocker = (await tandem.store.checkins.blockerOf(checkin.id))!;
    const alert = (await tandem.store.alerts.get((await tandem.store.alerts.openId(`blocker:${blocker.id}`))!))!;
    expect(alert).toMatchObject({ source: 'blocker', teamId: platform.id, title: 'Blocker: Jonas Weber needs help' });
    expect(slackDms(alert)).toHaveLength(1); // Ana, on call
    expect(await press('UANA', 'escalation.ack', alert)).toContain('Acknowledged by');

    // The manager pages about another blocker from its message.
    const { blocker: other } = await tandem.store.checkins.createBlocker({ checkinId: 'c'.repeat(24), personId: ana.id, teamId: platform.id, managerId: lena.id, period: '2026-W23', text: 'Waiting on legal' }, clock.now());
    expect(JSON.stringify(await tandem.core.interactions.runAction(ctx(raj2), CHECKIN.blockerPage, other.id))).toContain('Only the manager');
    expect(JSON.stringify(await tandem.core.interactions.runAction(ctx(lena), CHECKIN.blockerPage, other.id))).toContain('Paged');
    await runDue(tandem, clock);
    const paged = (await tandem.store.alerts.get((await tandem.store.alerts.openId(`blocker:${other.id}`))!))!;
    expect(escalationLine(paged).slice(0, 3)).toEqual(['escalation_started', 'notified@0.0', 'posted@0.1']);
  });

  it('/tandem alerts lists the open alerts of the person’s teams', async () => {
    const responseUrl = slack.responseUrl();
    await sendSlack(tandem.url, slashCommand({ command: '/tandem', text: 'alerts', userId: 'UANA', responseUrl }));
    const [answer] = await slack.waitForResponses(1, 10_000);
    const text = JSON.stringify(answer!.body);
    expect(text).toContain('Open alerts of your teams');
    expect(text).toContain('Checkout errors (low)');
    await alertsIdle(tandem);
  });
});
