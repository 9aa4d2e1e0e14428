import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Attachment, Mention } from 'botbuilder';
import type { Block, Button, Form, FormValues, Input, Option, SelectMenu, View } from '../../core/chat/views.js';
import { BOT_MENTION_PATTERN, MENTION_PATTERN, mentionedPersonIds } from '../../core/chat/views.js';

/**
 * The Adaptive Card 1.5 renderer for Teams.
 *
 * One template, `adaptive-cards/message.json`, renders every neutral View and
 * every Form: the core's message model is a list of blocks (and, in forms,
 * inputs), so the template walks that list in order and picks the Adaptive
 * Card element for each kind (header, section, fields → FactSet, context,
 * divider → separator, actions → ActionSet of Action.Execute / Action.OpenUrl /
 * Action.ShowCard for confirmations, select menus → Input.ChoiceSet, and the
 * form inputs). A feature written once in core therefore needs no card of its
 * own, and a block kind is laid out in exactly one place. This code only turns
 * a View or Form into the template's data: Teams markdown, resolved mentions,
 * button styles and input defaults. (One template per view, as first planned,
 * would copy the same layout into every feature's card and drift from the
 * Slack and console renderers, which also render any View.)
 *
 * Buttons in a row come primary first, then plain, then danger, links and
 * confirmations (the template picks a button's style by variant, because an
 * expression in place of an enum value is not a valid card), in view order
 * within each group.
 *
 * Adaptive Cards have no confirmation dialog: a button with `confirm` opens an
 * inline ShowCard holding the question and the confirming Action.Execute. A
 * form's submit button carries the form id, its metadata and the form's own
 * definition, so that `form_errors` can re-render the filled-in form from the
 * invoke alone, in whichever Tandem process receives it.
 */

export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
/** The verb of every form's submit button; buttons use their action id as verb. */
export const FORM_SUBMIT_VERB = 'form.submit';
/** Keys of the submit button's data (Teams merges the inputs' values beside them). */
export const FORM_DATA = { form: 'tandemForm', metadata: 'tandemMetadata', definition: 'tandemDefinition' } as const;
/** Teams' limit on a message is about 28 KB; keep cards below it with room for the activity around them. */
const MAX_CARD_BYTES = 24_000;
/** The most actions an ActionSet shows (the SDK's and Teams' default host config). */
const MAX_ACTIONS = 5;
/** Prefix of the input id of a select menu in a message. */
export const SELECT_INPUT_PREFIX = 'select:';

/** A person a card may mention, or offer in a people picker. */
export interface CardPerson {
  name: string;
  /** The Teams user id (29:…) or AAD object id; absent when the person has no Teams identity. */
  teamsId?: string;
  /** The AAD object id, the value a Teams people picker submits. */
  aadObjectId?: string;
}

export interface CardContext {
  /** People mentioned in the text or preselected in user inputs, by person id. */
  people: ReadonlyMap<string, CardPerson>;
  /** Who will see the card: offered first in people pickers. */
  viewer?: CardPerson & { personId: string };
}

export interface FormState {
  values?: FormValues;
  errors?: Record<string, string>;
}

type AdaptiveCard = Record<string, unknown>;

