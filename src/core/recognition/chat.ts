import type { Reply } from '../chat/chat.port.js';
import { reply } from '../chat/chat.port.js';
import type { InteractionContext, Interactions } from '../chat/interactions.js';
import type { FormValues } from '../chat/views.js';
import { mentionedPersonIds, plainMentions } from '../chat/views.js';
import type { PeopleRepository } from '../ports.js';
import type { GiveInput, GiveKudos, GiveOutcome } from './give.js';
import { KudosRuleError } from './give.js';
import { parseKudos, valueSlug } from './parse.js';
import type { RecognitionRepository, RecognitionSettings } from './recognition.types.js';
import type { FormPrefill } from './recognition.views.js';
import { alreadySentView, GIVE_FORM_ID, giveForm, kudosHelpView, PRIVATE_OPTION, ruleView, sentView, VALUE_INPUT } from './recognition.views.js';
import type { KudosStats } from './stats.js';

export interface KudosChatDeps {
  recognition: Pick<RecognitionRepository, 'settings'>;
  people: Pick<PeopleRepository, 'getMany'>;
  give: GiveKudos;
  stats: KudosStats;
}

/**
 * Kudos in chat: `/kudos …` (give, `stats`, `help`), the give form and its
 * prefill from a message, and the stats button. Parses what people typed and
 * hands it to the give use case.
 */
export class KudosChat {
  constructor(private readonly d: KudosChatDeps) {}

  register(interactions: Interactions): void {
    interactions.command('kudos', 'recognise colleagues: `/kudos @ana for … #value`, or `/kudos stats`', (ctx, args) => this.command(ctx, args));
    interactions.action('kudos', (ctx, actionId, value) => this.action(ctx, actionId, value));
    interactions.form(GIVE_FORM_ID, (ctx, values) => this.submitForm(ctx, values));
  }

  async command(ctx: InteractionContext, args: string): Promise<Reply> {
    const [first = ''] = args.split(/\s+/);
    const word = first.toLowerCase();
    if (word === 'stats') return reply.private(await this.d.stats.statsFor(ctx.actor));
    const settings = await this.d.recognition.settings();
    if (word === 'help') return reply.private(kudosHelpView(settings));
    const parsed = parseKudos(args);
    const incomplete = parsed.recipients.length === 0 && parsed.bots.length === 0 && parsed.unresolved.length === 0;
    if (incomplete || parsed.reason === '') {
      const prefill: FormPrefill = { recipients: parsed.recipients, reason: await this.plainNames(parsed.reason) };
      const known = parsed.hashtags.find((t) => settings.values.some((x) => x.name === t));
      if (known) prefill.value = known;
      return reply.form(giveForm(settings, prefill, args.trim() ? 'Almost there: tell me who and what for.' : undefined));
    }
    return this.giveReply(ctx, { ...parsed, values: parsed.hashtags, private: false }, settings);
  }

  async action(ctx: InteractionContext, actionId: string, value: string | undefined): Promise<Reply> {
    if (actionId === 'kudos.stats') return reply.private(await this.d.stats.statsFor(ctx.actor));
    if (actionId === 'kudos.compose') return reply.form(await this.composeForm(value, ctx.actor.id));
    return reply.private(ruleView('That button no longer works.', 'Try `/kudos` again.'));
  }

  /**
   * The form prefilled from a message ("Give kudos for this message"): `value`
   * is JSON `{text?, recipients?}` with person ids, or nothing.
   */
  async composeForm(value: string | undefined, actorId?: string): Promise<ReturnType<typeof giveForm>> {
    const settings = await this.d.recognition.settings();
    let prefill: FormPrefill = {};
    if (value) {
      try {
        const raw = JSON.parse(value) as { text?: unknown; recipients?: unknown };
        const text = typeof raw.text === 'string' ? raw.text : '';
        const parsed = parseKudos(text);
        const recipients = Array.isArray(raw.recipients) ? raw.recipients.filter((r): r is string => typeof r === 'string' && /^[a-f0-9]{24}$/.test(r)) : [];
        const plain = await this.plainNames(text.trim());
        const quoted = plain ? `For this message: “${plain.slice(0, 900)}”` : '';
        prefill = { recipients: [...new Set([...recipients, ...parsed.recipients])].filter((id) => id !== actorId), reason: quoted };
        const known = parsed.hashtags.find((t) => settings.values.some((x) => x.name === t));
        if (known) prefill.value = known;
      } catch {
        prefill = {};
      }
    }
    return giveForm(settings, prefill);
  }

  /** Text for a plain input: mention tokens become `@Name`. */
  private async plainNames(text: string): Promise<string> {
    const names = new Map((await this.d.people.getMany(mentionedPersonIds(text))).map((p) => [p.id, p.name]));
    return plainMentions(text, (id) => names.get(id) ?? 'someone');
  }

  async submitForm(ctx: InteractionContext, values: FormValues): Promise<Reply> {
    const settings = await this.d.recognition.settings();
    const list = (x: string | string[] | undefined): string[] => (x === undefined ? [] : Array.isArray(x) ? x : x.split(/[\s,]+/)).map((s) => s.trim()).filter(Boolean);
    const recipients = list(values.recipients);
    const bad = recipients.find((r) => !/^[a-f0-9]{24}$/.test(r));
    if (bad) return reply.formErrors({ recipients: 'Pick people from the list.' });
    const reason = typeof values.reason === 'string' ? values.reason.trim() : '';
    const parsed = parseKudos(reason);
    const value = list(values[VALUE_INPUT]).map(valueSlug);
    const input: GiveInput = {
      recipients: [...new Set(recipients)],
      reason,
      values: [...new Set([...value, ...parsed.hashtags])],
      private: list(values.private).includes(PRIVATE_OPTION),
    };
    try {
      const outcome = await this.d.give.give(ctx, input, settings);
      return reply.private(this.outcomeView(outcome, settings));
    } catch (err) {
      if (err instanceof KudosRuleError && err.field) return reply.formErrors({ [err.field]: err.hint ? `${err.message} ${err.hint}` : err.message });
      throw err;
    }
  }

  private async giveReply(ctx: InteractionContext, input: GiveInput, settings: RecognitionSettings): Promise<Reply> {
    try {
      return reply.private(this.outcomeView(await this.d.give.give(ctx, input, settings), settings));
    } catch (err) {
      if (err instanceof KudosRuleError) return reply.private(ruleView(err.message, err.hint));
      throw err;
    }
  }

  private outcomeView(outcome: GiveOutcome, settings: RecognitionSettings) {
    return outcome.kind === 'sent' ? sentView(outcome.kudos, outcome.budget, settings, outcome.posted) : alreadySentView(outcome.kudos, outcome.budget);
  }
}
