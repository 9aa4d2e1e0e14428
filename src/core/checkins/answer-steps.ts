import type { Reply } from '../chat/chat.port.js';
import { reply } from '../chat/chat.port.js';
import { v } from '../chat/views.js';
import type { Clock } from '../clock.js';
import type { Person } from '../people/people.types.js';
import { isEditable } from './access.js';
import type { CheckinAnswers } from './answer.js';
import type { Checkin, CheckinRepository } from './checkins.types.js';
import { answeredView, closedView, NEEDS_HELP_QUESTION, stepPrompt } from './checkins.views.js';

const NO_WORDS = /^(no|nope|n|non|nein)\.?$/i;
const YES_WORDS = /^(yes|y|yep|yeah|please|oui|ja)\.?!?$/i;
const SKIP_WORDS = /^(skip|-|none|nothing|n\/a|pass)\.?$/i;
const STOP_WORDS = /^(stop|cancel|later)\.?$/i;

type Step = { kind: 'question'; index: number } | { kind: 'needsHelp' };

export interface StepDeps {
  checkins: Pick<CheckinRepository, 'answeringStepByStep' | 'update'>;
  answers: Pick<CheckinAnswers, 'current' | 'save'>;
  clock: Clock;
}

/**
 * Answering step by step in the DM: a plain message from a person with an
 * open check-in answers the current question, then Tandem asks the next.
 */
export class StepByStepAnswers {
  constructor(private readonly d: StepDeps) {}

  /** Null when the message is not for the check-in (a command typed as a word, or nothing open). */
  async directMessage(actor: Person, text: string, commandNames: readonly string[]): Promise<Reply | null> {
    const firstWord = text.split(/\s+/)[0]?.toLowerCase() ?? '';
    if (commandNames.includes(firstWord) || firstWord === 'help') return null;
    const now = () => this.d.clock.now();
    let c = await this.d.checkins.answeringStepByStep(actor.id);
    if (c && !isEditable(c, now())) {
      // A step-by-step answer left half-way in a week that has closed: forget it, look at this week's.
      await this.d.checkins.update(c.id, ['pending', 'missed', 'answered', 'skipped'], { step: null }, now());
      c = null;
    }
    if (!c) {
      const open = await this.d.answers.current(actor.id);
      if (!open || open.status !== 'pending') return null;
      c = await this.d.checkins.update(open.id, ['pending'], { step: 0 }, now());
      if (!c) return null;
    }
    if (STOP_WORDS.test(text.trim())) {
      await this.d.checkins.update(c.id, ['pending', 'missed', 'answered'], { step: null }, now());
      return reply.private(v.view('Paused', v.section('Paused. Reply any time to carry on, or use the *Answer now* button.')));
    }
    const steps = stepsOf(c);
    const step = steps[c.step ?? 0];
    if (!step) return null;
    const answers = { ...c.answers };
    let needsHelp = c.needsHelp;
    const value = text.trim();
    if (step.kind === 'needsHelp') {
      if (YES_WORDS.test(value)) needsHelp = true;
      else if (NO_WORDS.test(value)) needsHelp = false;
      else return reply.private(v.view('Yes or no?', v.section(`Sorry, I didn't get that. ${NEEDS_HELP_QUESTION}`)));
    } else {
      const q = c.questions[step.index];
      if (!q) return null;
      if (SKIP_WORDS.test(value) && q.optional) {
        delete answers[q.id];
        if (q.id === 'obstacles') needsHelp = false;
      } else if (q.kind === 'mood') {
        if (!/^[1-5]$/.test(value)) return reply.private(v.view('A number from 1 to 5', v.section(`Please reply with a number from 1 (rough) to 5 (great)${q.optional ? ', or *skip*' : ''}.`)));
        answers[q.id] = value;
      } else if (q.id === 'priorities' && /^same\.?$/i.test(value) && c.previousPriorities) {
        answers[q.id] = c.previousPriorities;
      } else if (!value) {
        return reply.private(v.view('Please answer', v.section('Please answer in a few words.')));
      } else {
        answers[q.id] = value.slice(0, 3000);
      }
    }
    const next = nextStep(c, answers, (c.step ?? 0) + 1);
    if (next < steps.length) {
      const saved = await this.d.checkins.update(c.id, ['pending', 'missed', 'answered'], { answers, needsHelp, step: next }, now());
      if (!saved) return reply.private(closedView(c));
      const s = steps[next];
      const textOut = s?.kind === 'question' && saved.questions[s.index] ? stepPrompt(saved.questions[s.index]!, s.index, saved.questions.length, saved.previousPriorities) : NEEDS_HELP_QUESTION;
      return reply.private(v.view(textOut, v.section(textOut)));
    }
    const missingRequired = c.questions.find((q) => !q.optional && !answers[q.id]);
    if (missingRequired) return reply.private(v.view('One more', v.section(`Please answer: ${missingRequired.text}`)));
    const saved = await this.d.answers.save(c, answers, needsHelp);
    return reply.private(answeredView(saved, now() < saved.deadlineAt));
  }
}

function stepsOf(c: Checkin): Step[] {
  const steps: Step[] = [];
  c.questions.forEach((q, index) => {
    steps.push({ kind: 'question', index });
    if (q.id === 'obstacles') steps.push({ kind: 'needsHelp' });
  });
  return steps;
}

/** The next step index, skipping "need help?" when no obstacle was given. */
function nextStep(c: Checkin, answers: Record<string, string>, from: number): number {
  const steps = stepsOf(c);
  let i = from;
  while (i < steps.length && steps[i]?.kind === 'needsHelp' && !answers.obstacles) i += 1;
  return i;
}
