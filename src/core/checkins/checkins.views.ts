import { DateTime } from 'luxon';
import type { Form, Input, View } from '../chat/views.js';
import type { HelpFeature } from '../help/help.views.js';
import { mention, v } from '../chat/views.js';
import type { Blocker, BlockerStatus, Checkin, Question } from './checkins.types.js';

/** What check-ins say about themselves in the help view. */
export const CHECKINS_HELP: HelpFeature = {
  name: 'Check-ins',
  summary: 'once a week, in your own time zone, I ask how your week went; your manager gets one summary',
  howItWorks:
    '*How the week goes*\n1. Friday afternoon, in your own time zone, I ask how your week went.\n2. Your answers reach your manager in one summary.\n3. Anything blocking you can be flagged for help.',
};

/** Action ids and the form id: the contract with adapters and the console demo. */
export const CHECKIN = {
  open: 'checkin.open',
  skip: 'checkin.skip',
  snooze: 'checkin.snooze',
  blockerAck: 'checkin.blocker.ack',
  blockerFollow: 'checkin.blocker.follow',
  blockerResolve: 'checkin.blocker.resolve',
  blockerPage: 'checkin.blocker.page',
  form: 'checkin.answer',
  needsHelpInput: 'needs_help',
} as const;

export const MOOD_LABELS = ['', '1 · rough', '2 · meh', '3 · okay', '4 · good', '5 · great'];

const weekLabel = (period: string) => `week ${Number(period.slice(6))}`;
const when = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat("ccc d LLL 'at' HH:mm");

/** The lines a person answers step by step: every question, plus "need help?" after a non-empty obstacle. */
export function stepPrompt(q: Question, index: number, total: number, previousPriorities: string | null): string {
  const optional = q.optional ? ' (optional: reply *skip* to leave it out)' : '';
  const mood = q.kind === 'mood' ? ' Reply with a number from 1 to 5.' : '';
  const same = q.id === 'priorities' && previousPriorities ? ' Reply *same* to carry last week\'s priorities forward.' : '';
  return `*${index + 1}/${total}* ${q.text}${mood}${same}${optional}`;
}

export const NEEDS_HELP_QUESTION = 'Would you like your manager to help with that obstacle? Reply *yes* or *no*.';

export function promptView(c: Checkin, name: string, openBlockers: Blocker[], first: boolean, reminder?: string): View {
  const firstQuestion = c.questions[0];
  const blocks = [
    v.header(reminder ? 'A gentle reminder: your weekly check-in' : 'Your weekly check-in'),
    v.section(
      reminder
        ? `${reminder} It takes two minutes and keeps ${first ? 'your team' : 'everyone'} in the loop.`
        : first
          ? `Hi ${name}, welcome! This is your first check-in: tell us how your first days went.`
          : `Hi ${name}, how did ${weekLabel(c.period)} go?`,
    ),
  ];
  if (c.previousPriorities) blocks.push(v.section(`*Last week you planned:*\n${c.previousPriorities}`));
  if (openBlockers.length) blocks.push(v.section(`*Still open from earlier:*\n${openBlockers.map((b) => `• ${b.text} (${statusLabel(b.status)})`).join('\n')}`));
  blocks.push(
    v.actions(
      v.button(CHECKIN.open, 'Answer now', { value: c.id, style: 'primary' }),
      v.button(CHECKIN.snooze, 'Snooze 2 hours', { value: c.id }),
      v.button(CHECKIN.skip, 'Skip this week', {
        value: c.id,
        confirm: { title: 'Skip this week?', text: 'Your manager will see that you skipped this week.', confirm: 'Skip', deny: 'Keep it' },
      }),
    ),
  );
  if (firstQuestion) blocks.push(v.context(`Or just reply here and I'll ask one question at a time. First: ${firstQuestion.text}`));
  blocks.push(v.context(`Open until ${when(c.deadlineAt, c.timeZone)} (your time).`));
  return v.view(reminder ? `Reminder: your check-in for ${weekLabel(c.period)} is waiting` : `Your weekly check-in for ${weekLabel(c.period)}`, ...blocks);
}

