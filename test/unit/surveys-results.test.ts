import { describe, expect, it } from 'vitest';
import { computeResults, enps, shownTeams } from '../../src/core/surveys/results.js';
import { isShown, type AnonymousAnswer, type GroupResult, type SurveyRound } from '../../src/core/surveys/surveys.types.js';
import { inviteInstant, recurringDate, reminderInstants, windowEnd } from '../../src/core/surveys/rhythm.js';
import { resultsView } from '../../src/core/surveys/surveys.views.js';

const closedAt = new Date('2026-12-04T10:00:00Z');
const round: SurveyRound = {
  id: 's.1',
  surveyId: 's',
  n: 1,
  name: 'Pulse',
  questions: [
    { id: 'enps', text: 'Recommend us?', kind: 'scale10' },
    { id: 'workload', text: 'Workload is fine', kind: 'agree5' },
    { id: 'why', text: 'Why?', kind: 'text' },
  ],
  status: 'closing',
  waiting: null,
  openedAt: null,
  closesAt: closedAt,
  closedAt: null,
  invited: 12,
  invitedByTeam: { A: 7, B: 5 },
  teamNames: { A: 'Alpha', B: 'Beta' },
};
const answer = (teamIds: string[], answers: AnonymousAnswer['answers']): AnonymousAnswer => ({ surveyId: 's', roundId: 's.1', closedAt, teamIds, answers });
const shown = (g: unknown): GroupResult => {
  expect(isShown(g as GroupResult)).toBe(true);
  return g as GroupResult;
};

