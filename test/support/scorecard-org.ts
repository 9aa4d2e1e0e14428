import type { Person, Team } from '../../src/core/people/people.types.js';
import type { Store } from '../../src/store/index.js';

/**
 * A small organisation with hand-countable figures for the scorecard tests. Clock: Wednesday 25 Nov 2026, so
 * the last complete week is 2026-W47 (16–22 Nov) and the one before it 2026-W46.
 *
 * Check-ins, W47: Platform ana answered (mood 4), bo answered (mood 2), cy missed, lena skipped → 2/4 = 50 %;
 * Growth dee answered (mood 5), eve missed → 1/2 = 50 %. Organisation: 3/6 = 50 %, mood (4+2+5)/3 = 3.7.
 * W46: Platform ana, bo, cy answered, lena missed → 3/4 = 75 % (organisation too: Growth had none).
 * Blockers: dee's (13 Nov, open), bo's (20 Nov, open), cy's (resolved). Kudos: ana → bo on 18 Nov (the one given
 * in W47); cy → dee + ana on 10 Nov; eve → lena on 1 Oct (before the 4 weeks); a revoked one to fay.
 * Recognised in the 4 weeks to 23 Nov: bo, dee, ana = 3 of 9 team members (33 %).
 */
export interface ScorecardOrg {
  sofia: Person;
  lena: Person;
  marcus: Person;
  priya: Person;
  ana: Person;
  bo: Person;
  cy: Person;
  dee: Person;
  eve: Person;
  fay: Person;
  outsider: Person;
  platform: Team;
  growth: Team;
  mobile: Team;
}

export const NOW = new Date('2026-11-25T10:00:00Z');

export async function seedScorecardOrg(store: Store): Promise<ScorecardOrg> {
  let n = 0;
  const person = (name: string, extra: { roles?: ('employee' | 'manager' | 'leader' | 'admin')[]; managerId?: string } = {}) =>
    store.people.create({ name, email: `sc${(n += 1)}@example.com`, timeZone: 'Europe/Berlin', ...extra });
  const sofia = await person('Sofia Lindqvist', { roles: ['leader'] });
  const lena = await person('Lena Fischer', { roles: ['manager'], managerId: sofia.id });
  const marcus = await person('Marcus Johnson', { roles: ['manager'], managerId: lena.id });
  const priya = await person('Priya Raman', { roles: ['manager'], managerId: sofia.id });
  const [ana, bo, cy] = await Promise.all(['Ana Souza', 'Bo Berg', 'Cy Chen'].map((name) => person(name, { managerId: lena.id })));
  const [dee, eve] = await Promise.all(['Dee Diaz', 'Eve Ekström'].map((name) => person(name, { managerId: marcus.id })));
  const fay = await person('Fay Fong', { managerId: priya.id });
  const outsider = await person('Otto Outsider');
  const platform = await store.teams.create({ name: 'Platform', managerId: lena.id, memberIds: [lena.id, ana!.id, bo!.id, cy!.id] });
  const growth = await store.teams.create({ name: 'Growth', managerId: marcus.id, memberIds: [marcus.id, dee!.id, eve!.id] });
  const mobile = await store.teams.create({ name: 'Mobile', managerId: priya.id, memberIds: [priya.id, fay!.id] });

  const checkin = async (p: Person, team: Team, period: string, status: 'answered' | 'skipped' | 'missed', mood?: number) => {
    const { checkin: c } = await store.checkins.createOnce({
      personId: p.id,
      teamId: team.id,
      period,
      timeZone: p.timeZone,
      questions: [],
      previousPriorities: null,
      promptedAt: new Date('2026-11-20T14:00:00Z'),
      deadlineAt: new Date('2026-11-23T11:00:00Z'),
    });
    await store.checkins.update(c.id, ['pending'], { status, answers: mood ? { progress: 'ok', mood: String(mood) } : { progress: 'ok' } }, new Date('2026-11-21T10:00:00Z'));
    return c;
  };
  await checkin(ana!, platform, '2026-W47', 'answered', 4);
  const boW47 = await checkin(bo!, platform, '2026-W47', 'answered', 2);
  await checkin(cy!, platform, '2026-W47', 'missed');
  await checkin(lena, platform, '2026-W47', 'skipped');
  await checkin(dee!, growth, '2026-W47', 'answered', 5);
  await checkin(eve!, growth, '2026-W47', 'missed');
  await checkin(ana!, platform, '2026-W46', 'answered', 3);
  const cyW46 = await checkin(cy!, platform, '2026-W46', 'answered');
  await checkin(bo!, platform, '2026-W46', 'answered');
  const deeW46 = await checkin(dee!, growth, '2026-W45', 'answered');
  await checkin(lena, platform, '2026-W46', 'missed');

  const blocker = (c: { id: string }, p: Person, team: Team, text: string, at: string) =>
    store.checkins.createBlocker({ checkinId: c.id, personId: p.id, teamId: team.id, managerId: team.managerId, period: '2026-W47', text }, new Date(at));
  await blocker(deeW46, dee!, growth, 'Waiting for the analytics contract', '2026-11-13T09:00:00Z');
  await blocker(boW47, bo!, platform, 'Staging database is down', '2026-11-20T09:00:00Z');
  const { blocker: cys } = await blocker(cyW46, cy!, platform, 'Laptop broken', '2026-11-01T09:00:00Z');
  await store.checkins.setBlockerStatus(cys.id, 'resolved', new Date('2026-11-05T09:00:00Z'));

  const kudos = (giver: Person, to: Person[], at: string) =>
    store.recognition.insert({ giverId: giver.id, recipientIds: to.map((p) => p.id), reason: 'for the great work', values: [], private: false, platform: 'console', week: '2026-W47', createdAt: new Date(at) });
  await kudos(ana!, [bo!], '2026-11-18T10:00:00Z');
  await kudos(cy!, [dee!, ana!], '2026-11-10T10:00:00Z');
  await kudos(eve!, [lena], '2026-10-01T10:00:00Z');
  const revoked = await kudos(lena, [fay!], '2026-11-19T10:00:00Z');
  await store.recognition.revoke(revoked.id, 'people-ops', 'test', new Date('2026-11-19T11:00:00Z'));

  return { sofia, lena, marcus, priya, ana: ana!, bo: bo!, cy: cy!, dee: dee!, eve: eve!, fay: fay!, outsider, platform, growth, mobile };
}
