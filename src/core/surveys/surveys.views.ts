import type { Block, Form, Input, View } from '../chat/views.js';
import { v } from '../chat/views.js';
import { formatLocal } from './rhythm.js';
import type { AnswerValue, GroupResult, QuestionResult, RoundResults, SuppressedGroup, SurveyQuestion, SurveyRound, TrendPoint } from './surveys.types.js';
import { isShown } from './surveys.types.js';

/** Action ids and the form id: the contract with adapters and tests. */
export const SURVEY = {
  start: 'survey.start',
  pick: 'survey.pick',
  skip: 'survey.skip',
  confirm: 'survey.confirm',
  edit: 'survey.edit',
  openForm: 'survey.form',
  form: 'survey.answer',
} as const;

export const AGREE_LABELS = ['', 'Strongly disagree', 'Disagree', 'Neutral', 'Agree', 'Strongly agree'];

/** A button value: `<round>|<question>|<value>`; round ids and question ids never contain `|`. */
export const pickValue = (roundId: string, questionId: string, value: string | number) => `${roundId}|${questionId}|${value}`;

export function anonymityText(floor: number): string {
  return [
    '*How anonymity works*',
    '• Your answers are stored without your name or any id of yours. While the survey is open they sit under a sealed key only Tandem can compute, so you can change them; at close they are copied, shuffled, into an anonymous store and the sealed copy is deleted.',
    `• Nobody sees individual answers. Results appear only after the survey closes, and only for groups of ${floor} or more respondents (a smaller group shows nothing, not even how many answered).`,
    '• Comments are shown word for word, in random order: leave out anything that identifies you.',
  ].join('\n');
}

export function inviteView(round: SurveyRound, closesAt: Date, timeZone: string, floor: number, reminder = false): View {
  const n = round.questions.length;
  return v.view(
    reminder ? `Reminder: the ${round.name} survey is still open` : `A short anonymous survey: ${round.name}`,
    v.header(reminder ? `Still time: ${round.name}` : `${round.name}: a short anonymous survey`),
    v.section(
      reminder
        ? `You have not finished this survey yet. It is ${n} question${n === 1 ? '' : 's'} and closes ${formatLocal(closesAt, timeZone)} (your time).`
        : `${n} question${n === 1 ? '' : 's'}, about a minute. I'll ask one at a time here; you can skip any question and change your answers until ${formatLocal(closesAt, timeZone)} (your time).`,
    ),
    v.section(anonymityText(floor)),
    v.actions(v.button(SURVEY.start, 'Start', { value: round.id, style: 'primary' }), v.button(SURVEY.openForm, 'Answer in a form', { value: round.id })),
  );
}

const currentLabel = (q: SurveyQuestion, value: AnswerValue | undefined): string | null => {
  if (value === undefined) return null;
  if (q.kind === 'agree5') return `${value} · ${AGREE_LABELS[Number(value)] ?? ''}`;
  return String(value);
};

/** One question with its buttons; a free-text question asks for a typed reply. */
export function questionView(round: SurveyRound, index: number, current: AnswerValue | undefined): View {
  const q = round.questions[index];
  if (!q) return v.view('No such question', v.section('That question is gone.'));
  const head = `*${index + 1}/${round.questions.length}* ${q.text}`;
  const blocks: Block[] = [v.section(head)];
  const pick = (value: string | number, label: string) => v.button(SURVEY.pick, label, { value: pickValue(round.id, q.id, value), ...(current !== undefined && String(current) === String(value) ? { style: 'primary' as const } : {}) });
  if (q.kind === 'agree5') blocks.push(v.actions(...[1, 2, 3, 4, 5].map((n) => pick(n, `${n} · ${AGREE_LABELS[n] ?? ''}`))));
  if (q.kind === 'scale10') {
    blocks.push(v.actions(...[0, 1, 2, 3, 4, 5].map((n) => pick(n, String(n)))));
    blocks.push(v.actions(...[6, 7, 8, 9, 10].map((n) => pick(n, String(n)))));
    blocks.push(v.context('0 = not at all likely · 10 = extremely likely'));
  }
  if (q.kind === 'choice') blocks.push(v.actions(...(q.options ?? []).map((o, i) => pick(i, o))));
  if (q.kind === 'text') blocks.push(v.context('Type your answer as a reply here.'));
  const now = currentLabel(q, current);
  if (now) blocks.push(v.context(`Your answer so far: ${now}`));
  blocks.push(v.actions(v.button(SURVEY.skip, 'Skip question', { value: pickValue(round.id, q.id, '') })));
  return v.view(`${index + 1}/${round.questions.length} ${q.text}`, ...blocks);
}

const shownAnswer = (q: SurveyQuestion, value: AnswerValue | undefined): string => {
  if (value === undefined) return '_skipped_';
  if (q.kind === 'agree5') return `${value} · ${AGREE_LABELS[Number(value)] ?? ''}`;
  if (q.kind === 'choice') return q.options?.[Number(value)] ?? String(value);
  return String(value);
};

export function summaryView(round: SurveyRound, answers: Record<string, AnswerValue>): View {
  const lines = round.questions.map((q, i) => `${i + 1}. ${q.text}\n    → ${shownAnswer(q, answers[q.id])}`);
  return v.view(
    `Your answers to ${round.name}: confirm to send`,
    v.section(`*Your answers to ${round.name}*\n${lines.join('\n')}`),
    v.actions(v.button(SURVEY.confirm, 'Confirm', { value: round.id, style: 'primary' }), v.button(SURVEY.edit, 'Change an answer', { value: round.id }), v.button(SURVEY.openForm, 'Edit in a form', { value: round.id })),
  );
}

