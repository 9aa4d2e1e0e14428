import { DateTime } from 'luxon';
import type { Form, Input, Option, View } from '../chat/views.js';
import { mention, v } from '../chat/views.js';
import type { BudgetState, CompanyValue, Kudos, PersonalStats, RecognitionSettings, TeamStats } from './recognition.types.js';

export const GIVE_FORM_ID = 'kudos.give';
export const PRIVATE_OPTION = 'private';
/** Not `value`: Teams card data reserves that key for button values. */
export const VALUE_INPUT = 'companyValue';

const names = (ids: readonly string[]): string => {
  const m = ids.map(mention);
  if (m.length <= 1) return m.join('');
  return `${m.slice(0, -1).join(', ')} and ${m.at(-1)}`;
};

const tags = (values: readonly string[]): string => values.map((t) => `#${t}`).join(' ');

export function valueLabel(settings: RecognitionSettings, name: string): string {
  return settings.values.find((v) => v.name === name)?.label ?? name;
}

/** "Monday 24 Nov at 00:00 (Europe/Paris)" */
export function resetText(budget: BudgetState): string {
  return `${DateTime.fromJSDate(budget.resetsAt, { zone: budget.timeZone }).toFormat("cccc d LLL 'at' HH:mm")} (${budget.timeZone})`;
}

export function budgetLine(budget: BudgetState): string {
  const left = budget.left === 1 ? '1 kudos' : `${budget.left} kudos`;
  return `You have ${left} left this week (of ${budget.budget}); your budget resets ${resetText(budget)}.`;
}

export interface FormPrefill {
  recipients?: string[];
  reason?: string;
  value?: string;
  private?: boolean;
}

/** The kudos form: Slack modal, Teams card, console form. */
export function giveForm(settings: RecognitionSettings, prefill: FormPrefill = {}, intro?: string): Form {
  const blocks: Form['blocks'] = [];
  blocks.push(v.section(intro ?? 'Recognise a colleague for something specific they did. They get a message from me.'));
  const recipients: Input = { type: 'input', id: 'recipients', label: 'Who would you like to recognise?', kind: 'user', multiple: true, placeholder: 'Pick one or more people' };
  if (prefill.recipients?.length) recipients.initial = prefill.recipients;
  const reason: Input = {
    type: 'input',
    id: 'reason',
    label: 'What for?',
    kind: 'textarea',
    placeholder: 'For shipping the migration without a minute of downtime',
    hint: `Be specific: at least ${settings.minReasonLength} characters.`,
    maxLength: 1000,
  };
  if (prefill.reason) reason.initial = prefill.reason.slice(0, 1000);
  blocks.push(recipients, reason);
  if (settings.values.length > 0) {
    const options: Option[] = settings.values.map((val: CompanyValue) => ({ label: val.label, value: val.name, ...(val.description ? { description: val.description } : {}) }));
    const value: Input = { type: 'input', id: VALUE_INPUT, label: 'Which of our values did it show?', kind: 'select', options, optional: !settings.requireValue, placeholder: 'Choose a value' };
    if (prefill.value && settings.values.some((val) => val.name === prefill.value)) value.initial = prefill.value;
    blocks.push(value);
  }
  const priv: Input = {
    type: 'input',
    id: 'private',
    label: 'Visibility',
    kind: 'checkboxes',
    optional: true,
    options: [{ label: 'Private: only the people I recognise see it', value: PRIVATE_OPTION }],
  };
  if (prefill.private) priv.initial = [PRIVATE_OPTION];
  blocks.push(priv);
  return { id: GIVE_FORM_ID, title: 'Give kudos', submitLabel: 'Send kudos', blocks };
}

/** What the giver sees once the kudos is recorded. */
export function sentView(kudos: Kudos, budget: BudgetState, settings: RecognitionSettings, posted: boolean): View {
  const where = kudos.private
    ? 'It is private: only they will see it.'
    : posted
      ? 'I’m letting them know and sharing it with their team.'
      : 'I’m letting them know.';
  const value = kudos.values.length ? ` for ${kudos.values.map((t) => `*${valueLabel(settings, t)}*`).join(', ')}` : '';
  return v.view(
    `Kudos sent to ${kudos.recipientIds.length === 1 ? '1 person' : `${kudos.recipientIds.length} people`}`,
    v.section(`🎉 Kudos sent to ${names(kudos.recipientIds)}${value}. ${where}`),
    v.context(budgetLine(budget)),
  );
}

/** A retry or a second click of a kudos already recorded. */
export function alreadySentView(kudos: Kudos | null, budget: BudgetState): View {
  const who = kudos ? ` to ${names(kudos.recipientIds)}` : '';
  return v.view(
    'That kudos was already sent',
    v.section(`✅ Your kudos${who} was already recorded, so I counted it once.`),
    v.context(budgetLine(budget)),
  );
}