describe('survey results: suppression, eNPS and means', () => {
  it('computes eNPS as % promoters minus % detractors (hand-computed)', () => {
    // 10 answers: promoters 10,9,9,10,9 (5); passives 8,7 (2); detractors 6,3,2 (3) -> 50 % - 30 % = +20.
    expect(enps([10, 9, 9, 8, 7, 6, 3, 10, 9, 2])).toBe(20);
    // 7 answers: promoters 3, detractors 2 -> (3 - 2) / 7 = 14.29 % -> 14.
    expect(enps([10, 9, 9, 8, 7, 6, 3])).toBe(14);
    expect(enps([])).toBeNull();
  });

  it('shows nothing for 4 respondents and everything for 5', () => {
    const four = [1, 2, 3, 4].map(() => answer(['A'], { enps: 9, workload: 4 }));
    const r4 = computeResults(round, four, 5, null, closedAt);
    expect(isShown(r4.org)).toBe(false);
    expect(JSON.stringify(r4)).not.toMatch(/"respondents"|"responseRate"|"comments"/);

    const five = [10, 9, 7, 6, 0].map((e, i) => answer(['A'], { enps: e, workload: [5, 4, 4, 3, 2][i] ?? 1, why: `comment ${i}` }));
    const r5 = computeResults(round, five, 5, null, closedAt);
    const org = shown(r5.org);
    expect(org).toMatchObject({ respondents: 5, invited: 12, responseRate: 0.42, enps: 0 }); // 2 promoters, 2 detractors of 5
    const workload = org.questions.find((q) => q.id === 'workload');
    expect(workload).toMatchObject({ mean: 3.6, answered: 5, distribution: { '1': 0, '2': 1, '3': 1, '4': 2, '5': 1 } }); // (5+4+4+3+2)/5
    expect(org.questions.find((q) => q.id === 'why')?.comments.sort()).toEqual(['comment 0', 'comment 1', 'comment 2', 'comment 3', 'comment 4']);
    expect(shown(r5.teams.find((t) => t.teamId === 'A'))).toMatchObject({ respondents: 5, invited: 7 });
    expect(isShown(r5.teams.find((t) => t.teamId === 'B')!)).toBe(false);
  });

  it('suppresses the complementary team: organisation 10, team A 6, team B 4', () => {
    const answers = [...Array.from({ length: 6 }, () => ({ teamIds: ['A'] })), ...Array.from({ length: 4 }, () => ({ teamIds: ['B'] }))];
    // B is below the floor; showing A (6) next to the organisation (10) would give B away (10 - 6), so A goes too.
    expect([...shownTeams(answers, 5)]).toEqual([]);
    // With B at 5 both are shown; with someone in no team beside A 6 and B 5, the 1 left over hides B (the smaller), leaving 6 outside A.
    expect([...shownTeams([...answers, { teamIds: ['B'] }], 5)].sort()).toEqual(['A', 'B']);
    expect([...shownTeams([...answers, { teamIds: ['B'] }, { teamIds: [] }], 5)].sort()).toEqual(['A']);
    expect([...shownTeams([...answers, { teamIds: ['B'] }, ...Array.from({ length: 5 }, () => ({ teamIds: [] }))], 5)].sort()).toEqual(['A', 'B']);
  });

  it('hides a question answered by fewer than the floor, and shows the change against the previous round', () => {
    const first = computeResults(round, [5, 4, 4, 3, 2].map((w) => answer([], { enps: 8, workload: w })), 5, null, closedAt);
    const second = computeResults({ ...round, id: 's.2', n: 2 }, [5, 5, 4, 4, 4].map((w, i) => answer([], { enps: i < 3 ? 10 : 8, ...(i < 4 ? { workload: w } : {}) })), 5, first, closedAt);
    const org = shown(second.org);
    expect(org.enps).toBe(60);
    expect(org.enpsChange).toBe(60); // 0 promoters, 0 detractors before: 0 -> 60
    expect(org.questions.find((q) => q.id === 'workload')).toMatchObject({ answered: 4, mean: null, distribution: {} });
    const third = computeResults({ ...round, id: 's.3', n: 3 }, [5, 5, 4, 4, 4].map((w) => answer([], { enps: 9, workload: w })), 5, first, closedAt);
    expect(shown(third.org).questions.find((q) => q.id === 'workload')).toMatchObject({ mean: 4.4, change: 0.8 }); // 4.4 - 3.6
  });

  it('carries each group’s trend over the rounds it was shown in, and writes it out in the text', () => {
    const r1 = computeResults(round, [5, 4, 4, 3, 2].map((w) => answer(['A'], { enps: 8, workload: w })), 5, null, closedAt);
    const second = [5, 5, 4, 4, 4].map((w, i) => answer(['A'], { enps: i < 3 ? 10 : 8, workload: w }));
    const r2 = computeResults({ ...round, id: 's.2', n: 2 }, second, 5, r1, closedAt);
    const org = shown(r2.org);
    // Round 1: eNPS 0 (all passives), workload 3.6; round 2: eNPS +60, workload 4.4.
    expect(org.trend).toEqual([
      { n: 1, enps: 0, means: { enps: 8, workload: 3.6 } },
      { n: 2, enps: 60, means: { enps: 9.2, workload: 4.4 } },
    ]);
    const text = JSON.stringify(resultsView(r2, [r2.org]));
    expect(text).toContain('eNPS _Trend_ round 1: 0 → round 2: +60');
    expect(text).toContain('_Trend_ round 1: 3.60 → round 2: 4.40');
    // A result stored before trends existed counts as one point; the trend keeps the last 8 rounds.
    const { trend: _, ...legacy } = shown(r1.org);
    expect(shown(computeResults({ ...round, id: 's.2', n: 2 }, second, 5, { ...r1, org: legacy as GroupResult }, closedAt).org).trend).toEqual(org.trend);
    let last = r2;
    for (let n = 3; n <= 10; n += 1) last = computeResults({ ...round, id: `s.${n}`, n }, [5, 5, 4, 4, 4].map((w) => answer([], { enps: 9, workload: w })), 5, last, closedAt);
    expect(shown(last.org).trend.map((p) => p.n)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('survey rhythm', () => {
  const berlin = { id: 'p', timeZone: 'Europe/Berlin', workingDays: [1, 2, 3, 4, 5] as (1 | 2 | 3 | 4 | 5)[] };
  it('invites at the local time, on the next working day when the day is off, and never in the past', () => {
    const before = new Date('2026-11-01T00:00:00Z');
    expect(inviteInstant(berlin, '2026-11-27', '10:00', before, { holidays: [], timeOff: [] }).toISOString()).toBe('2026-11-27T09:00:00.000Z');
    // Saturday -> Monday; a holiday on Monday -> Tuesday.
    expect(inviteInstant(berlin, '2026-11-28', '10:00', before, { holidays: [], timeOff: [] }).toISOString()).toBe('2026-11-30T09:00:00.000Z');
    expect(inviteInstant(berlin, '2026-11-28', '10:00', before, { holidays: ['2026-11-30'], timeOff: [] }).toISOString()).toBe('2026-12-01T09:00:00.000Z');
    const late = new Date('2026-11-27T15:00:00Z');
    expect(inviteInstant(berlin, '2026-11-27', '10:00', late, { holidays: [], timeOff: [] }).toISOString()).toBe(late.toISOString());
  });
  it('closes after 3 working days and reminds only inside the window', () => {
    const invited = new Date('2026-11-27T09:00:00Z'); // Friday 10:00 Berlin
    const end = windowEnd(berlin, invited, 3, { holidays: [], timeOff: [] });
    expect(end.toISOString()).toBe('2026-12-02T09:00:00.000Z'); // Mon, Tue, Wed
    expect(reminderInstants(berlin, invited, end, { holidays: [], timeOff: [] }).map((d) => d.toISOString())).toEqual(['2026-11-30T09:00:00.000Z', '2026-12-02T05:00:00.000Z']);
  });
  it('dates recurring rounds every N weeks on the weekday', () => {
    expect(recurringDate('2026-11-25', 5, 2, 1)).toBe('2026-11-27');
    expect(recurringDate('2026-11-25', 5, 2, 3)).toBe('2026-12-25');
  });
});
