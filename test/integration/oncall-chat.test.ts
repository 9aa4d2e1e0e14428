import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessageDto } from '../../src/adapters/console/hub.js';
import type { Person, Team } from '../../src/core/people/people.types.js';
import { FakeConnector } from '../support/fake-connector.js';
import { FakeSlack } from '../support/fake-slack.js';
import { blockKitViolations, sendSlack, slackEnv, slashCommand } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';
import { ANA, cardOf, installFor, MEGAN, personalConversationId, postActivity, teamsMessage } from '../support/teams.js';

type Tandem = Awaited<ReturnType<typeof startTestTandem>>;
type Block = { type: string; text?: { text: string }; elements?: { text?: string }[] };
const textOf = (payload: Record<string, unknown>): string =>
  [String(payload.text ?? ''), ...((payload.blocks ?? []) as Block[]).map((b) => [b.text?.text ?? '', ...(b.elements ?? []).map((e) => e.text ?? '')].join(' '))].join('\n');

// Wednesday 25 March 2026, 11:00 in Berlin: "Friday 18:00" is 27 March 18:00 CET (17:00Z).
const clock = { now: () => new Date('2026-03-25T10:00:00Z') };

async function seedPlatform(tandem: Tandem) {
  const lena = await tandem.store.people.create({ name: 'Lena Fischer', email: 'lena@example.com', timeZone: 'Europe/Berlin', roles: ['manager'] });
  const ana = await tandem.store.people.create({ name: 'Ana Souza', email: 'ana@example.com', timeZone: 'Europe/Berlin' });
  const jonas = await tandem.store.people.create({ name: 'Jonas Weber', email: 'jonas@example.com', timeZone: 'America/New_York' });
  const team = await tandem.store.teams.create({ name: 'Platform', managerId: lena.id, memberIds: [ana.id, jonas.id], channels: { console: { channelId: 'platform' } } });
  const schedule = await tandem.core.oncall.schedules.create('test', {
    teamId: team.id,
    name: 'Platform primary',
    timeZone: 'Europe/Berlin',
    layers: [{ name: 'primary', people: [ana.id, jonas.id], shift: 'P1W', handoff: '09:00', start: '2026-03-23', restriction: null }],
  });
  return { lena, ana, jonas, team, scheduleId: schedule.id };
}

