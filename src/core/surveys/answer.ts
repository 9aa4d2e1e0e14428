import type { Reply } from '../chat/chat.port.js';
import { reply } from '../chat/chat.port.js';
import type { FormValues } from '../chat/views.js';
import { v } from '../chat/views.js';
import { DomainError } from '../errors.js';
import type { Person } from '../people/people.types.js';
import { keyOf } from './context.js';
import type { AnswerValue, KeyedResponse, SurveyQuestion, SurveyRound } from './surveys.types.js';
import { answerForm, closedView, notInvitedView, questionView, summaryView, thanksView } from './surveys.views.js';
import type { Clock } from '../clock.js';
import type { SurveyConfig, SurveyResponseRepository, SurveyRoundRepository } from './surveys.types.js';

/** What answering reads and writes: rounds and keyed responses, by key. */
export interface AnswerDeps {
  store: { rounds: Pick<SurveyRoundRepository, 'get' | 'open'>; responses: Pick<SurveyResponseRepository, 'get' | 'change'> };
  clock: Clock;
  config: Pick<SurveyConfig, 'secret'>;
}

/**
 * Answering in chat, one question at a time. Every step reads the person's
 * response by its HMAC key (never by person id) and writes one answer with
 * one atomic update; nothing here logs or queues an answer.
 */

const SKIP_WORDS = /^(skip|pass|-|n\/a)\.?$/i;
const CONFIRM_WORDS = /^(confirm|yes|send|done|ok)\.?!?$/i;
const STOP_WORDS = /^(stop|cancel|later|pause)\.?$/i;
const MAX_TEXT = 2000;

interface Open {
  round: SurveyRound;
  response: KeyedResponse;
}

type Loaded = Open | { refused: Reply };

/** The round if it is open now and the person was invited to it (their keyed response exists). */
async function load(deps: AnswerDeps, actor: Person, id: string): Promise<Loaded> {
  const round = await deps.store.rounds.get(id);
  if (!round) return { refused: reply.private(notInvitedView()) };
  if (round.status !== 'open' || !round.closesAt || deps.clock.now() >= round.closesAt) return { refused: reply.private(closedView(round)) };
  const response = await deps.store.responses.get(round.id, keyOf(deps, round.id, actor.id));
  if (!response) return { refused: reply.private(notInvitedView()) };
  return { round, response };
}

const isOpen = (l: Loaded): l is Open => !('refused' in l);

/** The answers with one set (a value) or cleared (null, a skipped question). */
function withAnswer(answers: Record<string, AnswerValue>, questionId: string, value: AnswerValue | null): Record<string, AnswerValue> {
  const { [questionId]: _, ...rest } = answers;
  return value === null ? rest : { ...answers, [questionId]: value };
}

/** The view after a step: the next question, or the summary to confirm. */
function stepView(o: Open, step: number): ReturnType<typeof questionView> {
  if (step >= o.round.questions.length) return summaryView(o.round, o.response.answers);
  return questionView(o.round, step, o.response.answers[o.round.questions[step]?.id ?? '']);
}

/** Parses a value for a question (a button value or a typed reply); null when it does not fit. */
export function parseValue(q: SurveyQuestion, raw: string): AnswerValue | null {
  const text = raw.trim();
  if (q.kind === 'text') return text ? text.slice(0, MAX_TEXT) : null;
  if (q.kind === 'choice') {
    const options = q.options ?? [];
    const byLabel = options.findIndex((o) => o.toLowerCase() === text.toLowerCase());
    if (byLabel >= 0) return byLabel;
    const n = /^\d+$/.test(text) ? Number(text) : -1;
    return n >= 0 && n < options.length ? n : null;
  }
  if (!/^\d{1,2}$/.test(text)) return null;
  const n = Number(text);
  return q.kind === 'agree5' ? (n >= 1 && n <= 5 ? n : null) : n >= 0 && n <= 10 ? n : null;
}

export async function start(deps: AnswerDeps, actor: Person, id: string): Promise<Reply> {
  const l = await load(deps, actor, id);
  if (!isOpen(l)) return l.refused;
  const saved = await deps.store.responses.change(l.response, () => ({ step: 0 }));
  return reply.update(stepView({ ...l, response: saved ?? l.response }, 0));
}

