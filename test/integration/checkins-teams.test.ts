import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORM_SUBMIT_VERB } from '../../src/adapters/teams/cards.js';
import type { Clock } from '../../src/core/clock.js';
import type { Person, Team } from '../../src/core/people/people.types.js';
import { FakeConnector } from '../support/fake-connector.js';
import { startTestTandem } from '../support/stack.js';
import { ANA, MEGAN, RIDO, cardAction, click, executeActions, installFor, personalConversationId, postActivity, teamsMessage } from '../support/teams.js';

class HandClock implements Clock {
  constructor(private at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
}

describe('check-ins answered in Microsoft Teams over HTTP (botbuilder, fake connector)', () => {
  // Friday 2026-11-27 15:00 UTC.
  const clock = new HandClock(new Date('2026-11-27T15:00:00Z'));
  let connector: FakeConnector;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let megan: Person;
  let ana: Person;
  let team: Team;

  beforeAll(async () => {
    connector = await FakeConnector.start({ members: [MEGAN, ANA, RIDO] });
    tandem = await startTestTandem({ CONSOLE_ENABLED: 'false' }, { clock });
    megan = await installFor(tandem, connector, MEGAN);
    ana = await installFor(tandem, connector, ANA);
    const rido = await installFor(tandem, connector, RIDO);
    team = await tandem.store.teams.create({ name: 'Contoso', managerId: rido.id, memberIds: [megan.id, ana.id] });
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await connector?.close();
  });

  it('DMs the prompt card, opens the answer card from its button, and takes the submitted inputs', async () => {
    const c = await tandem.core.checkins.prompt(megan.id, team.id, '2026-W48');
    const prompt = await connector.waitForActivity((a) => a.conversationId === personalConversationId(MEGAN) && JSON.stringify(a.activity).includes('checkin.open'), 10_000);
    expect(executeActions(prompt.activity.attachments).map((a) => a.verb)).toEqual(expect.arrayContaining(['checkin.open', 'checkin.snooze', 'checkin.skip']));

    const opened = await click(tandem.url, connector, MEGAN, prompt, 'checkin.open');
    const card = JSON.stringify(opened.value);
    for (const id of ['progress', 'obstacles', 'needs_help', 'priorities', 'mood']) expect(card).toContain(`"id":"${id}"`);
    const submit = executeActions(opened.value).find((a) => a.verb === FORM_SUBMIT_VERB);
    expect(submit).toBeDefined();

    const send = async (inputs: Record<string, string>) => {
      const res = await postActivity(
        tandem.url,
        cardAction({ serviceUrl: connector.serviceUrl, from: MEGAN, verb: FORM_SUBMIT_VERB, data: { ...(submit?.data ?? {}), ...inputs }, replyToId: prompt.activityId, conversationId: prompt.conversationId }),
      );
      expect(res.status).toBe(200);
      return JSON.stringify(await res.json());
    };
    // A missing required answer keeps the card open with the message next to the input.
    expect(await send({ progress: '', priorities: 'Q1 plan', mood: '3' })).toContain('a sentence is enough');
    const done = await send({ progress: 'Migrated the tenant', obstacles: 'Waiting for a licence', needs_help: 'yes', priorities: 'Q1 plan', mood: '3' });
    expect(done).toContain('Migrated the tenant');
    expect(await tandem.store.checkins.get(c!.id)).toMatchObject({ status: 'answered', needsHelp: true, answers: { progress: 'Migrated the tenant', obstacles: 'Waiting for a licence', mood: '3' } });
    // The manager is told in Teams, with the blocker buttons.
    const toManager = await connector.waitForActivity((a) => a.conversationId === personalConversationId(RIDO) && JSON.stringify(a.activity).includes('checkin.blocker.ack'), 10_000);
    expect(JSON.stringify(toManager.activity)).toContain('Waiting for a licence');
  });

  it('takes step-by-step answers typed in the 1:1 chat', async () => {
    await tandem.core.checkins.prompt(ana.id, team.id, '2026-W48');
    await connector.waitForActivity((a) => a.conversationId === personalConversationId(ANA) && JSON.stringify(a.activity).includes('checkin.open'), 10_000);
    for (const text of ['Closed the audit', 'skip', 'Onboard the new hire', '4']) {
      const res = await postActivity(tandem.url, teamsMessage({ serviceUrl: connector.serviceUrl, from: ANA, text }));
      expect(res.status).toBe(200);
    }
    await connector.waitForActivity((a) => a.conversationId === personalConversationId(ANA) && JSON.stringify(a.activity).includes('is in'), 10_000);
    expect(await tandem.store.checkins.byPersonPeriod(ana.id, '2026-W48')).toMatchObject({
      status: 'answered',
      answers: { progress: 'Closed the audit', priorities: 'Onboard the new hire', mood: '4' },
    });
    // Both answered: the summary reached the manager in Teams.
    await connector.waitForActivity((a) => a.conversationId === personalConversationId(RIDO) && JSON.stringify(a.activity).includes('2 of 2'), 10_000);
  });
});
