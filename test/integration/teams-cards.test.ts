import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Person, Team } from '../../src/core/people/people.types.js';
import { FakeConnector } from '../support/fake-connector.js';
import { startTestTandem } from '../support/stack.js';
import type { Card, InvokeAnswer } from '../support/teams.js';
import { ANA, MEGAN, adaptiveCardProblems, cardAction, cardOf, click, executeActions, installFor, personalConversationId, postActivity, teamsMessage } from '../support/teams.js';

/** Ids and types of every input of a card. */
function inputsOf(node: unknown, out: { id: string; type: string; style?: string }[] = []) {
  if (Array.isArray(node)) node.forEach((n) => inputsOf(n, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.type === 'string' && o.type.startsWith('Input.') && typeof o.id === 'string') out.push({ id: o.id, type: o.type, ...(typeof o.style === 'string' ? { style: o.style } : {}) });
    Object.values(o).forEach((n) => inputsOf(n, out));
  }
  return out;
}

/**
 * The features' real views and forms, as Teams receives them: every card
 * Tandem sends for the commands people type must pass the official Adaptive
 * Cards SDK without errors or warnings.
 */
describe('Adaptive Cards of the real features in Teams', () => {
  let connector: FakeConnector;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let ana: Person;
  let team: Team;
  beforeAll(async () => {
    connector = await FakeConnector.start({ members: [MEGAN, ANA] });
    tandem = await startTestTandem({ TEAMS_ENABLED: 'true' }, { workers: false });
    const megan = await installFor(tandem, connector, MEGAN);
    ana = await installFor(tandem, connector, ANA);
    team = await tandem.store.teams.create({ name: 'Delivery', managerId: megan.id, memberIds: [megan.id, ana.id] });
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await connector?.close();
  });

  it.each(['help', 'kudos', 'kudos stats', 'checkin', 'checkin history', 'tandem checkin history', 'something unknown'])('"%s" answers with cards the SDK accepts', async (text) => {
    connector.clear();
    expect((await postActivity(tandem.url, teamsMessage({ serviceUrl: connector.serviceUrl, from: ANA, text }))).status).toBe(200);
    const sent = connector.sentTo(personalConversationId(ANA));
    expect(sent.length).toBeGreaterThan(0);
    for (const recorded of sent) {
      if (!recorded.activity.attachments) continue;
      const card = cardOf(recorded);
      expect(card.version).toBe('1.5');
      expect(adaptiveCardProblems(card), JSON.stringify(card).slice(0, 400)).toEqual([]);
    }
  });

  it('a check-in through Teams: prompt card, its button opens the form in place, the submitted form is answered; every card passes the SDK', async () => {
    connector.clear();
    const period = DateTime.utc().plus({ weeks: 1 }).toFormat("kkkk-'W'WW");
    expect(await tandem.core.checkins.prompt(ana.id, team.id, period)).not.toBeNull();
    const [prompt] = connector.sentTo(personalConversationId(ANA));
    const promptCard = cardOf(prompt!);
    expect(adaptiveCardProblems(promptCard)).toEqual([]);

    const open = executeActions(promptCard)[0]!;
    const formAnswer = await click(tandem.url, connector, ANA, prompt!, open.verb);
    expect(formAnswer.type).toBe('application/vnd.microsoft.card.adaptive');
    const form = formAnswer.value as Card;
    expect(adaptiveCardProblems(form)).toEqual([]);
    const inputs = inputsOf(form);
    expect(inputs.length).toBeGreaterThan(1);

    const values = Object.fromEntries(inputs.map((i) => [i.id, i.type === 'Input.ChoiceSet' ? (i.style === 'expanded' && i.id !== 'needsHelp' ? '4' : '') : 'Shipped the importer']));
    const submit = executeActions(form).find((a) => a.verb === 'form.submit')!;
    const res = await postActivity(tandem.url, cardAction({ serviceUrl: connector.serviceUrl, from: ANA, verb: 'form.submit', data: { ...(submit.data ?? {}), ...values }, replyToId: prompt!.activityId }));
    const answered = (await res.json()) as InvokeAnswer;
    expect(answered.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(adaptiveCardProblems(answered.value)).toEqual([]);
    expect(JSON.stringify(answered.value)).toContain('Shipped the importer');
    expect((await tandem.core.checkins.current(ana.id))?.status).toBe('answered');
  });
});
