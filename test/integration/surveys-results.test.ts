import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Person, Team } from '../../src/core/people/people.types.js';
import { pickValue } from '../../src/core/surveys/surveys.views.js';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { startTestTandem } from '../support/stack.js';

type Tandem = Awaited<ReturnType<typeof startTestTandem>>;

/*
 * Suppression through the admin API on the real store: organisation 10,
 * team A 6, team B 4. B is below the floor, and A is hidden too, since
 * 10 − 6 would reveal B; the organisation is shown. Answers go through the
 * core's interaction entry point (the chat adapters are covered elsewhere).
 */
describe('survey results through the admin API: complementary suppression, comments and counts', () => {
  let tandem: Tandem;
  let token: string;
  const a: Person[] = [];
  const b: Person[] = [];
  let teamA: Team;
  let teamB: Team;
  let surveyId: string;

  const api = async (path: string, method = 'GET') => {
    const res = await fetch(`${tandem.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const answer = async (p: Person, roundId: string, enps: number, why: string) => {
    const ctx = { actor: p, platform: 'console' as const };
    await tandem.core.interactions.runAction(ctx, 'survey.start', roundId);
    await tandem.core.interactions.runAction(ctx, 'survey.pick', pickValue(roundId, 'enps', enps));
    await tandem.core.interactions.runAction(ctx, 'survey.pick', pickValue(roundId, 'why', why));
    const done = await tandem.core.interactions.runAction(ctx, 'survey.confirm', roundId);
    expect(JSON.stringify(done)).toContain('are in');
  };

  beforeAll(async () => {
    tandem = await startTestTandem({ CONSOLE_ENABLED: 'false', TEAMS_ENABLED: 'false' });
    for (let i = 0; i < 6; i += 1) a.push(await tandem.store.people.create({ name: `A${i}`, email: `a${i}@example.com`, workingDays: [1, 2, 3, 4, 5, 6, 7] }));
    for (let i = 0; i < 4; i += 1) b.push(await tandem.store.people.create({ name: `B${i}`, email: `b${i}@example.com`, workingDays: [1, 2, 3, 4, 5, 6, 7] }));
    teamA = await tandem.store.teams.create({ name: 'A', memberIds: a.map((p) => p.id) });
    teamB = await tandem.store.teams.create({ name: 'B', memberIds: b.map((p) => p.id) });
    token = generateToken();
    await tandem.store.tokens.create({ name: 'reader', hash: hashToken(token), scopes: ['surveys:read', 'surveys:write'] });
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  it('opens the round for the whole organisation and takes ten answers, refusing one that does not fit', async () => {
    const survey = await tandem.core.surveys.define({
      name: 'Org pulse',
      template: 'custom',
      questions: [
        { id: 'enps', text: 'Recommend us?', kind: 'scale10' },
        { id: 'why', text: 'Why?', kind: 'text' },
      ],
      audience: { kind: 'org' },
      schedule: { kind: 'once', time: '00:00' },
    });
    surveyId = survey.id;
    // The job worker opens the round at once.
    let round = (await tandem.core.surveys.get(surveyId)).rounds[0];
    for (let i = 0; i < 100 && round?.status !== 'open'; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      round = (await tandem.core.surveys.get(surveyId)).rounds[0];
    }
    if (!round) throw new Error('the round did not open');
    expect(round.status).toBe('open');
    expect(round.invited).toBe(10);
    // An out-of-range click is refused with a reason.
    const bad = await tandem.core.interactions.runAction({ actor: a[0]!, platform: 'console' }, 'survey.pick', pickValue(round.id, 'enps', 11));
    expect(JSON.stringify(bad)).toContain('does not fit');
    // Team A: 10, 10, 9, 8, 6, 0; team B: 10, 9, 3, 2.
    for (const [i, p] of a.entries()) await answer(p, round.id, [10, 10, 9, 8, 6, 0][i]!, `from A ${i}`);
    for (const [i, p] of b.entries()) await answer(p, round.id, [10, 9, 3, 2][i]!, `from B ${i}`);
    // Nothing is published while the round is open.
    expect((await api(`/surveys/${surveyId}/results`)).status).toBe(409);
  });

  it('shows the organisation (10) and hides B (4) and A (6, since 10 − 6 reveals B), with their counts and comments', async () => {
    // A close that dies after saving the results and before storing the anonymous answers: the retry keeps the
    // results, stores the answers from the keyed responses (still there) and finishes.
    const answers = tandem.store.surveys.answers;
    const insertRound = answers.insertRound.bind(answers);
    answers.insertRound = async () => {
      answers.insertRound = insertRound;
      throw new Error('killed before the anonymous answers were stored');
    };
    expect((await api(`/surveys/${surveyId}/close`, 'POST')).status).toBe(500);
    expect(await tandem.store.conn.db!.collection('survey_results').countDocuments()).toBe(1);
    expect(await tandem.store.conn.db!.collection('survey_answers').countDocuments()).toBe(0);
    expect(await tandem.store.surveys.responses.ofRound(`${surveyId}.1`)).toHaveLength(10);
    expect((await api(`/surveys/${surveyId}/close`, 'POST')).status).toBe(200);
    const whole = await api(`/surveys/${surveyId}/results`);
    expect(whole.status).toBe(200);
    // Organisation eNPS: promoters 10, 10, 9, 10, 9 (5), detractors 6, 0, 3, 2 (4) of 10 -> +10.
    expect(whole.body.org).toMatchObject({ respondents: 10, invited: 10, responseRate: 1, enps: 10 });
    const orgWhy = (whole.body.org as { questions: { id: string; comments: string[] }[] }).questions.find((q) => q.id === 'why');
    expect(orgWhy?.comments).toHaveLength(10);

    for (const team of [teamA, teamB]) {
      const one = await api(`/surveys/${surveyId}/results?team=${team.id}`);
      expect(one.status).toBe(200);
      expect(one.body.group).toMatchObject({ teamId: team.id, suppressed: true });
      expect(JSON.stringify(one.body.group)).not.toMatch(/"respondents"|"invited"|"comments"|from [AB]/);
    }
    // The raw anonymous store keeps no team tag that would let someone subtract.
    const stored = await tandem.store.conn.db!.collection('survey_answers').find().toArray();
    expect(stored).toHaveLength(10);
    expect(stored.every((d) => (d.teamIds as string[]).length === 0)).toBe(true);
    expect((await api(`/surveys/${surveyId}/results?team=${'f'.repeat(24)}`)).status).toBe(404);
  });

  it('queues a recurring survey’s first round for the day before its first weekday on or after the start date', async () => {
    // Every 2 weeks on Wednesday from a Monday 3 weeks ahead: round 1 is that week's Wednesday; its open job runs the day before at 00:00 UTC.
    const monday = DateTime.utc().startOf('week').plus({ weeks: 3 });
    const recurring = await tandem.core.surveys.define({
      template: 'engagement',
      audience: { kind: 'teams', teamIds: [teamA.id] },
      schedule: { kind: 'recurring', everyWeeks: 2, weekday: 3, time: '09:30', startDate: monday.toISODate()! },
    });
    const job = await tandem.jobs.queue('surveys').getJob(`survey.open|${recurring.id}|1`);
    expect(job?.data).toMatchObject({ surveyId: recurring.id, n: 1, __dueAt: monday.plus({ days: 1 }).toMillis() });
    expect(await job?.getState()).toBe('delayed');
    expect((await tandem.core.surveys.get(recurring.id)).rounds).toEqual([]);
  });
});