describe('/tandem oncall on Slack (signed HTTP, Bolt, fake Slack Web API)', () => {
  let fake: FakeSlack;
  let tandem: Tandem;
  let people: { lena: Person; ana: Person; jonas: Person; team: Team; scheduleId: string };

  const answer = async (text: string, userId: string) => {
    const responseUrl = fake.responseUrl();
    const before = fake.responses.length;
    const res = await sendSlack(tandem.url, slashCommand({ command: '/tandem', text, userId, responseUrl }));
    expect(res.status).toBe(200);
    const [response] = (await fake.waitForResponses(before + 1)).slice(before);
    expect(response?.body.response_type).toBe('ephemeral');
    expect(blockKitViolations({ blocks: response!.body.blocks }, 'message')).toEqual([]);
    return textOf(response!.body);
  };

  beforeAll(async () => {
    fake = await FakeSlack.start();
    fake.addUser({ id: 'ULENA', realName: 'Lena Fischer', email: 'lena@example.com', tz: 'Europe/Berlin' });
    fake.addUser({ id: 'UANA', realName: 'Ana Souza', email: 'ana@example.com', tz: 'Europe/Berlin' });
    fake.addUser({ id: 'UJONAS', realName: 'Jonas Weber', email: 'jonas@example.com', tz: 'America/New_York' });
    tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false' }), { clock });
    people = await seedPlatform(tandem);
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  it('answers who is on call now and next, in the asker’s zone', async () => {
    const text = await answer('oncall', 'UANA');
    expect(text).toContain('*Platform*: <@UANA> until Mon 30 Mar 09:00');
    // Jonas has not used Slack yet, so he is named rather than mentioned.
    expect(text).toContain('Next: *Jonas Weber* from Mon 30 Mar 09:00');
    expect(await answer('oncall platform', 'UJONAS')).toContain('until Mon 30 Mar 03:00'); // New York, after its change
    expect(await answer('oncall Marketing', 'UANA')).toContain('I know no team called “Marketing”');
    expect(await answer('help', 'UANA')).toContain('/tandem oncall');
  });

  it('/tandem oncall cover @jonas until Friday 18:00: parsed in the requester’s zone, audited, told to Jonas', async () => {
    const text = await answer('oncall cover <@UJONAS|jonas> until Friday 18:00', 'ULENA');
    expect(text).toContain('<@UJONAS> covers on-call for Platform from Wed 25 Mar 11:00 until Fri 27 Mar 18:00');
    const shifts = await tandem.core.oncall.schedules.shifts(people.scheduleId, clock.now(), new Date('2026-03-28T00:00:00Z'));
    expect(shifts.map((s) => [s.personId, s.source, s.end.toISOString()])).toEqual([
      [people.jonas.id, 'override', '2026-03-27T17:00:00.000Z'],
      [people.ana.id, 'layer', '2026-03-28T00:00:00.000Z'],
    ]);
    const [dm] = await fake.waitFor('chat.postMessage', 1);
    expect(textOf(dm!.args)).toContain('covers on-call for Platform');
    const audit = await tandem.core.audit.list({ limit: 10, target: `schedule:${people.scheduleId}` });
    expect(audit.items.map((a) => [a.action, a.actor])).toEqual([
      ['schedule.create', 'test'],
      ['schedule.override.create', `person:${people.lena.id}`],
    ]);

    expect(await answer('oncall', 'UANA')).toContain('*Platform*: <@UJONAS> (covering) until Fri 27 Mar 18:00');
  });

  it('refuses a cover it cannot read, or from someone outside the team', async () => {
    expect(await answer('oncall cover <@UJONAS|jonas> until someday', 'ULENA')).toContain('can\'t read “someday”');
    expect(await answer('oncall cover <@UJONAS|jonas> from Friday 18:00 until Friday 09:00', 'ULENA')).toContain('must end after it starts');
    fake.addUser({ id: 'UOUT', realName: 'Out Sider', email: 'out@example.com', tz: 'UTC' });
    expect(await answer('oncall cover until 18:00 on Platform', 'UOUT')).toContain('Only Platform\'s members and manager');
  });
});

describe('oncall in the console', () => {
  let tandem: Tandem;
  let people: Awaited<ReturnType<typeof seedPlatform>>;
  const say = async (as: string, text: string) => {
    const res = await fetch(`${tandem.url}/console/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ as, conversation: `dm:${as}`, text }) });
    expect(res.status).toBe(200);
    return (await res.json()) as { reply: string; messages: MessageDto[] };
  };

  beforeAll(async () => {
    tandem = await startTestTandem({ CONSOLE_ENABLED: 'true', TEAMS_ENABLED: 'false' }, { clock });
    people = await seedPlatform(tandem);
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  it('typed as words in the DM: oncall, then cover, then oncall again', async () => {
    const first = await say(people.jonas.id, 'oncall');
    expect(first.reply).toBe('private');
    expect(first.messages[1]?.text).toBe(`On call for Platform: <@person:${people.ana.id}>`);
    expect(first.messages[1]?.html).toContain('Ana Souza');
    expect(first.messages[1]?.html).toContain('Mon 30 Mar 03:00'); // Jonas reads New York time

    const cover = await say(people.jonas.id, 'oncall cover until tomorrow 09:00');
    expect(cover.messages[1]?.html).toContain('Jonas Weber');
    expect(cover.messages[1]?.html).toContain('until Thu 26 Mar 09:00');
    const after = await say(people.ana.id, '/tandem oncall');
    expect(after.messages[1]?.text).toBe(`On call for Platform: <@person:${people.jonas.id}>`);
  });
});

describe('oncall in Teams (Bot Framework activities, fake connector)', () => {
  let connector: FakeConnector;
  let tandem: Tandem;

  beforeAll(async () => {
    connector = await FakeConnector.start({ members: [MEGAN, ANA] });
    tandem = await startTestTandem({ TEAMS_ENABLED: 'true', CONSOLE_ENABLED: 'false' }, { clock, workers: false });
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await connector?.close();
  });

  it('"oncall" typed to the bot answers with a card naming who is on call and who is next', async () => {
    const megan = await installFor(tandem, connector, MEGAN);
    const ana = await installFor(tandem, connector, ANA);
    await tandem.store.people.update(megan.id, { timeZone: 'Europe/Berlin' });
    const team = await tandem.store.teams.create({ name: 'Support', memberIds: [megan.id, ana.id] });
    await tandem.core.oncall.schedules.create('test', {
      teamId: team.id, name: 'Support', timeZone: 'Europe/Berlin',
      layers: [{ name: 'primary', people: [ana.id, megan.id], shift: 'P1D', handoff: '09:00', start: '2026-03-25', restriction: null }],
    });
    connector.clear();
    expect((await postActivity(tandem.url, teamsMessage({ serviceUrl: connector.serviceUrl, from: MEGAN, text: 'oncall' }))).status).toBe(200);
    const [sent] = connector.sentTo(personalConversationId(MEGAN));
    const card = JSON.stringify(cardOf(sent!));
    expect(card).toContain('Support');
    expect(card).toContain(ANA.name);
    expect(card).toContain('until Thu 26 Mar 09:00');
    expect(card).toMatch(new RegExp(`Next: (<at>)?${MEGAN.name}`));
  });
});
