import { DateTime } from 'luxon';
import type { Clock } from '../clock.js';
import type { Person } from '../people/people.types.js';
import { isoWeek } from '../rhythm/schedule.js';
import type { BudgetState, RecognitionRepository, RecognitionSettings } from './recognition.types.js';

/** The ISO week of an instant in a time zone, e.g. `2026-W47`, and when the next one starts. */
export function weekOf(at: Date, timeZone: string): { week: string; resetsAt: Date } {
  const resetsAt = DateTime.fromJSDate(at, { zone: timeZone }).startOf('week').plus({ weeks: 1 }).toUTC().toJSDate();
  return { week: isoWeek(at, timeZone), resetsAt };
}

/** The giver's weekly kudos budget: how much is used and left this week, in their own time zone. */
export class KudosBudget {
  constructor(private readonly d: { recognition: Pick<RecognitionRepository, 'settings' | 'budgetUsed'>; clock: Clock }) {}

  async of(person: Person, settings?: RecognitionSettings): Promise<BudgetState> {
    const s = settings ?? (await this.d.recognition.settings());
    const { week } = weekOf(this.d.clock.now(), person.timeZone);
    return this.state(person, s, await this.d.recognition.budgetUsed(person.id, week));
  }

  state(person: Person, s: RecognitionSettings, used: number): BudgetState {
    const { week, resetsAt } = weekOf(this.d.clock.now(), person.timeZone);
    return { budget: s.weeklyBudget, used, left: Math.max(0, s.weeklyBudget - used), week, resetsAt, timeZone: person.timeZone };
  }
}
