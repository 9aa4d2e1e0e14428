import { createHash, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { InteractionContext, Interactions } from '../chat/interactions.js';
import type { Messenger } from '../chat/messenger.js';
import type { Reply } from '../chat/chat.port.js';
import { reply } from '../chat/chat.port.js';
import type { FormValues } from '../chat/views.js';
import { mention } from '../chat/views.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Person, Team } from '../people/people.types.js';
import type { PageQuery, PeopleRepository, Scheduler, TeamRepository } from '../ports.js';
import { closestValue, parseKudos, reasonLength, valueSlug } from './parse.js';
import type { BudgetState, Kudos, KudosFilter, PersonalStats, RecognitionRepository, RecognitionSettings, SettingsPatch, TeamStats } from './recognition.types.js';
import { settingsPatchSchema } from './recognition.types.js';
import type { FormPrefill } from './recognition.views.js';
import {
  alreadySentView,
  channelView,
  GIVE_FORM_ID,
  giveForm,
  kudosHelpView,
  PRIVATE_OPTION,
  receivedView,
  resetText,
  revokedView,
  ruleView,
  sentView,
  statsView,
  usage,
  VALUE_INPUT,
  valuesList,
} from './recognition.views.js';

export const DELIVER_JOB = 'kudos.deliver';
/** How long an identical kudos (same giver, recipients and reason) counts as a double click. */
export const DUPLICATE_WINDOW_MS = 5 * 60_000;
/** How long a platform delivery id is remembered against retries. */
const DELIVERY_WINDOW_MS = 24 * 3600_000;
/** Pairs who recognised only each other at least this often are pointed out to their manager. */
const RECIPROCITY_MIN = 3;

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

export interface RecognitionDeps {
  repo: RecognitionRepository;
  people: PeopleRepository;
  teams: TeamRepository;
  messenger: Messenger;
  scheduler: Scheduler;
  clock: Clock;
  logger: Logger;
}

/** The ISO week of an instant in a time zone, e.g. `2026-W47`, and when the next one starts. */
export function weekOf(at: Date, timeZone: string): { week: string; resetsAt: Date } {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  const week = `${local.weekYear}-W${String(local.weekNumber).padStart(2, '0')}`;
  return { week, resetsAt: local.startOf('week').plus({ weeks: 1 }).toUTC().toJSDate() };
}

/**
 * Peer recognition: kudos tied to company values, within a weekly budget,
 * counted once per click or retry, delivered by DM and to the team channel.
 */
export class RecognitionService {
  constructor(private readonly d: RecognitionDeps) {}

  register(interactions: Interactions): void {
    interactions.command('kudos', 'recognise colleagues: `/kudos @ana for … #value`, or `/kudos stats`', (ctx, args) => this.command(ctx, args));
    interactions.action('kudos', (ctx, actionId, value) => this.action(ctx, actionId, value));
    interactions.form(GIVE_FORM_ID, (ctx, values) => this.submitForm(ctx, values));
  }

  settings(): Promise<RecognitionSettings> {
    return this.d.repo.settings();
  }

  async updateSettings(patch: unknown): Promise<RecognitionSettings> {
    const parsed = settingsPatchSchema.safeParse(patch);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new DomainError('validation', `The settings are not valid: ${first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'unknown problem'}`);
    }
    return this.d.repo.updateSettings(parsed.data satisfies SettingsPatch);
  }

  // ---- chat entry points ----

  async command(ctx: InteractionContext, args: string): Promise<Reply> {
    const [first = ''] = args.split(/\s+/);
    const word = first.toLowerCase();
    if (word === 'stats') return reply.private(await this.statsFor(ctx.actor));
    const settings = await this.d.repo.settings();
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
    if (actionId === 'kudos.stats') return reply.private(await this.statsFor(ctx.actor));
    if (actionId === 'kudos.compose') return reply.form(await this.composeForm(value, ctx.actor.id));
    return reply.private(ruleView('That button no longer works.', 'Try `/kudos` again.'));
  }

  /**
   * The form prefilled from a message ("Give kudos for this message"): `value`
   * is JSON `{text?, recipients?}` with person ids, or nothing.
   */
  async composeForm(value: string | undefined, actorId?: string): Promise<ReturnType<typeof giveForm>> {
    const settings = await this.d.repo.settings();
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
    const ids = [...text.matchAll(/<@person:([a-f0-9]{24})>/g)].map((m) => m[1] ?? '');
    const names = new Map((await this.d.people.getMany(ids)).map((p) => [p.id, p.name]));
    return text.replace(/<@person:([a-f0-9]{24})>/g, (_m, id: string) => `@${names.get(id) ?? 'someone'}`).replace(/<@bot:([^>]*)>/g, '@$1');
  }

  async submitForm(ctx: InteractionContext, values: FormValues): Promise<Reply> {
    const settings = await this.d.repo.settings();
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
      const outcome = await this.give(ctx, input, settings);
      return reply.private(this.outcomeView(outcome, settings));
    } catch (err) {
      if (err instanceof KudosRuleError && err.field) return reply.formErrors({ [err.field]: err.hint ? `${err.message} ${err.hint}` : err.message });
      throw err;
    }
  }

  private async giveReply(ctx: InteractionContext, input: GiveInput, settings: RecognitionSettings): Promise<Reply> {
    try {
      return reply.private(this.outcomeView(await this.give(ctx, input, settings), settings));
    } catch (err) {
      if (err instanceof KudosRuleError) return reply.private(ruleView(err.message, err.hint));
      throw err;
    }
  }

  private outcomeView(outcome: GiveOutcome, settings: RecognitionSettings) {
    return outcome.kind === 'sent' ? sentView(outcome.kudos, outcome.budget, settings, outcome.posted) : alreadySentView(outcome.kudos, outcome.budget);
  }

  // ---- the use case ----

  /** Gives a kudos: checks every rule, counts it once, spends the budget atomically, then queues delivery. */
  async give(ctx: InteractionContext, input: GiveInput, settings?: RecognitionSettings): Promise<GiveOutcome> {
    const s = settings ?? (await this.d.repo.settings());
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
    if (ctx.deliveryId) keys.push({ key: `delivery:${ctx.platform}:${ctx.deliveryId}`, until: new Date(now.getTime() + DELIVERY_WINDOW_MS) });
    const content = createHash('sha256')
      .update(JSON.stringify([giver.id, [...ids].sort(), reason.replace(/\s+/g, ' ').toLowerCase(), [...values].sort()]))
      .digest('hex');
    keys.push({ key: `content:${content}`, until: new Date(now.getTime() + DUPLICATE_WINDOW_MS) });
    const won: string[] = [];
    for (const { key, until } of keys) {
      const claim = await this.d.repo.claim(key, until, now);
      if (!claim.won) {
        for (const k of won) await this.d.repo.releaseClaim(k);
        const earlier = claim.kudosId ? await this.d.repo.get(claim.kudosId) : null;
        return { kind: 'duplicate', kudos: earlier, budget: await this.budget(giver, s) };
      }
      won.push(key);
    }

    const release = async () => {
      for (const k of won) await this.d.repo.releaseClaim(k);
    };
    const holder = `give:${randomUUID()}`;
    const spent = await this.d.repo.spendBudget(giver.id, week, ids.length, s.weeklyBudget, holder).catch(async (err: unknown) => {
      await release();
      throw err;
    });
    if (!spent.ok) {
      await release();
      const budget = this.budgetState(giver, s, spent.used);
      const asked = ids.length === 1 ? '1 person' : `${ids.length} people`;
      const message =
        budget.left === 0
          ? `You’ve used all ${s.weeklyBudget} kudos of your weekly budget.`
          : `This kudos names ${asked}, but you have only ${budget.left} kudos left this week (of ${s.weeklyBudget}).`;
      throw new KudosRuleError('recipients', message, `Your budget resets ${resetText(budget)}. Fewer, more specific kudos mean more.`, 'limit_reached');
    }

    let kudos: Kudos;
    try {
      kudos = await this.d.repo.insert({ giverId: giver.id, recipientIds: ids, reason, values, private: input.private, platform: ctx.platform, week, createdAt: now });
    } catch (err) {
      await this.d.repo.releaseBudget(holder);
      await release();
      throw err;
    }
    await this.d.repo.bindBudget(holder, kudos.id);
    for (const k of won) await this.d.repo.bindClaim(k, kudos.id);
    await this.d.scheduler.enqueue(DELIVER_JOB, { kudosId: kudos.id }, { jobId: `${DELIVER_JOB}:${kudos.id}` });
    const posted = !kudos.private && s.channelPosts;
    return { kind: 'sent', kudos, budget: this.budgetState(giver, s, spent.used), posted };
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

  // ---- delivery ----

  /** Sends the DMs and the channel posts of a kudos. Each send happens once per key, so a retried job is safe. */
  async deliver(kudosId: string): Promise<void> {
    const kudos = await this.d.repo.get(kudosId);
    if (!kudos || kudos.revokedAt) return;
    const s = await this.d.repo.settings();
    const failures: unknown[] = [];
    const dm = receivedView(kudos, s);
    for (const recipientId of kudos.recipientIds) {
      try {
        const sent = await this.d.messenger.dm(recipientId, dm, `kudos:${kudos.id}:${recipientId}`);
        if (!sent) this.d.logger.debug({ kudosId, recipientId }, 'kudos DM already sent or recipient unreachable');
      } catch (err) {
        failures.push(err);
      }
    }
    if (!kudos.private && s.channelPosts) {
      const post = channelView(kudos, s);
      for (const team of await this.teamsOf(kudos.recipientIds)) {
        const channels = team.id in s.teamChannels ? s.teamChannels[team.id] : team.channels;
        if (!channels) continue;
        try {
          await this.d.messenger.post({ ...team, channels }, post, `kudos:${kudos.id}:team:${team.id}`);
        } catch (err) {
          failures.push(err);
        }
      }
    }
    if (failures.length) {
      this.d.logger.warn({ kudosId, failures: failures.length, err: failures[0] }, 'some kudos deliveries failed; the job will retry them');
      throw failures[0];
    }
  }

  private async teamsOf(personIds: string[]): Promise<Team[]> {
    const teams = new Map<string, Team>();
    for (const id of personIds) for (const t of await this.d.teams.teamsOf(id)) teams.set(t.id, t);
    return [...teams.values()];
  }

  // ---- admin ----

  /** Withdraws a kudos: it stops counting everywhere, the giver's budget gets it back, posted copies say so. */
  async revoke(id: string, by: string, reason: string): Promise<{ before: Kudos; after: Kudos }> {
    const before = await this.d.repo.get(id);
    if (!before) throw new DomainError('not_found', `No kudos with id ${id}`, { id });
    if (before.revokedAt) throw new DomainError('conflict', `The kudos ${id} was already revoked`, { id });
    const after = await this.d.repo.revoke(id, by, reason, this.d.clock.now());
    if (!after) throw new DomainError('conflict', `The kudos ${id} was already revoked`, { id });
    await this.d.repo.releaseBudget(before.id);
    await this.d.scheduler.cancel(`${DELIVER_JOB}:${id}`);
    const keys = [...before.recipientIds.map((r) => `kudos:${id}:${r}`), ...(await this.teamsOf(before.recipientIds)).map((t) => `kudos:${id}:team:${t.id}`)];
    for (const key of keys) {
      try {
        await this.d.messenger.update(key, revokedView());
      } catch (err) {
        this.d.logger.warn({ err, key }, 'could not update a revoked kudos message');
      }
    }
    return { before, after };
  }

  /** Retention of idempotency keys: a claim is useless once its window has passed. */
  purgeExpiredClaims(): Promise<number> {
    return this.d.repo.purgeClaims(this.d.clock.now());
  }

  get(id: string): Promise<Kudos | null> {
    return this.d.repo.get(id);
  }

  /** Kudos for the admin API; `teamId` narrows to kudos given or received by the team's members. */
  async list(filter: Omit<KudosFilter, 'involving'> & { teamId?: string | undefined } & PageQuery) {
    return this.d.repo.list({ ...filter, involving: await this.members(filter.teamId) });
  }

  async *scan(filter: Omit<KudosFilter, 'involving'> & { teamId?: string | undefined }): AsyncIterable<Kudos> {
    yield* this.d.repo.scan({ ...filter, involving: await this.members(filter.teamId) });
  }

  private async members(teamId: string | undefined): Promise<string[] | undefined> {
    if (!teamId) return undefined;
    const team = await this.d.teams.get(teamId);
    if (!team) throw new DomainError('not_found', `No team with id ${teamId}`, { teamId });
    return team.memberIds;
  }

  // ---- insight ----

  async budget(person: Person, settings?: RecognitionSettings): Promise<BudgetState> {
    const s = settings ?? (await this.d.repo.settings());
    const { week } = weekOf(this.d.clock.now(), person.timeZone);
    return this.budgetState(person, s, await this.d.repo.budgetUsed(person.id, week));
  }

  private budgetState(person: Person, s: RecognitionSettings, used: number): BudgetState {
    const { week, resetsAt } = weekOf(this.d.clock.now(), person.timeZone);
    return { budget: s.weeklyBudget, used, left: Math.max(0, s.weeklyBudget - used), week, resetsAt, timeZone: person.timeZone };
  }

  async personalStats(person: Person, settings?: RecognitionSettings): Promise<PersonalStats> {
    const s = settings ?? (await this.d.repo.settings());
    const since = new Date(this.d.clock.now().getTime() - s.statsWeeks * 7 * 86_400_000);
    const tally = async (filter: KudosFilter) => {
      const byValue: Record<string, number> = {};
      let total = 0;
      for await (const k of this.d.repo.scan({ ...filter, from: since })) {
        total += 1;
        for (const val of k.values) byValue[val] = (byValue[val] ?? 0) + 1;
      }
      return { total, byValue };
    };
    return { since, received: await tally({ recipientId: person.id }), given: await tally({ giverId: person.id }), budget: await this.budget(person, s) };
  }

  /** Team insight for a manager: counts by value, who has gone unrecognised, pairs who only recognise each other. */
  async teamStats(team: Team, settings?: RecognitionSettings): Promise<TeamStats> {
    const s = settings ?? (await this.d.repo.settings());
    const now = this.d.clock.now().getTime();
    const since = new Date(now - s.statsWeeks * 7 * 86_400_000);
    const quietSince = new Date(now - s.quietWeeks * 7 * 86_400_000);
    const from = since < quietSince ? since : quietSince;
    const members = new Set(team.memberIds);
    const byValue: Record<string, number> = {};
    let total = 0;
    const lastReceived = new Map<string, Date>();
    const given = new Map<string, Map<string, number>>();
    for await (const k of this.d.repo.scan({ involving: [...members], from })) {
      const toMembers = k.recipientIds.filter((r) => members.has(r));
      for (const r of toMembers) {
        const last = lastReceived.get(r);
        if (!last || last < k.createdAt) lastReceived.set(r, k.createdAt);
      }
      if (k.createdAt < since) continue;
      if (toMembers.length) {
        total += 1;
        for (const val of k.values) byValue[val] = (byValue[val] ?? 0) + 1;
      }
      const out = given.get(k.giverId) ?? new Map<string, number>();
      for (const r of k.recipientIds) out.set(r, (out.get(r) ?? 0) + 1);
      given.set(k.giverId, out);
    }
    const active = (await this.d.people.getMany(team.memberIds)).filter((p) => p.active);
    const quiet = active
      .filter((p) => p.id !== team.managerId)
      .filter((p) => {
        const last = lastReceived.get(p.id);
        return !last || last < quietSince;
      })
      .map((p) => ({ personId: p.id, lastRecognisedAt: lastReceived.get(p.id) ?? null }));
    const reciprocal: TeamStats['reciprocal'] = [];
    for (const [a, outA] of given) {
      if (!members.has(a) || outA.size !== 1) continue;
      const [b, countAB] = [...outA][0]!;
      if (b <= a || !members.has(b)) continue;
      const outB = given.get(b);
      if (!outB || outB.size !== 1 || !outB.has(a)) continue;
      const count = countAB + outB.get(a)!;
      if (count >= RECIPROCITY_MIN) reciprocal.push({ a, b, count });
    }
    return { teamId: team.id, teamName: team.name, since, total, byValue, quiet, quietWeeks: s.quietWeeks, reciprocal };
  }

  async statsFor(person: Person) {
    const s = await this.d.repo.settings();
    const personal = await this.personalStats(person, s);
    const managed = await this.d.teams.managedBy(person.id);
    const teams: TeamStats[] = [];
    for (const team of managed) teams.push(await this.teamStats(team, s));
    return statsView(personal, s, teams);
  }
}
