import { createHash, randomUUID } from 'node:crypto';
import type { InteractionContext } from '../chat/interactions.js';
import { mention } from '../chat/views.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Person } from '../people/people.types.js';
import type { PeopleRepository, Scheduler } from '../ports.js';
import { claimAll, releaseAll, type Claims } from '../rhythm/claims.js';
import type { KudosBudget } from './budget.js';
import { weekOf } from './budget.js';
import { DELIVER_JOB } from './deliver.js';
import { closestValue, reasonLength, valueSlug } from './parse.js';
import type { BudgetState, Kudos, RecognitionRepository, RecognitionSettings } from './recognition.types.js';
import { resetText, usage, VALUE_INPUT, valuesList } from './recognition.views.js';

/** How long an identical kudos (same giver, recipients and reason) counts as a double click. */
export const DUPLICATE_WINDOW_MS = 5 * 60_000;
/** How long a platform delivery id is remembered against retries. */
const DELIVERY_WINDOW_MS = 24 * 3600_000;

/** A broken rule: which form input it concerns (if any) and what to tell the giver. */
export class KudosRuleError extends DomainError {
  constructor(
    readonly field: 'recipients' | 'reason' | typeof VALUE_INPUT | null,
    message: string,
    readonly hint?: string,
    code: 'validation' | 'forbidden' | 'limit_reached' = 'validation',
  ) {
    super(code, message);
  }
}

export interface GiveInput {
  recipients: string[];
  bots?: string[];
  unresolved?: string[];
  reason: string;
  values: string[];
  private: boolean;
}

export type GiveOutcome = { kind: 'sent'; kudos: Kudos; budget: BudgetState; posted: boolean } | { kind: 'duplicate'; kudos: Kudos | null; budget: BudgetState };

export interface GiveDeps {
  recognition: Pick<RecognitionRepository, 'settings' | 'spendBudget' | 'bindBudget' | 'releaseBudget' | 'insert' | 'get'>;
  claims: Claims;
  people: Pick<PeopleRepository, 'getMany'>;
  scheduler: Pick<Scheduler, 'enqueue'>;
  budget: KudosBudget;
  clock: Clock;
}

/**
 * Giving kudos: every rule checked (recipients, reason, values), counted once
 * per click or platform retry (claims), the weekly budget spent atomically,
 * then delivery queued.
 */
export class GiveKudos {
  constructor(private readonly d: GiveDeps) {}

  /** Gives a kudos: checks every rule, counts it once, spends the budget atomically, then queues delivery. */
  async give(ctx: InteractionContext, input: GiveInput, settings?: RecognitionSettings): Promise<GiveOutcome> {
    const s = settings ?? (await this.d.recognition.settings());
    const giver = ctx.actor;
    const recipients = await this.checkRecipients(giver, input);
    const reason = input.reason.trim();
    this.checkReason(reason, s);
    const values = this.checkValues(input.values, s);

    const now = this.d.clock.now();
    const { week } = weekOf(now, giver.timeZone);
    const ids = recipients.map((r) => r.id);

    // A platform retry carries the same delivery id; a double click the same content.
    const keys: { key: string; until: Date }[] = [];
    if (ctx.deliveryId) keys.push({ key: `kudos:delivery:${ctx.platform}:${ctx.deliveryId}`, until: new Date(now.getTime() + DELIVERY_WINDOW_MS) });
    const content = createHash('sha256')
      .update(JSON.stringify([giver.id, [...ids].sort(), reason.replace(/\s+/g, ' ').toLowerCase(), [...values].sort()]))
      .digest('hex');
    keys.push({ key: `kudos:content:${content}`, until: new Date(now.getTime() + DUPLICATE_WINDOW_MS) });
    const claimed = await claimAll(this.d.claims, keys, now);
    if (!claimed.won) {
      const earlier = claimed.boundTo ? await this.d.recognition.get(claimed.boundTo) : null;
      return { kind: 'duplicate', kudos: earlier, budget: await this.d.budget.of(giver, s) };
    }
    const won = claimed.keys;
    const release = () => releaseAll(this.d.claims, won);
    const holder = `give:${randomUUID()}`;
    const spent = await this.d.recognition.spendBudget(giver.id, week, ids.length, s.weeklyBudget, holder).catch(async (err: unknown) => {
      await release();
      throw err;
    });
    if (!spent.ok) {
      await release();
      const budget = this.d.budget.state(giver, s, spent.used);
      const asked = ids.length === 1 ? '1 person' : `${ids.length} people`;
      const message =
        budget.left === 0
          ? `You’ve used all ${s.weeklyBudget} kudos of your weekly budget.`
          : `This kudos names ${asked}, but you have only ${budget.left} kudos left this week (of ${s.weeklyBudget}).`;
      throw new KudosRuleError('recipients', message, `Your budget resets ${resetText(budget)}. Fewer, more specific kudos mean more.`, 'limit_reached');
    }

    let kudos: Kudos;
    try {
      kudos = await this.d.recognition.insert({ giverId: giver.id, recipientIds: ids, reason, values, private: input.private, platform: ctx.platform, week, createdAt: now });
    } catch (err) {
      await this.d.recognition.releaseBudget(holder);
      await release();
      throw err;
    }
    await this.d.recognition.bindBudget(holder, kudos.id);
    for (const k of won) await this.d.claims.bind(k, kudos.id);
    await this.d.scheduler.enqueue(DELIVER_JOB, { kudosId: kudos.id }, { jobId: `${DELIVER_JOB}:${kudos.id}` });
    const posted = !kudos.private && s.channelPosts;
    return { kind: 'sent', kudos, budget: this.d.budget.state(giver, s, spent.used), posted };
  }