export function answerForm(c: Checkin, openBlockers: Blocker[]): Form {
  const blocks: Form['blocks'] = [];
  if (c.previousPriorities) blocks.push(v.context(`Last week you planned: ${c.previousPriorities}`));
  if (openBlockers.length) blocks.push(v.context(`Still open: ${openBlockers.map((b) => b.text).join('; ')}`));
  for (const q of c.questions) {
    const current = c.answers[q.id];
    if (q.kind === 'mood') {
      const input: Input = {
        type: 'input',
        id: q.id,
        label: q.text,
        kind: 'radio',
        optional: q.optional,
        options: [1, 2, 3, 4, 5].map((n) => ({ label: MOOD_LABELS[n] ?? String(n), value: String(n) })),
      };
      if (current) input.initial = current;
      blocks.push(input);
      continue;
    }
    const initial = current ?? (q.id === 'priorities' ? (c.previousPriorities ?? undefined) : undefined);
    const input: Input = { type: 'input', id: q.id, label: q.text, kind: 'textarea', optional: q.optional, maxLength: 3000 };
    if (initial) input.initial = initial;
    if (q.id === 'priorities' && c.previousPriorities) input.hint = 'Prefilled with last week\'s priorities: keep what still stands.';
    blocks.push(input);
    if (q.id === 'obstacles') {
      const help: Input = {
        type: 'input',
        id: CHECKIN.needsHelpInput,
        label: 'Help',
        kind: 'checkboxes',
        optional: true,
        options: [
          { label: 'I need help with this obstacle', value: 'yes', description: 'Your manager is told right away.' },
          { label: 'It is urgent', value: 'urgent', description: 'Whoever is on call for your team is paged now.' },
        ],
      };
      if (c.needsHelp) help.initial = ['yes'];
      blocks.push(help);
    }
  }
  return {
    id: CHECKIN.form,
    title: `Check-in · ${weekLabel(c.period)}`,
    submitLabel: c.status === 'answered' ? 'Save changes' : 'Send',
    metadata: c.id,
    blocks,
  };
}

export function answersBlocks(c: Checkin): ReturnType<typeof v.section>[] {
  return c.questions
    .filter((q) => c.answers[q.id])
    .map((q) => v.section(`*${q.text}*\n${q.kind === 'mood' ? (MOOD_LABELS[Number(c.answers[q.id])] ?? c.answers[q.id]) : c.answers[q.id]}`));
}

export function answeredView(c: Checkin, editable: boolean): View {
  const blocks = [v.header(`Check-in for ${weekLabel(c.period)}: done`), v.section('Thank you! Your answers are in.'), ...answersBlocks(c)];
  if (c.needsHelp) blocks.push(v.context('You asked for help: your manager has been told.'));
  if (editable) {
    blocks.push(v.actions(v.button(CHECKIN.open, 'Edit answers', { value: c.id })));
    blocks.push(v.context(`You can edit until ${when(c.deadlineAt, c.timeZone)} (your time).`));
  }
  return v.view(`Thanks, your check-in for ${weekLabel(c.period)} is in`, ...blocks);
}

export const skippedView = (c: Checkin): View =>
  v.view(`Check-in for ${weekLabel(c.period)} skipped`, v.section(`No problem, ${weekLabel(c.period)} is skipped. See you next week!`));

export const closedView = (c: Checkin): View =>
  v.view(`Check-in for ${weekLabel(c.period)} is closed`, v.section(`The check-in for ${weekLabel(c.period)} closed on ${when(c.deadlineAt, c.timeZone)}.`));

export const snoozedView = (until: Date, zone: string): View =>
  v.view('Snoozed for 2 hours', v.section(`Snoozed. I'll ask again at ${DateTime.fromJSDate(until, { zone }).toFormat('HH:mm')} (your time).`));

export interface SummaryEntry {
  personId: string;
  checkin: Checkin | null;
  away: boolean;
}

