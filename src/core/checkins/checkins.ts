import type { Interactions } from '../chat/interactions.js';
import type { TandemCommand } from '../help/help.service.js';
import type { CacheInvalidation } from '../invalidation.js';
import type { BulkTurns } from '../pages-first.js';
import type { FeatureDeps } from '../ports.js';
import { CheckinAnswers } from './answer.js';
import { StepByStepAnswers } from './answer-steps.js';
import { Blockers, type PageBlocker } from './blockers.js';
import { registerCheckinChat } from './chat.js';
import type { CheckinRepository } from './checkins.types.js';
import { closer } from './close.js';
import { CheckinHistory } from './history.js';
import { CheckinPrompts } from './prompt.js';
import { CheckinReminders } from './remind.js';
import { CheckinSettingsUseCases } from './settings.js';
import { summariser } from './summarise.js';
import { sweeper } from './sweep.js';

export interface CheckinDeps extends FeatureDeps {
  checkins: CheckinRepository;
  invalidation: CacheInvalidation;
  /** Pages the team's on-call about a blocker (an alert of source `blocker`); absent: blockers stay with the manager. */
  pageBlocker?: PageBlocker;
  /** Pages first: the fan-out's prompts and reminders wait their turn while alert work is in flight (see PagesFirst). */
  pagesFirst?: BulkTurns;
}

/** The invalidation topic of the prompt jobs' shared team reads: a settings change drops them in every process at once. */
export const TEAM_READS_TOPIC = 'checkins.team';

/**
 * Weekly check-ins, one use case per file: settings (and the schedules they
 * imply), prompt, remind, answer (form or step by step), close, summarise,
 * blockers, history. Registers the chat entry points and returns the
 * operations jobs and admin routes call.
 */
export function createCheckins(d: CheckinDeps, chat: { interactions: Interactions; tandem: TandemCommand }) {
  const prompts = new CheckinPrompts(d);
  d.invalidation.subscribe(TEAM_READS_TOPIC, (teamId) => prompts.forget(teamId));
  const settings = new CheckinSettingsUseCases({ ...d, changed: (teamId) => d.invalidation.publish(TEAM_READS_TOPIC, teamId) });
  const summarise = summariser(d);
  const close = closer({ ...d, summarise });
  const reminders = new CheckinReminders(d);
  const blockers = new Blockers(d);
  const answers = new CheckinAnswers({ ...d, blockers, summarise });
  const steps = new StepByStepAnswers({ ...d, answers });
  const history = new CheckinHistory(d);
  registerCheckinChat(chat.interactions, chat.tandem, { answers, steps, reminders, blockers, history });
  return {
    // jobs
    fire: (teamId: string, timeZone: string) => prompts.fire(teamId, timeZone),
    prompt: (personId: string, teamId: string, period: string) => prompts.prompt(personId, teamId, period),
    remind: (checkinId: string, key: string) => reminders.remind(checkinId, key),
    close,
    reconcileAll: () => settings.reconcileAll(),
    reconcileTeam: (teamId: string) => settings.reconcileTeam(teamId),
    sweep: sweeper(d),
    // admin API and reading
    settings: (teamId: string) => settings.settings(teamId),
    updateSettings: settings.updateSettings.bind(settings),
    list: history.list.bind(history),
    get: (id: string) => history.get(id),
    participation: history.participation.bind(history),
    current: (personId: string) => answers.current(personId),
    summarise,
  };
}

export type Checkins = ReturnType<typeof createCheckins>;