  private async checkRecipients(giver: Person, input: GiveInput): Promise<Person[]> {
    const unresolved = input.unresolved ?? [];
    if (unresolved.length) {
      throw new KudosRuleError(
        'recipients',
        `I couldn’t tell who ${unresolved.map((n) => `@${n}`).join(', ')} ${unresolved.length === 1 ? 'is' : 'are'}.`,
        'Type @ and pick each person from the list so the name becomes a mention, or use `/kudos` alone for a form.',
      );
    }
    const bots = input.bots ?? [];
    if (bots.length) {
      throw new KudosRuleError('recipients', `${bots.join(', ')} ${bots.length === 1 ? 'is a bot' : 'are bots'}: kudos are for people.`, 'Leave the bot out and try again.', 'forbidden');
    }
    if (input.recipients.length === 0) throw new KudosRuleError('recipients', 'Who would you like to recognise? Mention at least one person.');
    if (input.recipients.includes(giver.id)) {
      throw new KudosRuleError('recipients', 'You can’t give kudos to yourself.', 'Kudos are for recognising others. Who helped you this week?', 'forbidden');
    }
    const found = await this.d.people.getMany(input.recipients);
    const byId = new Map(found.map((p) => [p.id, p]));
    const missing = input.recipients.filter((id) => !byId.get(id)?.active);
    if (missing.length) {
      throw new KudosRuleError('recipients', `${missing.map(mention).join(', ')} can’t receive kudos: not an active member of Tandem.`, 'Check the names and try again.');
    }
    return input.recipients.map((id) => byId.get(id)!);
  }

  private checkReason(reason: string, s: RecognitionSettings): void {
    if (reason === '') throw new KudosRuleError('reason', 'Please say what the kudos is for.', usage(s));
    const length = reasonLength(reason);
    if (length < s.minReasonLength) {
      throw new KudosRuleError(
        'reason',
        `Tell them a little more: a reason needs at least ${s.minReasonLength} characters (yours has ${length}).`,
        'Specific recognition (“for pairing with me on the flaky test”) means the most.',
      );
    }
    if (length > 1000) throw new KudosRuleError('reason', `That reason is ${length} characters long; please keep it under 1000.`);
  }

  private checkValues(tags: string[], s: RecognitionSettings): string[] {
    const names = s.values.map((x) => x.name);
    const values = [...new Set(tags.map(valueSlug))];
    for (const tag of values) {
      if (names.includes(tag)) continue;
      if (names.length === 0) {
        throw new KudosRuleError(VALUE_INPUT, `#${tag} isn’t one of our company values: none are set up yet.`, 'Leave the hashtag out, or ask your Tandem admin to add the values.');
      }
      const close = closestValue(tag, names);
      throw new KudosRuleError(
        VALUE_INPUT,
        close ? `I don’t know the value #${tag}. Did you mean #${close}?` : `#${tag} isn’t one of our company values.`,
        `Our values are ${valuesList(s)}.`,
      );
    }
    if (values.length === 0 && s.requireValue && names.length > 0) {
      throw new KudosRuleError(VALUE_INPUT, 'Which of our values did it show? Add one as a hashtag.', `Our values are ${valuesList(s)}.`);
    }
    return values;
  }
}