const templatesDir = (() => {
  for (const rel of ['../../../adaptive-cards/', '../../../../adaptive-cards/']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new Error('adaptive-cards/ templates not found next to the Teams adapter');
})();

/**
 * adaptivecards-templating, loaded without its type declarations: they pull
 * the adaptivecards SDK's TypeScript sources into our compilation.
 */
interface CardTemplate {
  expand(context: { $root: unknown }): unknown;
  getLastTemplateExpansionWarnings(): string[];
}
const { Template } = createRequire(import.meta.url)('adaptivecards-templating') as { Template: new (payload: unknown) => CardTemplate };

const messageTemplate = new Template(JSON.parse(readFileSync(new URL('message.json', templatesDir), 'utf8')) as unknown);

class MentionCollector {
  readonly entities: Mention[] = [];
  constructor(private readonly ctx: CardContext) {}

  /** `<@person:ID>` → `<at>Name</at>` with its entity, or the plain name without a Teams identity. */
  person(personId: string): string {
    const person = this.ctx.people.get(personId);
    if (!person) return 'someone';
    if (!person.teamsId) return person.name;
    const text = `<at>${escapeAt(person.name)}</at>`;
    if (!this.entities.some((e) => e.text === text && e.mentioned.id === person.teamsId)) {
      this.entities.push({ type: 'mention', text, mentioned: { id: person.teamsId, name: person.name, role: 'user' } } as Mention);
    }
    return text;
  }
}

const escapeAt = (name: string) => name.replace(/[<>]/g, '');

/**
 * Core text (Slack-style `*bold*`, `_italic_`, backticks, links `<url|label>`,
 * mention tokens; emoji are Unicode already) as Teams markdown.
 */
export function teamsMarkdown(text: string, mentions: MentionCollector): string {
  return text
    .replace(MENTION_PATTERN, (_m, id: string) => mentions.person(id))
    .replace(BOT_MENTION_PATTERN, (_m, name: string) => name)
    .replace(/<(https?:\/\/[^|>\s]+)\|([^>]+)>/g, (_m, url: string, label: string) => `[${label}](${url})`)
    .replace(/<(https?:\/\/[^>\s]+)>/g, '$1')
    .replace(/(^|[\s(])\*([^*\n]+?)\*(?=$|[\s).,!?:;])/gm, '$1**$2**')
    .replace(/`([^`\n]+)`/g, '$1');
}

/** Core text as Teams markdown, for a plain-text message (mentions become names or <at> tags). */
export const teamsMarkdownFor = (text: string, ctx: CardContext): string => teamsMarkdown(text, new MentionCollector(ctx));

function buttonData(b: Button, md: (t: string) => string) {
  if (b.url) return { kind: 'url', title: b.label, url: b.url };
  const style = b.style === 'primary' ? 'positive' : b.style === 'danger' ? 'destructive' : 'default';
  const base = { title: b.label, verb: b.actionId, value: b.value ?? '', style };
  if (b.confirm) {
    return { kind: 'confirm', ...base, confirm: { title: md(b.confirm.title), text: md(b.confirm.text), confirm: b.confirm.confirm, deny: b.confirm.deny } };
  }
  return { kind: 'execute', ...base };
}

const choices = (options: Option[] | undefined) => (options ?? []).map((o) => ({ title: o.description ? `${o.label}: ${o.description}` : o.label, value: o.value }));

function selectData(s: SelectMenu) {
  const id = `${SELECT_INPUT_PREFIX}${s.actionId}`;
  return { id, selectMenuId: id, placeholder: s.placeholder, value: s.initial ?? '', choices: choices(s.options), verb: s.actionId, submitTitle: 'Choose' };
}

/** A line longer than Teams shows comfortably is cut, visibly. */
const clip = (text: string, max = 3_000) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const item = (data: Record<string, unknown>) => ({ separator: false, hint: '', error: '', ...data });

function blockItem(block: Exclude<Block, { type: 'divider' }>, md: (t: string) => string) {
  switch (block.type) {
    case 'header':
      return item({ kind: 'header', text: md(block.text) });
    case 'section':
      return item({
        kind: 'section',
        lines: md(block.text)
          .split('\n')
          .map((text) => ({ text: text.trim() === '' ? ' ' : clip(text) })),
        buttons: block.accessory ? [buttonData(block.accessory, md)] : [],
      });
    case 'fields':
      return item({ kind: 'fields', facts: block.fields.map((f) => ({ title: md(f.label), value: md(f.value) })) });
    case 'context':
      return item({ kind: 'context', text: md(block.text) });
    case 'image':
      return item({ kind: 'image', url: block.url, alt: block.alt });
    case 'actions': {
      const buttons = block.elements.filter((e): e is Button => e.type === 'button').map((b) => buttonData(b, md));
      // Teams shows at most MAX_ACTIONS actions in a row; more buttons wrap onto further rows.
      const rows: { buttons: typeof buttons }[] = [];
      for (let i = 0; i < buttons.length; i += MAX_ACTIONS) rows.push({ buttons: buttons.slice(i, i + MAX_ACTIONS) });
      return item({ kind: 'actions', rows, selects: block.elements.filter((e): e is SelectMenu => e.type === 'select').map(selectData) });
    }
  }
}

function inputItem(input: Input, ctx: CardContext, state: FormState) {
  const given = state.values && input.id in state.values ? state.values[input.id] : input.initial;
  const text = Array.isArray(given) ? given.join(',') : (given ?? '');
  const base = {
    kind: input.kind,
    // Each input kind reads its id from its own field, so the template's elements have distinct ids.
    [`${input.kind}Id`]: input.id,
    label: input.label,
    placeholder: input.placeholder ?? null,
    required: !input.optional,
    errorMessage: inputErrorMessage(input),
    hint: input.hint ?? '',
    error: state.errors?.[input.id] ?? '',
  };
  switch (input.kind) {
    case 'text':
    case 'textarea':
      return item({ ...base, value: text, maxLength: input.maxLength ?? null });
    case 'number': {
      const n = Number(text);
      return item({ ...base, value: text !== '' && Number.isFinite(n) ? n : null, min: input.min ?? null, max: input.max ?? null });
    }
    case 'date':
      return item({ ...base, value: /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : '' });
    case 'select':
      return item({ ...base, value: text, choices: choices(input.options), multiple: input.multiple === true });
    case 'radio':
    case 'checkboxes':
      return item({ ...base, value: text, choices: choices(input.options) });
    case 'user': {
      // The Teams people picker submits AAD object ids; offer the preselected person and the viewer first.
      const offered: { title: string; value: string }[] = [];
      const offer = (p: CardPerson | undefined) => {
        if (p?.aadObjectId && !offered.some((o) => o.value === p.aadObjectId)) offered.push({ title: p.name, value: p.aadObjectId });
      };
      const initial = (Array.isArray(given) ? given : given ? [given] : []).map((id) => ctx.people.get(id)).filter((p) => p !== undefined);
      initial.forEach(offer);
      offer(ctx.viewer);
      for (const o of input.options ?? []) offer(ctx.people.get(o.value));
      const value = initial.flatMap((p) => (p.aadObjectId ? [p.aadObjectId] : [])).join(',');
      return item({ ...base, value, choices: offered, multiple: input.multiple === true });
    }
  }
}

function inputErrorMessage(input: Input): string {
  switch (input.kind) {
    case 'number':
      return input.min !== undefined && input.max !== undefined ? `Enter a number from ${input.min} to ${input.max}.` : `Enter a number for “${input.label}”.`;
    case 'date':
      return `Pick a date for “${input.label}”.`;
    case 'select':
    case 'radio':
    case 'user':
      return `Choose one for “${input.label}”.`;
    case 'checkboxes':
      return `Tick at least one for “${input.label}”.`;
    default:
      return `Please fill in “${input.label}”.`;
  }
}

/** Dividers become a separator on the element that follows them. */
function withSeparators<T extends { separator: boolean }>(entries: (T | 'divider')[]): T[] {
  const out: T[] = [];
  let pending = false;
  for (const e of entries) {
    if (e === 'divider') pending = out.length > 0;
    else {
      out.push(pending ? { ...e, separator: true } : e);
      pending = false;
    }
  }
  return out;
}

function expand(data: Record<string, unknown>): AdaptiveCard {
  const card = messageTemplate.expand({ $root: data }) as AdaptiveCard;
  // The engine also "warns" for every $when that is simply false; anything else is a template bug.
  const warnings = messageTemplate.getLastTemplateExpansionWarnings().filter((w) => !w.includes('The $when condition has been set to false'));
  if (warnings.length > 0) throw new Error(`Adaptive Card template warnings: ${warnings.join('; ')}`);
  return card;
}

/** The card of a neutral View. */
export function viewCard(view: View, ctx: CardContext): AdaptiveCard {
  const mentions = new MentionCollector(ctx);
  const md = (t: string) => teamsMarkdown(t, mentions);
  const items = withSeparators(view.blocks.map((b) => (b.type === 'divider' ? 'divider' : blockItem(b, md))));
  if (items.length === 0) items.push(item({ kind: 'section', lines: [{ text: md(view.text) }], buttons: [] }));
  const data = { fallback: md(view.text).replace(/<\/?at>/g, ''), mentions: mentions.entities, items };
  let card = expand(data);
  // Teams refuses messages over about 28 KB: drop trailing blocks, visibly, until the card fits.
  let dropped = 0;
  for (let size = JSON.stringify(card).length; size > MAX_CARD_BYTES && items.length > 1; size = JSON.stringify(card).length) {
    // Drop about the share of blocks that is too much (at least one), then measure again.
    const cut = Math.min(items.length - 1, Math.max(1, Math.ceil(items.length * (1 - MAX_CARD_BYTES / size))));
    items.splice(items.length - cut, cut);
    dropped += cut;
    const notice = item({ kind: 'context', text: `… ${dropped} more part${dropped === 1 ? '' : 's'} of this message did not fit in Teams.` });
    card = expand({ ...data, items: [...items, notice] });
  }
  return card;
}

/** The card of a Form: its blocks and inputs, then a submit button carrying the form id, metadata and definition. */
export function formCard(form: Form, ctx: CardContext, state: FormState = {}): AdaptiveCard {
  const mentions = new MentionCollector(ctx);
  const md = (t: string) => teamsMarkdown(t, mentions);
  const entries = form.blocks.map((b) => (b.type === 'divider' ? 'divider' : b.type === 'input' ? inputItem(b, ctx, state) : blockItem(b, md)));
  const hasErrors = Object.keys(state.errors ?? {}).length > 0;
  const items = withSeparators([
    item({ kind: 'title', text: md(form.title) }),
    ...(hasErrors ? [item({ kind: 'section', lines: [{ text: '⚠️ Please check the fields marked below.' }], buttons: [] })] : []),
    ...entries,
    item({ kind: 'submit', title: form.submitLabel, form: form.id, metadata: form.metadata ?? '', definition: JSON.stringify(form) }),
  ]);
  return expand({ fallback: form.title, mentions: mentions.entities, items });
}

export const cardAttachment = (content: AdaptiveCard): Attachment => ({ contentType: CARD_CONTENT_TYPE, content });

/** Person ids a View or Form refers to (mentions and preselected people), to look up before rendering. */
export function referencedPeople(content: View | Form): string[] {
  const ids = new Set<string>();
  const scan = (text: string | undefined) => {
    for (const id of mentionedPersonIds(text ?? '')) ids.add(id);
  };
  if ('text' in content) scan(content.text);
  else scan(content.title);
  for (const b of content.blocks) {
    switch (b.type) {
      case 'header':
      case 'section':
      case 'context':
        scan(b.text);
        break;
      case 'fields':
        for (const f of b.fields) scan(`${f.label} ${f.value}`);
        break;
      case 'input':
        if (b.kind === 'user') {
          for (const id of [b.initial ?? [], ...(b.options ?? []).map((o) => o.value)].flat()) ids.add(id);
        }
        break;
      default:
        break;
    }
  }
  return [...ids];
}
