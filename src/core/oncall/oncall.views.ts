import { DateTime } from 'luxon';
import type { View } from '../chat/views.js';
import { mention, v } from '../chat/views.js';
import type { HelpFeature } from '../help/help.views.js';
import type { Team } from '../people/people.types.js';
import type { Schedule, Shift } from './oncall.types.js';

/** An instant as people read it, in their own zone: `Fri 27 Nov 18:00`. */
export const when = (at: Date, timeZone: string): string => DateTime.fromJSDate(at, { zone: timeZone }).toFormat('ccc d LLL HH:mm');

const who = (shift: Shift | null): string => (shift?.personId ? mention(shift.personId) : '_nobody_ ⚠️');
const cover = (shift: Shift | null): string => (shift?.source === 'override' ? ' (covering)' : '');

export interface OnCallEntry {
  team: Team;
  schedule: Schedule | null;
  now: Shift | null;
  next: Shift | null;
}

/** `/tandem oncall [team]`: who is on call now and next, per team, in the reader's zone. */
export function onCallView(entries: OnCallEntry[], timeZone: string): View {
  const blocks = [v.header('On call')];
  for (const e of entries) {
    if (!e.schedule) {
      blocks.push(v.section(`*${e.team.name}*: no on-call schedule yet. An admin sets one up with the admin API (\`POST /api/v1/schedules\`).`));
      continue;
    }
    const until = e.now ? ` until ${when(e.now.end, timeZone)}` : '';
    const next = e.next ? `\nNext: ${who(e.next)}${cover(e.next)} from ${when(e.next.start, timeZone)}` : '';
    blocks.push(v.section(`*${e.team.name}*: ${who(e.now)}${cover(e.now)}${until}${next}`));
  }
  blocks.push(v.context(`Times in ${timeZone}. Cover for someone: \`/tandem oncall cover @name until Friday 18:00\`.`));
  const first = entries[0];
  const text = entries.length === 1 && first?.now?.personId ? `On call for ${first.team.name}: ${mention(first.now.personId)}` : 'Who is on call';
  return v.view(text, ...blocks);
}

export function coverSetView(team: Team, personId: string, start: Date, end: Date, timeZone: string): View {
  const text = `${mention(personId)} covers on-call for ${team.name} from ${when(start, timeZone)} until ${when(end, timeZone)}`;
  return v.view(text, v.section(`✅ ${text} (${timeZone}).`));
}

export function oncallHelpView(): View {
  return v.view(
    'On-call commands',
    v.section('*On call*\n• `/tandem oncall`: who is on call now and next, for your teams\n• `/tandem oncall <team>`: the same for one team\n• `/tandem oncall cover @name until Friday 18:00`: someone covers (from now, or `from tomorrow 09:00`; add `on <team>` if you are in several)'),
  );
}

/** Told to the team's manager ahead of a stretch nobody is on call for. */
export function gapWarningView(team: Team, schedule: Schedule, gap: Shift, timeZone: string): View {
  const text = `Nobody is on call for ${team.name} from ${when(gap.start, timeZone)} until ${when(gap.end, timeZone)}`;
  return v.view(
    text,
    v.section(`⚠️ *Gap in on-call coverage*\n${text} (${timeZone}), in the schedule _${schedule.name}_.`),
    v.context('Ask someone to cover: `/tandem oncall cover @name from <start> until <end>`, or change the schedule.'),
  );
}

export const ONCALL_HELP: HelpFeature = {
  name: 'On-call',
  summary: 'who is on call for a team now and next, cover arranged from chat, and the open alerts of your teams',
};
