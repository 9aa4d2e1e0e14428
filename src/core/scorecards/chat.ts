import { reply, type Reply } from '../chat/chat.port.js';
import type { Interactions } from '../chat/interactions.js';
import { v } from '../chat/views.js';
import { DomainError } from '../errors.js';
import type { TandemCommand } from '../help/help.service.js';
import type { Person } from '../people/people.types.js';
import { ADD_USAGE, type CorrectiveActions } from './actions.js';
import { isPeriodKind, parsePeriodKind } from './period.js';
import type { WeeklyDigest } from './digest.js';
import type { BuildScorecard } from './scorecard.js';
import type { ScorecardPicture } from './scorecards.types.js';
import { SCORECARD, scorecardView } from './scorecards.views.js';

/** `[team words…] [week|month|quarter]`: the last word is the period when it names one. */
export function parseScorecardArgs(args: string): { team: string | undefined; period: ReturnType<typeof parsePeriodKind> } {
  const words = args.trim().split(/\s+/).filter(Boolean);
  const last = words.at(-1)?.toLowerCase();
  const period = last && isPeriodKind(last) ? (words.pop(), last) : 'week';
  const team = words.join(' ').replace(/^#/, '');
  return { team: team || undefined, period };
}

/** Wires `/tandem scorecard`, its drill-down buttons and `/tandem action …` to the scorecard use cases. */
export function registerScorecardChat(interactions: Interactions, tandem: TandemCommand, uc: { build: BuildScorecard; actions: CorrectiveActions; digest: WeeklyDigest; picture?: ScorecardPicture | undefined }): void {
  const show = async (actor: Person, team: string | undefined, period: ReturnType<typeof parsePeriodKind>, page = 0) => {
    const card = await uc.build.forPerson(actor, { team, period });
    return scorecardView(card, actor.timeZone, page, (await uc.picture?.url(card)) ?? null);
  };

  tandem.sub('scorecard', 'the balanced scorecard: `scorecard [team] [week|month|quarter]`; managers: `scorecard digest on|off`', async (ctx, args) => {
    const digest = /^digest\s+(on|off)$/i.exec(args.trim());
    if (digest) {
      const on = digest[1]?.toLowerCase() === 'on';
      const s = await uc.digest.optIn(ctx.actor, on);
      return reply.private(v.view(on ? 'Weekly digest on' : 'Weekly digest off', v.section(on ? `📬 You'll get your teams' scorecard every week at ${s.time} your time.` : '📭 No more weekly scorecard digest.')));
    }
    const { team, period } = parseScorecardArgs(args);
    return reply.private(await show(ctx.actor, team, period));
  });

  interactions.action('scorecard', async (ctx, actionId, value): Promise<Reply> => {
    const [team = '', period = '', page = '0'] = (value ?? '').split('|');
    if (!Object.values(SCORECARD).includes(actionId as (typeof SCORECARD)[keyof typeof SCORECARD]) || !team) throw new DomainError('validation', 'That button is missing its scorecard.');
    return reply.update(await show(ctx.actor, team === 'all' ? undefined : team, parsePeriodKind(period), Math.max(0, Number.parseInt(page, 10) || 0)));
  });

  tandem.sub('action', 'corrective actions on KPIs: `action add "…" on KPI owner @x due YYYY-MM-DD`, `action list`, `action done ID`', async (ctx, args) => {
    const [sub = 'list', ...rest] = args.trim().split(/\s+/);
    switch (sub.toLowerCase()) {
      case 'add':
        return uc.actions.addFromText(ctx.actor, rest.join(' '));
      case 'list':
        return uc.actions.listReply(ctx.actor);
      case 'done': {
        const a = await uc.actions.done(ctx.actor, rest[0] ?? '');
        return reply.private(v.view('Corrective action closed', v.section(`✅ Closed: [${a.kpiKey}] ${a.text}`)));
      }
      default:
        return reply.private(v.view('Unknown action command', v.section(`Try ${ADD_USAGE}, \`/tandem action list\` or \`/tandem action done ID\`.`)));
    }
  });
}
