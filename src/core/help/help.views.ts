import type { View } from '../chat/views.js';
import { v } from '../chat/views.js';

export interface HelpEntry {
  name: string;
  summary: string;
}

/**
 * What one built feature says about itself in the help view; each feature
 * declares its own next to its views and registers it with `/tandem`
 * (TandemCommand.feature), so the help lists what is built and grows as
 * features land.
 */
export interface HelpFeature {
  /** How people call it, e.g. `Check-ins`. */
  name: string;
  /** One line: what it does for them. */
  summary: string;
  /** A few lines (a bold title first) shown after "How does the week work?", when it has a rhythm to explain. */
  howItWorks?: string;
}

/** The help card: what Tandem does (the features built) and every command, with a button for how it works. */
export function helpView(commands: HelpEntry[], detailsShown = false, features: HelpFeature[] = []): View {
  const lines = commands.map((c) => `• \`/${c.name}\` ${c.summary}`).join('\n');
  const intro = features.length > 0 ? `I help your team’s rhythm, right here in chat:\n${features.map((f) => `• *${f.name}*: ${f.summary}`).join('\n')}` : 'I help your team’s rhythm, right here in chat.';
  const blocks = [v.header('Tandem'), v.section(intro), v.section(`*Commands*\n${lines}`)];
  const explained = features.filter((f) => f.howItWorks);
  if (detailsShown) {
    blocks.push(v.divider(), ...explained.map((f) => v.section(f.howItWorks ?? '')), v.context('Questions or feedback? Ask your Tandem admin.'));
  } else if (explained.length > 0) {
    blocks.push(v.actions(v.button('help.more', 'How does the week work?', { style: 'primary', value: 'more' })));
  }
  return v.view('Tandem help', ...blocks);
}
