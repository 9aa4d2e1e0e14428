import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageDto } from '../../src/adapters/console/hub.js';
import { isShown, type SurveyRound } from '../../src/core/surveys/surveys.types.js';
import type { Person, Team } from '../../src/core/people/people.types.js';
import { FakeConnector } from '../support/fake-connector.js';
import { startTestTandem } from '../support/stack.js';
import { ANA, MEGAN, RIDO, adaptiveCardProblems, cardAction, cardOf, executeActions, installFor, personalConversationId, postActivity, teamsMessage, type Card } from '../support/teams.js';

type Tandem = Awaited<ReturnType<typeof startTestTandem>>;
const ALL_DAYS: (1 | 2 | 3 | 4 | 5 | 6 | 7)[] = [1, 2, 3, 4, 5, 6, 7];

const waitFor = async <T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await read();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('a pulse survey answered in Microsoft Teams (botbuilder over HTTP, fake connector)', () => {
  let connector: FakeConnector;
  let tandem: Tandem;
  let megan: Person;
  let team: Team;

  /** Clicks the Action.Execute titled `title` (or the first with `verb`) of a card; returns the card Teams gets back. */
  const press = async (card: Card, verb: string, replyToId: string, title?: string): Promise<Card> => {
    const action = executeActions(card).find((a) => a.verb === verb && (title === undefined || a.title === title));
    if (!action) throw new Error(`no ${verb} ${title ?? ''} on ${JSON.stringify(card).slice(0, 500)}`);
    const res = await postActivity(tandem.url, cardAction({ serviceUrl: connector.serviceUrl, from: MEGAN, verb, data: action.data ?? {}, replyToId, conversationId: personalConversationId(MEGAN) }));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { value: Card };
    return answer.value;
  };

  beforeAll(async () => {
    connector = await FakeConnector.start({ members: [MEGAN, ANA, RIDO] });
    tandem = await startTestTandem({ CONSOLE_ENABLED: 'false' });
    megan = await installFor(tandem, connector, MEGAN);
    const ana = await installFor(tandem, connector, ANA);
    const rido = await installFor(tandem, connector, RIDO);
    for (const p of [megan, ana]) await tandem.store.people.update(p.id, { workingDays: ALL_DAYS });
    team = await tandem.store.teams.create({ name: 'Contoso', managerId: rido.id, memberIds: [megan.id, ana.id] });
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await connector?.close();
  });

  it('sends the intro card, asks one question at a time, takes a typed reply, and confirms the summary', async () => {
    await tandem.core.surveys.define({ template: 'enps', audience: { kind: 'teams', teamIds: [team.id] }, schedule: { kind: 'once', time: '00:00' } });
    const intro = await connector.waitForActivity((a) => a.conversationId === personalConversationId(MEGAN) && JSON.stringify(a.activity).includes('survey.start'), 15_000);
    expect(JSON.stringify(intro.activity)).toContain('How anonymity works');
    expect(adaptiveCardProblems(cardOf(intro))).toEqual([]);
    let card = await press(cardOf(intro), 'survey.start', intro.activityId);
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(executeActions(card).filter((a) => a.verb === 'survey.pick').map((a) => a.title)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    card = await press(card, 'survey.pick', intro.activityId, '7');
    expect(JSON.stringify(card)).toContain('Type your answer');
    const res = await postActivity(tandem.url, teamsMessage({ serviceUrl: connector.serviceUrl, from: MEGAN, text: 'Good people, slow tooling' }));
    expect(res.status).toBe(200);
    const summary = await connector.waitForActivity((a) => a.conversationId === personalConversationId(MEGAN) && JSON.stringify(a.activity).includes('survey.confirm'), 10_000);
    expect(JSON.stringify(summary.activity)).toContain('Good people, slow tooling');
    card = await press(cardOf(summary), 'survey.confirm', summary.activityId);
    expect(JSON.stringify(card)).toContain('are in');
    expect(JSON.stringify(card)).not.toContain('slow tooling');
    // Answered: no reminder for Megan.
    const [round] = (await tandem.core.surveys.get((await tandem.core.surveys.list())[0]!.id)).rounds;
    expect(await tandem.core.surveys.remind(round!.id, megan.id, 1)).toBe(false);
  });
});

describe('a pulse survey answered in the console; the fatigue guard; suppression below the floor', () => {
  let tandem: Tandem;
  const people: Person[] = [];
  let manager: Person;
  let team: Team;
  let round: SurveyRound;

  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await fetch(`${tandem.url}/console/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  const dmOf = async (p: Person): Promise<MessageDto[]> =>
    ((await (await fetch(`${tandem.url}/console/api/conversations/dm:${p.id}/messages?as=${p.id}`)).json()) as { messages: MessageDto[] }).messages;
  const buttons = (m: MessageDto) => [...m.html.matchAll(/data-action-id="([^"]+)" data-value="([^"]*)">([^<]*)</g)].map((x) => ({ actionId: x[1]!, value: x[2]!.replaceAll('&#39;', "'"), label: x[3]! }));
  const act = async (p: Person, m: MessageDto, actionId: string, label?: string) => {
    const b = buttons(m).find((x) => x.actionId === actionId && (label === undefined || x.label === label));
    if (!b) throw new Error(`no ${actionId} ${label ?? ''} in ${m.html}`);
    return post<{ reply: string; messages: MessageDto[]; form?: { id: string; metadata: string | null } }>('/actions', { as: p.id, conversation: `dm:${p.id}`, messageId: m.id, actionId, value: b.value.replaceAll('&amp;', '&') });
  };

  beforeAll(async () => {
    tandem = await startTestTandem({ CONSOLE_ENABLED: 'true', TEAMS_ENABLED: 'false' });
    manager = await tandem.store.people.create({ name: 'Omar Manager', email: 'omar@example.com', roles: ['manager'], workingDays: ALL_DAYS });
    for (const name of ['Pia', 'Quinn', 'Rosa', 'Sam']) people.push(await tandem.store.people.create({ name, email: `${name.toLowerCase()}@example.com`, timeZone: 'Asia/Kolkata', workingDays: ALL_DAYS }));
    for (const p of [manager, ...people]) await post('/session', { personId: p.id });
    team = await tandem.store.teams.create({ name: 'Ops', managerId: manager.id, memberIds: people.map((p) => p.id), channels: { console: { channelId: 'ops' } } });
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  it('asks one question at a time with buttons, a typed reply and the form', async () => {
    const survey = await tandem.core.surveys.define({ template: 'enps', audience: { kind: 'teams', teamIds: [team.id] }, schedule: { kind: 'once', time: '00:00' } });
    const [pia, ...others] = people;
    const intro = await waitFor(async () => (await dmOf(pia!)).find((m) => m.html.includes('survey.start')), 'the intro DM');
    expect(intro.text).toContain('anonymous survey');
    let r = await act(pia!, intro, 'survey.start');
    expect(r.reply).toBe('update');
    r = await act(pia!, r.messages[0]!, 'survey.pick', '9');
    expect(r.messages[0]!.html).toContain('Type your answer');
    const typed = await post<{ messages: MessageDto[] }>('/messages', { as: pia!.id, conversation: `dm:${pia!.id}`, text: 'Calm on-call weeks' });
    const summary = typed.messages.at(-1)!;
    expect(summary.html).toContain('Calm on-call weeks');
    r = await act(pia!, summary, 'survey.confirm');
    expect(r.messages[0]!.text).toContain('are in');

    for (const [i, p] of others.entries()) {
      const invite = await waitFor(async () => (await dmOf(p)).find((m) => m.html.includes('survey.form')), 'an intro DM');
      const opened = await act(p, invite, 'survey.form');
      expect(opened.reply).toBe('form');
      const done = await post<{ reply: string }>('/forms', { as: p.id, conversation: `dm:${p.id}`, formId: 'survey.answer', values: { enps: String(8 + i), why: '' }, metadata: opened.form?.metadata, messageId: invite.id });
      expect(done.reply).toBe('update');
    }
    round = (await tandem.core.surveys.get(survey.id)).rounds[0]!;
    expect(round).toMatchObject({ status: 'open', invited: 4 });
  });

  it('holds back a second survey to the same people within 7 days, and says why', async () => {
    const second = await tandem.core.surveys.define({ name: 'Another one', template: 'custom', questions: [{ id: 'q', text: 'Is it fine?', kind: 'agree5' }], audience: { kind: 'org' }, schedule: { kind: 'once', time: '00:00' } });
    const waiting = await waitFor(async () => (await tandem.core.surveys.get(second.id)).rounds.find((r) => r.waiting), 'the waiting round');
    expect(waiting.status).toBe('waiting');
    expect(waiting.waiting?.reason).toMatch(/fatigue guard: 4 of 5 people had another survey less than 7 days before/);
    expect(waiting.waiting!.until.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    // Nobody got its invitation.
    for (const p of people) expect((await dmOf(p)).some((m) => m.text.includes('Another one'))).toBe(false);
  });

  it('with 4 respondents shows no figure, not even the count, and stores no answers', async () => {
    // Before its time a close job only comes back later; the admin "close now" closes at once.
    expect(await tandem.core.surveys.close(round.id)).toBeNull();
    const results = await tandem.core.surveys.closeNow(round.surveyId);
    expect(results && isShown(results.org)).toBe(false);
    expect(results?.teams.every((t) => !isShown(t))).toBe(true);
    expect(JSON.stringify(results)).not.toMatch(/"respondents"|"responseRate"|"invited"|Calm on-call/);
    expect(await tandem.store.conn.db!.collection('survey_answers').countDocuments()).toBe(0);
    const toManager = await waitFor(async () => (await dmOf(manager)).find((m) => m.text.startsWith('Results')), 'the results DM');
    expect(toManager.html).toContain('Not shown');
    expect(toManager.html).not.toMatch(/\d+ of \d+ answered|eNPS <|eNPS \*|mean/);
  });
});
