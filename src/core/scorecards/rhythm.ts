import type { Team } from '../people/people.types.js';
import { previous, trailingWeeks } from './period.js';
import type { AlertFigures, Period, PulseSource, RhythmReads, RhythmSection, WeekRollup } from './scorecards.types.js';

/** Share of people recognised is read over the 4 ISO weeks ending with the period's last (kudos are rolled up by week). */
export const RECOGNISED_WEEKS = 4;
/** Weekly participation points shown as the trend. */
export const TREND_WEEKS = 8;
const BLOCKERS_SHOWN = 10;

export interface RhythmDeps {
  rhythm: RhythmReads;
  alerts: AlertFigures;
  pulse: PulseSource;
}

const rate = (rows: WeekRollup[]): number | null => {
  const closed = rows.reduce((n, r) => n + r.closed, 0);
  return closed ? rows.reduce((n, r) => n + r.answered, 0) / closed : null;
};

/** The health of the rhythm for some teams over a period, from check-ins, kudos, pulse and alerts. */
export async function rhythmSection(d: RhythmDeps, teams: Team[], period: Period, timeZone: string, drillIds: readonly string[] = []): Promise<RhythmSection> {
  const teamIds = teams.map((t) => t.id);
  const rollupIds = [...new Set([...teamIds, ...drillIds])];
  const prev = previous(period, timeZone);
  const trend = trailingWeeks(period, TREND_WEEKS, timeZone);
  const weeks = [...new Set([...period.weeks, ...prev.weeks, ...trend])];
  const recognisedWeeks = trailingWeeks(period, RECOGNISED_WEEKS, timeZone);
  const memberIds = [...new Set(teams.flatMap((t) => t.memberIds))];
  const [rollups, blockers, kudos, people, pulse, alerts, pulseSetUp, alertsSetUp] = await Promise.all([
    d.rhythm.weekRollups(rollupIds, weeks),
    d.rhythm.openBlockers(teamIds),
    d.rhythm.kudosWeeks([...new Set([...period.weeks, ...recognisedWeeks])]),
    d.rhythm.activePeople(),
    d.pulse.latest(teamIds),
    d.alerts.forTeams(teamIds, period),
    d.pulse.setUp(),
    d.alerts.setUp(),
  ]);
  const inScope = new Set(teamIds);
  const inWeeks = (ws: readonly string[]) => rollups.filter((r) => inScope.has(r.teamId) && ws.includes(r.week));
  const current = inWeeks(period.weeks);
  const moodCount = current.reduce((n, r) => n + r.moodCount, 0);
  const active = new Set(memberIds.filter((id) => people.has(id)));
  const inPeriod = kudos.filter((k) => period.weeks.includes(k.week));
  const given = inPeriod.reduce((n, k) => n + Object.entries(k.givers).reduce((m, [giver, c]) => m + (active.has(giver) ? c : 0), 0), 0);
  const recognised = new Set(kudos.filter((k) => recognisedWeeks.includes(k.week)).flatMap((k) => k.recipients).filter((id) => active.has(id)));
  const open = blockers.filter((b) => b.status !== 'resolved').sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return {
    participation: {
      rate: rate(current),
      previousRate: rate(inWeeks(prev.weeks)),
      weekly: trend.map((week) => ({ week, rate: rate(inWeeks([week])) })),
      byTeam: Object.fromEntries(rollupIds.map((id) => [id, rate(rollups.filter((r) => r.teamId === id && period.weeks.includes(r.week)))])),
    },
    mood: { average: moodCount ? current.reduce((n, r) => n + r.moodSum, 0) / moodCount : null, answers: moodCount },
    openBlockers: {
      total: open.length,
      oldest: open.slice(0, BLOCKERS_SHOWN).map((b) => ({ id: b.id, personId: b.personId, teamId: b.teamId, text: b.text, since: b.createdAt })),
    },
    kudos: { given, recognisedShare: active.size ? recognised.size / active.size : null, people: active.size },
    pulse: { setUp: pulseSetUp, stats: pulse },
    alerts: { setUp: alertsSetUp, stats: alerts },
  };
}