export function summaryView(teamName: string, period: string, entries: SummaryEntry[], moodNow: number | null, moodBefore: number | null, final: boolean): View {
  const answered = entries.filter((e) => e.checkin?.status === 'answered');
  const skipped = entries.filter((e) => e.checkin?.status === 'skipped');
  const away = entries.filter((e) => e.away && !e.checkin);
  const missing = entries.filter((e) => !e.away && (!e.checkin || e.checkin.status === 'pending' || e.checkin.status === 'missed'));
  const expected = entries.length - away.length;
  const blocks = [
    v.header(`${teamName} · check-ins for ${weekLabel(period)}`),
    v.fields([
      { label: 'Answered', value: `${answered.length} of ${expected}` },
      { label: 'Mood', value: moodLine(moodNow, moodBefore) },
    ]),
  ];
  const highlights = answered.filter((e) => e.checkin?.answers.progress).map((e) => `• ${mention(e.personId)}: ${firstLine(e.checkin?.answers.progress ?? '')}${e.checkin?.late ? ' _(late)_' : ''}`);
  if (highlights.length) blocks.push(v.section(`*Highlights*\n${highlights.join('\n')}`));
  const blockers = answered
    .filter((e) => e.checkin?.answers.obstacles && !/^(none|no|nothing|n\/a|-)\.?$/i.test(e.checkin.answers.obstacles.trim()))
    .map((e) => `• ${mention(e.personId)}: ${firstLine(e.checkin?.answers.obstacles ?? '')}${e.checkin?.needsHelp ? ' — *needs help*' : ''}`);
  if (blockers.length) blocks.push(v.section(`*Blockers*\n${blockers.join('\n')}`));
  if (missing.length) blocks.push(v.section(`*${final ? 'Missing' : 'Not yet answered'}:* ${missing.map((e) => mention(e.personId)).join(', ')}`));
  if (skipped.length) blocks.push(v.context(`Skipped this week: ${skipped.map((e) => mention(e.personId)).join(', ')}`));
  if (away.length) blocks.push(v.context(`Away: ${away.map((e) => mention(e.personId)).join(', ')}`));
  return v.view(`${teamName}: ${answered.length} of ${expected} check-ins for ${weekLabel(period)}`, ...blocks);
}

function moodLine(now: number | null, before: number | null): string {
  if (now === null) return 'no answers yet';
  const arrow = before === null ? '' : now > before + 0.05 ? ` ↑ from ${before.toFixed(1)}` : now < before - 0.05 ? ` ↓ from ${before.toFixed(1)}` : ' → steady';
  return `${now.toFixed(1)} / 5${arrow}`;
}

const firstLine = (s: string) => {
  const line = s.split('\n')[0]?.trim() ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
};

export function statusLabel(s: BlockerStatus): string {
  return { open: 'open', acknowledged: 'acknowledged', following_up: 'your manager is following up', resolved: 'resolved' }[s];
}

export function blockerView(b: Blocker): View {
  const blocks = [v.header('A teammate needs help'), v.section(`${mention(b.personId)} flagged an obstacle in their check-in:\n>${b.text}`), v.context(`Status: ${statusLabel(b.status)}`)];
  if (b.status !== 'resolved') {
    const buttons = [];
    if (b.status === 'open') buttons.push(v.button(CHECKIN.blockerAck, 'Acknowledge', { value: b.id }));
    if (b.status !== 'following_up') buttons.push(v.button(CHECKIN.blockerFollow, "I'll follow up", { value: b.id, style: 'primary' }));
    buttons.push(v.button(CHECKIN.blockerResolve, 'Resolved', { value: b.id }));
    buttons.push(v.button(CHECKIN.blockerPage, 'Page on-call', { value: b.id, style: 'danger', confirm: { title: 'Page on-call?', text: 'The blocker becomes an alert for whoever is on call for the team.', confirm: 'Page', deny: 'Cancel' } }));
    blocks.push(v.actions(...buttons));
  }
  return v.view(`${b.status === 'resolved' ? 'Resolved' : 'Needs help'}: ${firstLine(b.text)}`, ...blocks);
}

export const blockerStatusForPerson = (b: Blocker, managerId: string): View =>
  v.view(
    `Update on your blocker: ${statusLabel(b.status)}`,
    v.section(`${mention(managerId)} ${b.status === 'resolved' ? 'marked your blocker as resolved' : b.status === 'following_up' ? 'will follow up on your blocker' : 'saw your blocker'}:\n>${b.text}`),
  );

export function historyView(checkins: Checkin[]): View {
  if (!checkins.length) return v.view('No check-ins yet', v.section("You don't have any check-ins yet. Your first one arrives at the team's check-in time."));
  const blocks = [v.header('Your past check-ins')];
  for (const c of checkins) {
    blocks.push(v.divider());
    const status = c.status === 'answered' ? (c.late ? 'answered late' : 'answered') : c.status;
    blocks.push(v.section(`*${weekLabel(c.period)} (${c.period})* · ${status}`));
    blocks.push(...answersBlocks(c));
  }
  return v.view(`Your last ${checkins.length} check-ins`, ...blocks);
}

export const noCheckinView = (): View =>
  v.view('No open check-in', v.section('You have no open check-in right now. Try `/tandem checkin history` to see your past ones.'));
