import { DateTime } from 'luxon';
import { reply, type Reply } from '../chat/chat.port.js';
import type { InteractionContext, Interactions } from '../chat/interactions.js';
import { mention, v, type View } from '../chat/views.js';
import { DomainError } from '../errors.js';
import type { TandemCommand } from '../help/help.service.js';
import { ESCALATION_JOBS, nextStep, stepJobId } from '../oncall/escalation.js';
import type { Person } from '../people/people.types.js';
import type { Scheduler, TeamRepository } from '../ports.js';
import type { Alert } from './alerts.types.js';
import { alertView, RESPOND_ACTIONS, SNOOZES, type SnoozeLength } from './alerts.views.js';
import type { AlertDeps } from './lifecycle.js';
import { changeAlertStatus } from './lifecycle.js';

export interface RespondDeps extends AlertDeps {
  teams: Pick<TeamRepository, 'get' | 'teamsOf' | 'managedBy'>;
  scheduler: Scheduler;
}

const text = (s: string): Reply => reply.private(v.view(s, v.section(s)));
const when = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat('ccc d LLL HH:mm');

/** The end of a snooze: 30 minutes, 2 hours, or tomorrow 09:00 where the person is. */
export function snoozeEnd(length: SnoozeLength, now: Date, timeZone: string): Date {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  if (length === '30m') return local.plus({ minutes: 30 }).toJSDate();
  if (length === '2h') return local.plus({ hours: 2 }).toJSDate();
  return local.plus({ days: 1 }).set({ hour: 9, minute: 0, second: 0, millisecond: 0 }).toJSDate();
}

/** How soon after an "Escalate now" another one escalates again rather than being the same press. */
const ESCALATE_NOW_AGAIN_MS = 5_000;

/**
 * The people who may act on an alert: whoever escalation notified (a post
 * to the team channel reaches the team's members) and the team's manager.
 */
async function mayAct(d: RespondDeps, actor: Person, alert: Alert): Promise<boolean> {
  const team = await d.teams.get(alert.teamId);
  if (!team) return false;
  if (team.managerId === actor.id) return true;
  const sent = alert.timeline.filter((t) => t.kind === 'notified');
  if (sent.some((t) => t.data?.personId === actor.id)) return true;
  return sent.some((t) => t.data?.escalation === 'posted') && team.memberIds.includes(actor.id);
}

/**
 * The alert buttons of on-call: Acknowledge, Resolve, Snooze, Escalate now.
 * Each is one guarded update, so of two people pressing at once exactly one
 * wins and the other is told who was first; a press rewrites every copy of
 * the alert's message (the notifier's `changed`).
 */
export class AlertResponses {
  constructor(private readonly d: RespondDeps) {}

  register(interactions: Interactions, tandem: TandemCommand): void {
    interactions.action('escalation', (ctx, actionId, value) => this.act(ctx, actionId, value ?? ''));
    tandem.sub('alerts', 'lists the open alerts of your teams', (ctx) => this.list(ctx.actor));
  }

  async act(ctx: InteractionContext, actionId: string, value: string): Promise<Reply> {
    const [id = '', length] = value.split('|');
    const alert = await this.d.alerts.get(id);
    if (!alert) throw new DomainError('not_found', 'That alert no longer exists.');
    if (!(await mayAct(this.d, ctx.actor, alert))) {
      return text('This alert is not yours: only the people it was sent to and the team’s manager can act on it.');
    }
    switch (actionId) {
      case RESPOND_ACTIONS.ack:
      case RESPOND_ACTIONS.resolve: {
        const to = actionId === RESPOND_ACTIONS.ack ? 'acknowledged' : 'resolved';
        const result = await changeAlertStatus(this.d, alert.id, to, { actor: ctx.actor.id });
        if (result.changed) return reply.update(alertView(result.alert));
        return this.tooLate(ctx, result.alert ?? alert);
      }
      case RESPOND_ACTIONS.snooze:
        if (!length || !(length in SNOOZES)) return text('That button no longer works.');
        return this.snooze(ctx, alert, length as SnoozeLength);
      case RESPOND_ACTIONS.now:
        return this.escalateNow(ctx, alert);
      default:
        return text('That button no longer works.');
    }
  }

