import type { View } from '../chat/views.js';
import type { Clock } from '../clock.js';
import type { Person, Team } from '../people/people.types.js';
import type { PeopleRepository, TeamRepository } from '../ports.js';
import type { KudosBudget } from './budget.js';
import type { KudosFilter, PersonalStats, RecognitionRepository, RecognitionSettings, TeamStats } from './recognition.types.js';
import { statsView } from './recognition.views.js';

/** Pairs who recognised only each other at least this often are pointed out to their manager. */
const RECIPROCITY_MIN = 3;

export interface StatsDeps {
  recognition: Pick<RecognitionRepository, 'settings' | 'scan'>;
  people: Pick<PeopleRepository, 'getMany'>;
  teams: Pick<TeamRepository, 'managedBy'>;
  budget: KudosBudget;
  clock: Clock;
}

/** `/kudos stats`: what a person received and gave, and for a manager each team's insight. */
export class KudosStats {
  constructor(private readonly d: StatsDeps) {}

  async personalStats(person: Person, settings?: RecognitionSettings): Promise<PersonalStats> {
    const s = settings ?? (await this.d.recognition.settings());
    const since = new Date(this.d.clock.now().getTime() - s.statsWeeks * 7 * 86_400_000);
    const tally = async (filter: KudosFilter) => {
      const byValue: Record<string, number> = {};
      let total = 0;
      for await (const k of this.d.recognition.scan({ ...filter, from: since })) {
        total += 1;
        for (const val of k.values) byValue[val] = (byValue[val] ?? 0) + 1;
      }
      return { total, byValue };
    };
    return { since, received: await tally({ recipientId: person.id }), given: await tally({ giverId: person.id }), budget: await this.d.budget.of(person, s) };
  }

  /** Team insight for a manager: counts by value, who has gone unrecognised, pairs who only recognise each other. */
  async teamStats(team: Team, settings?: RecognitionSettings): Promise<TeamStats> {
    const s = settings ?? (await this.d.recognition.settings());
    const now = this.d.clock.now().getTime();
    const since = new Date(now - s.statsWeeks * 7 * 86_400_000);
    const quietSince = new Date(now - s.quietWeeks * 7 * 86_400_000);
    const from = since < quietSince ? since : quietSince;
    const members = new Set(team.memberIds);
    const byValue: Record<string, number> = {};
    let total = 0;
    const lastReceived = new Map<string, Date>();
    const given = new Map<string, Map<string, number>>();
    for await (const k of this.d.recognition.scan({ involving: [...members], from })) {
      const toMembers = k.recipientIds.filter((r) => members.has(r));
      for (const r of toMembers) {
        const last = lastReceived.get(r);
        if (!last || last < k.createdAt) lastReceived.set(r, k.createdAt);
      }
      if (k.createdAt < since) continue;
      if (toMembers.length) {
        total += 1;
        for (const val of k.values) byValue[val] = (byValue[val] ?? 0) + 1;
      }
      const out = given.get(k.giverId) ?? new Map<string, number>();
      for (const r of k.recipientIds) out.set(r, (out.get(r) ?? 0) + 1);
      given.set(k.giverId, out);
    }
    const active = (await this.d.people.getMany(team.memberIds)).filter((p) => p.active);
    const quiet = active
      .filter((p) => p.id !== team.managerId)
      .filter((p) => {
        const last = lastReceived.get(p.id);
        return !last || last < quietSince;
      })
      .map((p) => ({ personId: p.id, lastRecognisedAt: lastReceived.get(p.id) ?? null }));
    const reciprocal: TeamStats['reciprocal'] = [];
    for (const [a, outA] of given) {
      if (!members.has(a) || outA.size !== 1) continue;
      const [b, countAB] = [...outA][0]!;
      if (b <= a || !members.has(b)) continue;
      const outB = given.get(b);
      if (!outB || outB.size !== 1 || !outB.has(a)) continue;
      const count = countAB + outB.get(a)!;
      if (count >= RECIPROCITY_MIN) reciprocal.push({ a, b, count });
    }
    return { teamId: team.id, teamName: team.name, since, total, byValue, quiet, quietWeeks: s.quietWeeks, reciprocal };
  }

  async statsFor(person: Person): Promise<View> {
    const s = await this.d.recognition.settings();
    const personal = await this.personalStats(person, s);
    const managed = await this.d.teams.managedBy(person.id);
    const teams: TeamStats[] = [];
    for (const team of managed) teams.push(await this.teamStats(team, s));
    return statsView(personal, s, teams);
  }
}
