import type { InteractionContext } from '../chat/interactions.js';
import type { Messenger } from '../chat/messenger.js';
import type { Reply } from '../chat/chat.port.js';
import { reply } from '../chat/chat.port.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { TandemCommand } from '../help/help.service.js';
import type { Team } from '../people/people.types.js';
import type { TeamRepository } from '../ports.js';
import { parseCover } from './cover.js';
import { coverSetView, oncallHelpView, onCallView, type OnCallEntry } from './oncall.views.js';
import type { Overrides } from './overrides.js';
import type { ScheduleReads } from './schedules.js';

/**
 * `/tandem oncall [team]` and `/tandem oncall cover @name until …`, the same
 * words on Slack, Teams (`oncall …` typed to the bot) and the console.
 */
export interface OncallChatDeps {
  reads: Pick<ScheduleReads, 'nowAndNext' | 'ofTeam'>;
  overrides: Pick<Overrides, 'coverFromChat'>;
  teams: Pick<TeamRepository, 'teamsOf' | 'managedBy' | 'findByName' | 'all'>;
  messenger: Pick<Messenger, 'dm'>;
  clock: Clock;
}

export class OncallChat {
  constructor(private readonly d: OncallChatDeps) {}

  register(tandem: TandemCommand): void {
    tandem.sub('oncall', 'who is on call now and next; `oncall cover @name until Friday 18:00` arranges cover', (ctx, args) => this.command(ctx, args));
  }

  async command(ctx: InteractionContext, args: string): Promise<Reply> {
    const [first = ''] = args.split(/\s+/);
    const word = first.toLowerCase();
    if (word === 'help') return reply.private(oncallHelpView());
    if (word === 'cover') return this.cover(ctx, args.slice(first.length).trim());
    const teams = args ? [await this.teamNamed(args)] : await this.teamsOf(ctx.actor.id);
    if (teams.length === 0) return reply.private(oncallHelpView());
    const entries: OnCallEntry[] = [];
    for (const team of teams) entries.push({ team, ...(await this.d.reads.nowAndNext(team.id)) });
    return reply.private(onCallView(entries, ctx.actor.timeZone));
  }

  private async cover(ctx: InteractionContext, text: string): Promise<Reply> {
    const request = parseCover(text, this.d.clock.now(), ctx.actor.timeZone);
    const personId = request.personId ?? ctx.actor.id;
    const team = request.team ? await this.teamNamed(request.team) : await this.coverTeam(ctx.actor.id, personId);
    const override = await this.d.overrides.coverFromChat(ctx.actor, team, { personId, start: request.start, end: request.end });
    if (personId !== ctx.actor.id) {
      await this.d.messenger.dm(personId, coverSetView(team, personId, override.start, override.end, ctx.actor.timeZone), `oncall.cover:${override.id}`).catch(() => false);
    }
    return reply.private(coverSetView(team, personId, override.start, override.end, ctx.actor.timeZone));
  }

  /** The requester's team with a schedule that the covering person belongs to (or the only one). */
  private async coverTeam(actorId: string, personId: string): Promise<Team> {
    const mine = await this.teamsOf(actorId);
    const scheduled: Team[] = [];
    for (const team of mine) if (await this.d.reads.ofTeam(team.id)) scheduled.push(team);
    const theirs = scheduled.filter((t) => t.memberIds.includes(personId) || t.managerId === personId);
    const choice = theirs.length > 0 ? theirs : scheduled;
    if (choice.length === 1 && choice[0]) return choice[0];
    if (choice.length === 0) throw new DomainError('not_found', 'None of your teams has an on-call schedule.');
    throw new DomainError('validation', `You are in several teams with on-call schedules (${choice.map((t) => t.name).join(', ')}); add \`on <team>\`.`);
  }

  private async teamsOf(personId: string): Promise<Team[]> {
    const [member, managed] = await Promise.all([this.d.teams.teamsOf(personId), this.d.teams.managedBy(personId)]);
    const byId = new Map([...member, ...managed].map((t) => [t.id, t]));
    return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  private async teamNamed(name: string): Promise<Team> {
    const wanted = name.trim().toLowerCase();
    const team = (await this.d.teams.findByName(name.trim())) ?? (await this.d.teams.all()).find((t) => t.name.toLowerCase() === wanted);
    if (!team) throw new DomainError('not_found', `I know no team called “${name.trim()}”.`);
    return team;
  }
}