  /** Acknowledged until then; when it runs out the alert opens again and its escalation starts over. */
  private async snooze(ctx: InteractionContext, alert: Alert, length: SnoozeLength): Promise<Reply> {
    const now = this.d.clock.now();
    const until = snoozeEnd(length, now, ctx.actor.timeZone);
    const acked = alert.status === 'open' ? { status: 'acknowledged' as const, acknowledgedBy: ctx.actor.id, acknowledgedAt: now } : {};
    const entry = { at: now, kind: 'snoozed' as const, actor: ctx.actor.id, text: `Snoozed until ${until.toISOString()}`, data: { until } };
    const after = await this.d.alerts.nextWave(alert.id, alert.wave, alert.status === 'open' ? ['open'] : ['acknowledged'], { ...acked, snoozedUntil: until }, entry);
    if (!after) return this.tooLate(ctx, (await this.d.alerts.get(alert.id)) ?? alert);
    await this.d.scheduler.enqueue(ESCALATION_JOBS.step, { alertId: after.id, repeat: 0, step: 0, wave: after.wave }, { jobId: stepJobId(after.id, 0, 0, after.wave), at: until });
    await this.changed(after);
    return reply.update(alertView(after));
  }

  /** Runs the step after the last one now, in a new wave (the pending step of the old one then does nothing). */
  private async escalateNow(ctx: InteractionContext, alert: Alert): Promise<Reply> {
    if (alert.status !== 'open') return this.tooLate(ctx, alert);
    const e = alert.escalation;
    if (!e) return text('This alert has no escalation policy to follow: no routing rule matches it.');
    const now = this.d.clock.now();
    // A second press a moment after another's (a double click, two people at once) that finds the wave the first
    // started is the same press: it does not escalate again.
    const pressed = alert.timeline.findLast((t) => t.kind === 'escalated' && t.actor !== 'tandem');
    if (pressed && now.getTime() - pressed.at.getTime() < ESCALATE_NOW_AGAIN_MS) return this.tooLate(ctx, alert);
    const next = alert.cursor ? nextStep(e, alert.cursor.repeat, alert.cursor.step) : { repeat: 0, step: 0 };
    if (!next) return text('Every step of this alert’s escalation policy has run already.');
    const entry = { at: now, kind: 'escalated' as const, actor: ctx.actor.id, text: `Escalated now to step ${next.step + 1}`, data: { repeat: next.repeat, step: next.step } };
    const after = await this.d.alerts.nextWave(alert.id, alert.wave, ['open'], {}, entry);
    if (!after) return this.tooLate(ctx, (await this.d.alerts.get(alert.id)) ?? alert);
    await this.d.scheduler.enqueue(ESCALATION_JOBS.step, { alertId: after.id, repeat: next.repeat, step: next.step, wave: after.wave }, { jobId: stepJobId(after.id, next.repeat, next.step, after.wave), at: now });
    await this.changed(after);
    return reply.update(alertView(after));
  }

  /** Someone else acted first: say who and when, and show the alert as it is now. */
  private tooLate(ctx: InteractionContext, alert: Alert): Reply {
    const zone = ctx.actor.timeZone;
    if (alert.status === 'acknowledged' && alert.acknowledgedBy) {
      return text(`${mention(alert.acknowledgedBy)} acknowledged this alert first${alert.acknowledgedAt ? `, at ${when(alert.acknowledgedAt, zone)}` : ''}.`);
    }
    if (alert.status === 'resolved') return text(`This alert was resolved already${alert.resolvedAt ? ` at ${when(alert.resolvedAt, zone)}` : ''}.`);
    return text('Someone acted on this alert at the same moment; here it is as it stands now.');
  }

  private async changed(alert: Alert): Promise<void> {
    await this.d.notifier.changed(alert).catch((err: unknown) => this.d.logger.warn({ err, alertId: alert.id }, 'alert message update failed'));
  }

  /** `/tandem alerts`: the open and acknowledged alerts of the person's teams, newest first. */
  async list(actor: Person): Promise<Reply> {
    const teams = new Map([...(await this.d.teams.teamsOf(actor.id)), ...(await this.d.teams.managedBy(actor.id))].map((t) => [t.id, t]));
    const found: Alert[] = [];
    for (const team of teams.values()) {
      for (const status of ['open', 'acknowledged'] as const) found.push(...(await this.d.alerts.list({ teamId: team.id, status, limit: 20 })).items);
    }
    if (!found.length) return text(teams.size ? 'No open alerts for your teams. 🎉' : 'You are in no team, so no alerts are yours.');
    found.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const lines = found.slice(0, 20).map((a) => alertLine(a, teams.get(a.teamId)?.name ?? '', actor.timeZone));
    const view: View = v.view(`${found.length} open alert${found.length === 1 ? '' : 's'}`, v.header('Open alerts of your teams'), ...lines.map((l) => v.section(l)));
    return reply.private(view);
  }
}

function alertLine(a: Alert, team: string, zone: string): string {
  const state = a.status === 'acknowledged' ? `acknowledged by ${a.acknowledgedBy ? mention(a.acknowledgedBy) : 'someone'}` : 'open';
  return `*${a.title}* · ${team} · ${a.severity} · ${state} · since ${when(a.createdAt, zone)}`;
}