/** After confirming: no answer values, so nothing of them stays in the chat history. */
export function thanksView(round: SurveyRound, closesAt: Date, timeZone: string): View {
  return v.view(
    `Thank you: your answers to ${round.name} are in`,
    v.section(`Thank you: your answers to *${round.name}* are in. You can change them until ${formatLocal(closesAt, timeZone)} (your time).`),
    v.actions(v.button(SURVEY.edit, 'Change my answers', { value: round.id })),
  );
}

export function closedView(round: SurveyRound): View {
  return v.view(`${round.name} has closed`, v.section(`*${round.name}* has closed; answers can no longer be given or changed. Results go to managers and leaders for groups of enough respondents.`));
}

export function notInvitedView(): View {
  return v.view('Not for you', v.section('This survey was not sent to you, or it is no longer open.'));
}

export function answerForm(round: SurveyRound, answers: Record<string, AnswerValue>): Form {
  const inputs: Input[] = round.questions.map((q) => {
    const current = answers[q.id];
    const initial = current === undefined ? {} : { initial: String(current) };
    if (q.kind === 'text') return { type: 'input', id: q.id, label: q.text, kind: 'textarea', optional: true, maxLength: 2000, ...initial };
    const options =
      q.kind === 'agree5'
        ? [1, 2, 3, 4, 5].map((n) => ({ label: `${n} · ${AGREE_LABELS[n] ?? ''}`, value: String(n) }))
        : q.kind === 'scale10'
          ? Array.from({ length: 11 }, (_, n) => ({ label: String(n), value: String(n) }))
          : (q.options ?? []).map((o, i) => ({ label: o, value: String(i) }));
    return { type: 'input', id: q.id, label: q.text, kind: q.kind === 'scale10' ? 'select' : 'radio', optional: true, options, ...initial };
  });
  return { id: SURVEY.form, title: round.name.slice(0, 24), submitLabel: 'Send', metadata: round.id, blocks: [v.context('Every question is optional. Your answers stay anonymous (see the invitation).'), ...inputs] };
}

// ---- results -------------------------------------------------------------

const pct = (x: number) => `${Math.round(x * 100)} %`;
const signed = (n: number) => (n > 0 ? `▲ ${n}` : n < 0 ? `▼ ${-n}` : '= 0');
const BAR = '█';

function distributionLine(q: QuestionResult): string {
  const entries = Object.entries(q.distribution);
  const max = Math.max(1, ...entries.map(([, n]) => n));
  return entries.map(([k, n]) => `\`${k.padStart(2)}\` ${BAR.repeat(Math.round((n / max) * 10)) || '·'} ${n}`).join('\n');
}

/** A figure over the rounds the group was shown in, when there are two or more: "round 1: 3.60 → round 2: 4.40". */
function trendLine(trend: readonly TrendPoint[], value: (p: TrendPoint) => number | null, format: (x: number) => string): string | null {
  const points = trend.flatMap((p) => {
    const x = value(p);
    return x === null ? [] : [`round ${p.n}: ${format(x)}`];
  });
  return points.length > 1 ? `_Trend_ ${points.join(' → ')}` : null;
}

const enpsText = (x: number) => `${x > 0 ? '+' : ''}${x}`;

function questionLines(q: QuestionResult, trend: readonly TrendPoint[]): string {
  if (q.kind === 'text') return q.comments.length ? `*${q.text}*\n${q.comments.map((c) => `> ${c.replace(/\n/g, ' ')}`).join('\n')}` : `*${q.text}*\n_no comments_`;
  if (!Object.keys(q.distribution).length) return `*${q.text}*\n_too few answers to show_`;
  const mean = q.mean !== null ? ` · mean ${q.mean.toFixed(2)}${q.change !== null ? ` (${signed(q.change)} vs last round)` : ''}` : '';
  const lines = [`*${q.text}*${mean}`, distributionLine(q), trendLine(trend, (p) => p.means[q.id] ?? null, (x) => x.toFixed(2))];
  return lines.filter((l) => l !== null).join('\n');
}

export function groupBlocks(g: GroupResult | SuppressedGroup): Block[] {
  if (!isShown(g)) return [v.section(`*${g.name}*: ${g.reason}`)];
  const head = [`*${g.name}*: ${g.respondents} of ${g.invited} answered (${pct(g.responseRate)})`];
  if (g.enps !== null) head.push(`eNPS *${enpsText(g.enps)}*${g.enpsChange !== null ? ` (${signed(g.enpsChange)} vs last round)` : ''}`);
  const enpsTrend = trendLine(g.trend, (p) => p.enps, enpsText);
  return [v.section([head.join(' · '), ...(enpsTrend ? [`eNPS ${enpsTrend}`] : [])].join('\n')), ...g.questions.map((q) => v.section(questionLines(q, g.trend)))];
}

/** The results message; `imageUrl` is the distribution and trend picture where drawn (the text says everything it shows). */
export function resultsView(results: RoundResults, groups: (GroupResult | SuppressedGroup)[], imageUrl: string | null = null): View {
  const closed = results.closedAt.toISOString().slice(0, 10);
  return v.view(
    `Results of ${results.name} (round ${results.n})`,
    v.header(`${results.name}: results`),
    v.context(`Round ${results.n}, closed ${closed}. Groups below ${results.minGroupSize} respondents are not shown.`),
    ...(imageUrl ? [v.image(imageUrl, `Chart of the answer distribution per question and the trend over rounds of ${results.name}, round ${results.n}`)] : []),
    ...groups.flatMap((g) => [v.divider(), ...groupBlocks(g)]),
  );
}

export function noResultsView(): View {
  return v.view('No survey results yet', v.section('There are no survey results you can see yet. Results appear when a survey closes, for groups of enough respondents.'));
}
