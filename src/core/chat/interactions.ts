import type { Logger } from '../logger.js';
import { isDomainError } from '../errors.js';
import type { Person, Platform } from '../people/people.types.js';
import type { Conversation, MessageAddress, Reply } from './chat.port.js';
import { reply } from './chat.port.js';
import type { FormValues, View } from './views.js';
import { v } from './views.js';

/** Who did what, where: built by an adapter once it has mapped the platform user to a Person. */
export interface InteractionContext {
  actor: Person;
  platform: Platform;
  conversation?: Conversation;
  /** The message that carried the clicked button or the submitted card. */
  message?: MessageAddress;
  /** A platform id for this delivery (Slack trigger/event id, Teams activity id), for idempotency. */
  deliveryId?: string;
}

export type CommandHandler = (ctx: InteractionContext, args: string) => Promise<Reply>;
export type ActionHandler = (ctx: InteractionContext, actionId: string, value: string | undefined) => Promise<Reply>;
export type FormHandler = (ctx: InteractionContext, values: FormValues, metadata: string | undefined) => Promise<Reply>;
/** Answers a plain DM; returns null when it does not apply (another handler, or the command parser, tries next). */
export type DirectMessageHandler = (ctx: InteractionContext, text: string) => Promise<Reply | null>;
export type HomeHandler = (ctx: InteractionContext) => Promise<View>;

/**
 * The one entry point from adapters into core use cases. Commands are
 * `/tandem <sub> …` and `/kudos …` in Slack, and the same words typed to the
 * bot in Teams or the console. Actions route by the prefix before the first
 * dot of their action id (`checkin.open` goes to the `checkin` handler).
 */
export class Interactions {
  private readonly commands = new Map<string, { handler: CommandHandler; summary: string }>();
  private readonly actions = new Map<string, ActionHandler>();
  private readonly forms = new Map<string, FormHandler>();
  private readonly directMessageHandlers: DirectMessageHandler[] = [];
  private homeHandler: HomeHandler | undefined;

  constructor(private readonly logger: Logger) {}

  /** Registers `/name`; `summary` is shown in help. */
  command(name: string, summary: string, handler: CommandHandler): this {
    this.commands.set(name, { handler, summary });
    return this;
  }

  /** Registers every action whose id starts with `prefix.`. */
  action(prefix: string, handler: ActionHandler): this {
    this.actions.set(prefix, handler);
    return this;
  }

  form(id: string, handler: FormHandler): this {
    this.forms.set(id, handler);
    return this;
  }

  directMessage(handler: DirectMessageHandler): this {
    this.directMessageHandlers.push(handler);
    return this;
  }

  home(handler: HomeHandler): this {
    this.homeHandler = handler;
    return this;
  }

  commandNames(): string[] {
    return [...this.commands.keys()];
  }

  commandSummaries(): { name: string; summary: string }[] {
    return [...this.commands].map(([name, c]) => ({ name, summary: c.summary }));
  }

  async runCommand(ctx: InteractionContext, name: string, args: string): Promise<Reply> {
    const command = this.commands.get(name);
    if (!command) return reply.private(v.view(`Unknown command /${name}`, v.section(`I don't know \`/${name}\`. Try \`/tandem help\`.`)));
    return this.guard(ctx, `command ${name}`, () => command.handler(ctx, args.trim()));
  }

  async runAction(ctx: InteractionContext, actionId: string, value: string | undefined): Promise<Reply> {
    const handler = this.actions.get(actionId.split('.')[0] ?? '');
    if (!handler) {
      this.logger.warn({ actionId }, 'no handler for action');
      return reply.private(v.view('That button no longer works.', v.section('That button no longer works. Try again from a fresh message.')));
    }
    return this.guard(ctx, `action ${actionId}`, () => handler(ctx, actionId, value));
  }

  async submitForm(ctx: InteractionContext, formId: string, values: FormValues, metadata: string | undefined): Promise<Reply> {
    const handler = this.forms.get(formId);
    if (!handler) return reply.private(v.view('That form has expired.', v.section('That form has expired. Please start again.')));
    return this.guard(ctx, `form ${formId}`, () => handler(ctx, values, metadata));
  }

  /**
   * A plain DM: a step-by-step answer if a handler claims it, else a command
   * typed as words ("kudos @ana for …", "help", "tandem checkin history").
   */
  async directText(ctx: InteractionContext, text: string): Promise<Reply> {
    const trimmed = text.trim().replace(/^\//, '');
    for (const handler of this.directMessageHandlers) {
      const answer = await this.guard(ctx, 'direct message', async () => (await handler(ctx, trimmed)) ?? reply.none());
      if (answer.kind !== 'none') return answer;
    }
    return this.commandFromText(ctx, trimmed);
  }

  /** Text typed to the bot (Teams, console): the first word picks the command, `tandem` by default. */
  async commandFromText(ctx: InteractionContext, text: string): Promise<Reply> {
    const trimmed = text.trim().replace(/^\//, '');
    const [first = '', ...rest] = trimmed.split(/\s+/);
    const word = first.toLowerCase();
    if (word !== 'tandem' && this.commands.has(word)) return this.runCommand(ctx, word, rest.join(' '));
    return this.runCommand(ctx, 'tandem', word === 'tandem' ? rest.join(' ') : trimmed);
  }

  async renderHome(ctx: InteractionContext): Promise<View | null> {
    return this.homeHandler ? this.homeHandler(ctx) : null;
  }

  private async guard(ctx: InteractionContext, what: string, run: () => Promise<Reply>): Promise<Reply> {
    try {
      return await run();
    } catch (err) {
      if (isDomainError(err)) {
        return reply.private(v.view(err.message, v.section(`⚠️ ${err.message}`)));
      }
      this.logger.error({ err, what, actor: ctx.actor.id, platform: ctx.platform }, 'interaction failed');
      return reply.private(v.view('Something went wrong', v.section('⚠️ Something went wrong on our side. It has been logged; please try again in a moment.')));
    }
  }
}