/** A click on an answer button or "skip question" (`value` = round|question|answer, answer empty to skip). */
export async function pick(deps: AnswerDeps, actor: Person, value: string, skip: boolean): Promise<Reply> {
  const [id = '', questionId = '', raw = ''] = value.split('|');
  const l = await load(deps, actor, id);
  if (!isOpen(l)) return l.refused;
  const index = l.round.questions.findIndex((q) => q.id === questionId);
  const q = l.round.questions[index];
  if (!q) throw new DomainError('validation', 'That question is not part of this survey.');
  const parsed = skip ? null : parseValue(q, raw);
  if (!skip && parsed === null) throw new DomainError('validation', 'That answer does not fit this question.');
  const saved = await deps.store.responses.change(l.response, (r) => ({ answers: withAnswer(r.answers, q.id, parsed), step: index + 1 }));
  if (!saved) return reply.private(closedView(l.round));
  return reply.update(stepView({ ...l, response: saved }, index + 1));
}

export async function confirm(deps: AnswerDeps, actor: Person, id: string): Promise<Reply> {
  const l = await load(deps, actor, id);
  if (!isOpen(l)) return l.refused;
  if (!(await deps.store.responses.change(l.response, () => ({ step: null, finished: true })))) return reply.private(closedView(l.round));
  return reply.update(thanksView(l.round, l.round.closesAt ?? deps.clock.now(), actor.timeZone));
}

export async function openForm(deps: AnswerDeps, actor: Person, id: string): Promise<Reply> {
  const l = await load(deps, actor, id);
  if (!isOpen(l)) return l.refused;
  return reply.form(answerForm(l.round, l.response.answers));
}

export async function submitForm(deps: AnswerDeps, actor: Person, values: FormValues, id: string | undefined): Promise<Reply> {
  const l = await load(deps, actor, id ?? '');
  if (!isOpen(l)) return l.refused;
  const answers: Record<string, AnswerValue> = {};
  const errors: Record<string, string> = {};
  for (const q of l.round.questions) {
    const raw = values[q.id];
    const text = (Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? '')).trim();
    if (!text) continue;
    const parsed = parseValue(q, text);
    if (parsed === null) errors[q.id] = q.kind === 'text' ? 'Please keep it shorter.' : 'Pick one of the options.';
    else answers[q.id] = parsed;
  }
  if (Object.keys(errors).length) return reply.formErrors(errors);
  if (!(await deps.store.responses.change(l.response, () => ({ answers, step: null, finished: true })))) return reply.private(closedView(l.round));
  return reply.update(thanksView(l.round, l.round.closesAt ?? deps.clock.now(), actor.timeZone));
}

/**
 * A plain DM while a question is being asked: a typed answer (free text, or a
 * number or option for the other kinds), `skip`, or `confirm` at the summary.
 * Null when the person is not answering a survey right now.
 */
export async function directMessage(deps: AnswerDeps, actor: Person, text: string, commandNames: readonly string[]): Promise<Reply | null> {
  const firstWord = text.split(/\s+/)[0]?.toLowerCase() ?? '';
  if (commandNames.includes(firstWord) || firstWord === 'help') return null;
  let current: Open | null = null;
  for (const round of await deps.store.rounds.open()) {
    if (!round.closesAt || deps.clock.now() >= round.closesAt) continue;
    const response = await deps.store.responses.get(round.id, keyOf(deps, round.id, actor.id));
    if (response && response.step !== null) current = { round, response };
  }
  if (!current) return null;
  if (STOP_WORDS.test(text.trim())) {
    await deps.store.responses.change(current.response, () => ({ step: null }));
    return reply.private(v.view('Paused', v.section('Paused. Your answers so far are kept; press *Start* on the survey message to carry on.')));
  }
  const step = current.response.step ?? 0;
  const q = current.round.questions[step];
  if (!q) {
    if (CONFIRM_WORDS.test(text.trim())) return confirm(deps, actor, current.round.id);
    return reply.private(v.view('Confirm?', v.section('Reply *confirm* to send your answers, or use the buttons above to change one.')));
  }
  const skip = SKIP_WORDS.test(text.trim());
  const parsed = skip ? null : parseValue(q, text);
  if (!skip && parsed === null) {
    const hint = q.kind === 'agree5' ? 'a number from 1 to 5' : q.kind === 'scale10' ? 'a number from 0 to 10' : q.kind === 'choice' ? 'one of the options' : 'a few words';
    return reply.private(v.view('Please answer', v.section(`Please reply with ${hint}, or *skip*.`)));
  }
  const saved = await deps.store.responses.change(current.response, (r) => ({ answers: withAnswer(r.answers, q.id, parsed), step: step + 1 }));
  if (!saved) return reply.private(closedView(current.round));
  return reply.private(stepView({ ...current, response: saved }, step + 1));
}
