import type { Interactions } from '../chat/interactions.js';
import { reply } from '../chat/chat.port.js';
import { helpView, type HelpFeature } from './help.views.js';

/** `/tandem help` and its "more" button; other `/tandem` subcommands are routed by `TandemCommand`. */
export function registerHelp(interactions: Interactions, tandem: TandemCommand): void {
  tandem.sub('help', 'show this help', async () => reply.private(tandem.helpView(interactions)));
  interactions.action('help', async () => reply.update(tandem.helpView(interactions, true)));
}

type SubHandler = Parameters<Interactions['command']>[2];

/**
 * `/tandem <sub> …`: each feature registers its subcommands here. The first
 * word picks the subcommand; `help` is the default.
 */
export class TandemCommand {
  private readonly subs = new Map<string, { summary: string; handler: SubHandler }>();
  private readonly features: HelpFeature[] = [];

  constructor(interactions: Interactions) {
    interactions.command('tandem', 'help and every subcommand', async (ctx, args) => {
      const [first = 'help', ...rest] = args.split(/\s+/).filter(Boolean);
      const sub = this.subs.get(first.toLowerCase()) ?? this.subs.get('help');
      if (!sub) return reply.none();
      return sub.handler(ctx, this.subs.has(first.toLowerCase()) ? rest.join(' ') : args);
    });
  }

  sub(name: string, summary: string, handler: SubHandler): this {
    this.subs.set(name, { summary, handler });
    return this;
  }

  /** A built feature's line in the help view. */
  feature(feature: HelpFeature): this {
    this.features.push(feature);
    return this;
  }

  /** The help view: the features registered so far and every command. */
  helpView(interactions: Interactions, detailsShown = false) {
    return helpView(interactions.commandSummaries().concat(this.summaries()), detailsShown, this.features);
  }

  summaries(): { name: string; summary: string }[] {
    return [...this.subs]
      .filter(([name]) => name !== 'help')
      .map(([name, s]) => ({ name: `tandem ${name}`, summary: s.summary }));
  }
}