/** The DM each recipient receives. */
export function receivedView(kudos: Kudos, settings: RecognitionSettings): View {
  const others = kudos.recipientIds.length > 1 ? ` (with ${kudos.recipientIds.length - 1} other${kudos.recipientIds.length > 2 ? 's' : ''})` : '';
  const blocks = [v.section(`✨ ${mention(kudos.giverId)} gave you kudos${others}:\n> ${kudos.reason}`)];
  if (kudos.values.length) blocks.push(v.context(`Showing our values: ${kudos.values.map((t) => `*${valueLabel(settings, t)}*`).join(', ')}`));
  if (kudos.private) blocks.push(v.context('This kudos is private: only you and the other people recognised see it.'));
  blocks.push(v.actions(v.button('kudos.stats', 'See my kudos', { value: 'stats' })));
  return v.view(`Kudos from a colleague: ${kudos.reason}`.slice(0, 150), ...blocks);
}

/** The post in the team's recognition channel. */
export function channelView(kudos: Kudos, settings: RecognitionSettings): View {
  const value = kudos.values.length ? v.context(kudos.values.map((t) => `#${t} · ${valueLabel(settings, t)}`).join('   ')) : null;
  return v.view(
    `Kudos for ${kudos.recipientIds.length === 1 ? 'a colleague' : `${kudos.recipientIds.length} colleagues`}`,
    v.section(`👏 ${mention(kudos.giverId)} recognised ${names(kudos.recipientIds)}:\n> ${kudos.reason}`),
    ...(value ? [value] : []),
  );
}

/** What replaces a revoked kudos wherever it was posted. */
export function revokedView(): View {
  return v.view('This kudos was withdrawn', v.context('This kudos was withdrawn by an administrator.'));
}

export function statsView(personal: PersonalStats, settings: RecognitionSettings, teams: TeamStats[]): View {
  const byValue = (counts: Record<string, number>) => {
    const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return entries.length ? entries.map(([name, n]) => `${valueLabel(settings, name)} ${n}`).join(' · ') : 'no values named yet';
  };
  const since = DateTime.fromJSDate(personal.since, { zone: personal.budget.timeZone }).toFormat('d LLL yyyy');
  const blocks = [
    v.header('Your kudos'),
    v.fields([
      { label: `Received since ${since}`, value: `${personal.received.total}` },
      { label: `Given since ${since}`, value: `${personal.given.total}` },
    ]),
    v.section(`*Received, by value*\n${personal.received.total ? byValue(personal.received.byValue) : 'Nothing yet. It will come!'}`),
    v.section(`*Given, by value*\n${personal.given.total ? byValue(personal.given.byValue) : 'Nothing yet. Who helped you this week?'}`),
    v.context(budgetLine(personal.budget)),
  ];
  for (const team of teams) {
    blocks.push(v.divider(), v.header(`Team ${team.teamName}`));
    blocks.push(v.section(`*${team.total} kudos* received by the team since ${since}, by value: ${team.total ? byValue(team.byValue) : '—'}`));
    if (team.quiet.length) {
      blocks.push(
        v.section(
          `*Not recognised in the last ${team.quietWeeks} weeks*\n${team.quiet.map((q) => mention(q.personId)).join(', ')}\nGood work is easy to miss. Is there something worth recognising?`,
        ),
      );
    } else {
      blocks.push(v.context(`Everyone in the team was recognised in the last ${team.quietWeeks} weeks.`));
    }
    for (const pair of team.reciprocal) {
      blocks.push(
        v.context(
          `↔️ ${mention(pair.a)} and ${mention(pair.b)} have only recognised each other (${pair.count} kudos). Recognition means most when it comes from around the team.`,
        ),
      );
    }
  }
  blocks.push(v.context('Only you see this. Tandem keeps no public leaderboard.'));
  return v.view('Your kudos', ...blocks);
}

export function ruleView(message: string, hint?: string): View {
  return v.view(message, v.section(`⚠️ ${message}`), ...(hint ? [v.context(hint)] : []));
}

/** `/kudos help`: how giving works, with the company's values. */
export function kudosHelpView(settings: RecognitionSettings): View {
  const values = settings.values.length ? `Our values: ${settings.values.map((x) => `#${x.name} (${x.label})`).join(', ')}.` : 'No company values are set up yet.';
  return v.view(
    'How to give kudos',
    v.header('Give kudos'),
    v.section(`${usage(settings)}
Name one or more people, say what for (at least ${settings.minReasonLength} characters), and tag a value.`),
    v.context(`${values} You can recognise up to ${settings.weeklyBudget} people a week. \`/kudos stats\` shows what you received and gave.`),
  );
}

export const usage = (settings: RecognitionSettings): string =>
  `Try \`/kudos @ana @bo for shipping the migration without downtime${settings.values[0] ? ` #${settings.values[0].name}` : ''}\`, or just \`/kudos\` for a form.`;

export const valuesList = (settings: RecognitionSettings): string => tags(settings.values.map((x) => x.name));
