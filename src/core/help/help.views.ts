import type { View } from '../chat/views.js';
import { v } from '../chat/views.js';

export interface HelpEntry {
  name: string;
  summary: string;
}

/** The help card: what Tandem does and every command, with a button to see it in action. */
export function helpView(commands: HelpEntry[], detailsShown = false): View {
  const lines = commands.map((c) => `• \`/${c.name}\` ${c.summary}`).join('\n');
  const blocks = [
    v.header('Tandem'),
    v.section('I run your team’s weekly rhythm: check-ins, kudos, KPI alerts, pulse surveys and scorecards, right here in chat.'),
    v.section(`*Commands*\n${lines}`),
  ];
  if (detailsShown) {
    blocks.push(
      v.divider(),
      v.section(
        '*How the week goes*\n1. Friday afternoon, in your own time zone, I ask how your week went.\n2. Your answers reach your manager in one summary.\n3. Anything blocking you can be flagged for help.',
      ),
      v.context('Questions or feedback? Ask your Tandem admin.'),
    );
  } else {
    blocks.push(v.actions(v.button('help.more', 'How does the week work?', { style: 'primary', value: 'more' })));
  }
  return v.view('Tandem help', ...blocks);
}
