import type { Block, Button, Confirm, Element, Form, Input, Option, SelectMenu, View } from '../../core/chat/views.js';
import { mentionedPersonIds } from '../../core/chat/views.js';
import { SLACK_LIMITS, type MentionResolver, type PlainText, type SlackBlock, type SlackHome, type SlackMessage, type SlackModal } from './blockkit.types.js';
import { MENTION_START, toMrkdwn, toPlain, truncate, splitText } from './mrkdwn.js';

/** Action ids of link buttons: Slack still sends a block_actions for them, which Tandem ignores. */
export const LINK_ACTION_PREFIX = 'tandem-link';
/** Action ids are made unique inside a payload with `#n`; inbound ids are read without it. */
export const actionIdOf = (slackActionId: string): string => slackActionId.replace(/#\d+$/, '');

const plain = (text: string, max: number): PlainText => ({ type: 'plain_text', text: truncate(text.trim() || ' ', max), emoji: true });

/** Renders block by block; keeps action ids unique in one payload. */
class Renderer {
  private readonly used = new Set<string>();
  private readonly next = new Map<string, number>();
  constructor(
    private readonly resolve: MentionResolver,
    /** Pictures uploaded through the files API: their Slack file id by the picture's URL. */
    private readonly files: ReadonlyMap<string, string> = new Map(),
  ) {}

  blocks(blocks: readonly (Block | Input)[]): SlackBlock[] {
    return blocks.flatMap((b) => this.one(b));
  }

  /**
   * At most `max` blocks: what does not fit becomes a visible "…and N more"
   * line. Blocks past the limit are only counted, not rendered.
   */
  capped(blocks: readonly Block[], max: number): SlackBlock[] {
    const out: SlackBlock[] = [];
    let i = 0;
    for (; i < blocks.length && out.length <= max; i++) out.push(...this.one(blocks[i] as Block));
    if (out.length <= max) return out;
    let dropped = out.length - (max - 1);
    for (; i < blocks.length; i++) dropped += this.count(blocks[i] as Block);
    return [...out.slice(0, max - 1), moreLine(dropped)];
  }

  private one(b: Block | Input): SlackBlock[] {
    return b.type === 'input' ? [this.input(b)] : this.block(b);
  }

  /** How many Slack blocks `block` renders to. */
  private count(block: Block): number {
    switch (block.type) {
      case 'section':
        return Math.max(1, splitText(toMrkdwn(block.text, this.resolve), SLACK_LIMITS.sectionText).filter((c) => c.trim()).length);
      case 'fields':
        return Math.ceil(block.fields.length / SLACK_LIMITS.fields);
      case 'actions':
        return Math.ceil(block.elements.length / SLACK_LIMITS.actionsElements);
      default:
        return 1;
    }
  }

  private block(block: Block): SlackBlock[] {
    switch (block.type) {
      case 'header':
        return [{ type: 'header', text: plain(toPlain(block.text, this.resolve), SLACK_LIMITS.headerText) }];
      case 'section': {
        const chunks = splitText(toMrkdwn(block.text, this.resolve), SLACK_LIMITS.sectionText).filter((c) => c.trim());
        if (chunks.length === 0) chunks.push(' ');
        return chunks.map((chunk, i) => {
          const section: SlackBlock = { type: 'section', text: { type: 'mrkdwn', text: chunk } };
          if (block.accessory && i === chunks.length - 1) section.accessory = this.button(block.accessory);
          return section;
        });
      }
      case 'fields': {
        const out: SlackBlock[] = [];
        for (let i = 0; i < block.fields.length; i += SLACK_LIMITS.fields) {
          out.push({
            type: 'section',
            fields: block.fields.slice(i, i + SLACK_LIMITS.fields).map((f) => ({
              type: 'mrkdwn',
              text: truncate(`*${toMrkdwn(f.label, this.resolve)}*\n${toMrkdwn(f.value, this.resolve)}`, SLACK_LIMITS.fieldText),
            })),
          });
        }
        return out;
      }
      case 'context':
        return [{ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(toMrkdwn(block.text, this.resolve) || ' ', SLACK_LIMITS.contextText) }] }];
      case 'divider':
        return [{ type: 'divider' }];
      case 'image': {
        const file = this.files.get(block.url);
        return [{ type: 'image', ...(file ? { slack_file: { id: file } } : { image_url: block.url }), alt_text: truncate(block.alt, SLACK_LIMITS.imageAltText) }];
      }
      case 'actions': {
        const out: SlackBlock[] = [];
        for (let i = 0; i < block.elements.length; i += SLACK_LIMITS.actionsElements) {
          out.push({ type: 'actions', elements: block.elements.slice(i, i + SLACK_LIMITS.actionsElements).map((e) => this.element(e)) });
        }
        return out;
      }
    }
  }

  private element(e: Element): SlackBlock {
    return e.type === 'button' ? this.button(e) : this.select(e);
  }

  private actionId(id: string): string {
    for (let n = this.next.get(id) ?? 0; ; n++) {
      const suffix = n === 0 ? '' : `#${n}`;
      const candidate = id.slice(0, SLACK_LIMITS.actionId - suffix.length) + suffix;
      if (!this.used.has(candidate)) {
        this.used.add(candidate);
        this.next.set(id, n + 1);
        return candidate;
      }
    }
  }

  private button(b: Button): SlackBlock {
    const out: SlackBlock = { type: 'button', text: plain(toPlain(b.label, this.resolve), SLACK_LIMITS.buttonText) };
    if (b.url) {
      out.url = b.url.slice(0, SLACK_LIMITS.url);
      out.action_id = this.actionId(LINK_ACTION_PREFIX);
    } else {
      out.action_id = this.actionId(b.actionId);
    }
    if (b.value !== undefined && b.value !== '') out.value = b.value.slice(0, SLACK_LIMITS.buttonValue);
    if (b.style) out.style = b.style;
    if (b.confirm) out.confirm = this.confirm(b.confirm);
    return out;
  }

  private confirm(c: Confirm): SlackBlock {
    return {
      type: 'confirm',
      title: plain(c.title, SLACK_LIMITS.confirmTitle),
      text: plain(toPlain(c.text, this.resolve), SLACK_LIMITS.confirmText),
      confirm: plain(c.confirm, SLACK_LIMITS.confirmButton),
      deny: plain(c.deny, SLACK_LIMITS.confirmButton),
    };
  }

  private option(o: Option): SlackBlock {
    const out: SlackBlock = { type: 'option', text: plain(o.label, SLACK_LIMITS.optionText), value: o.value.slice(0, SLACK_LIMITS.optionValue) };
    if (o.description) out.description = plain(o.description, SLACK_LIMITS.optionDescription);
    return out;
  }

  private options(options: readonly Option[] | undefined, max: number): { rendered: SlackBlock[]; values: Set<string> } {
    const kept = (options ?? []).slice(0, max);
    const rendered = kept.map((o) => this.option(o));
    return { rendered, values: new Set(rendered.map((o) => o.value as string)) };
  }

  private select(s: SelectMenu): SlackBlock {
    const { rendered, values } = this.options(s.options, SLACK_LIMITS.options);
    const out: SlackBlock = {
      type: 'static_select',
      action_id: this.actionId(s.actionId),
      placeholder: plain(shownOf(s.placeholder, s.options.length), SLACK_LIMITS.placeholder),
      options: rendered.length > 0 ? rendered : [this.option({ label: 'No choices', value: '-' })],
    };
    if (s.initial !== undefined && values.has(s.initial)) out.initial_option = rendered.find((o) => o.value === s.initial);
    return out;
  }

  private input(input: Input): SlackBlock {
    const block: SlackBlock = {
      type: 'input',
      block_id: input.id.slice(0, SLACK_LIMITS.blockId),
      label: plain(toPlain(input.label, this.resolve), SLACK_LIMITS.inputLabel),
      optional: input.optional ?? false,
      element: this.inputElement(input),
    };
    if (input.hint) block.hint = plain(toPlain(input.hint, this.resolve), SLACK_LIMITS.inputHint);
    return block;
  }

  private inputElement(input: Input): SlackBlock {
    const actionId = input.id.slice(0, SLACK_LIMITS.actionId);
    const placeholder = input.placeholder ? { placeholder: plain(input.placeholder, SLACK_LIMITS.placeholder) } : {};
    const initial = Array.isArray(input.initial) ? input.initial : input.initial !== undefined ? [input.initial] : [];
    switch (input.kind) {
      case 'text':
      case 'textarea': {
        const maxLength = Math.min(input.maxLength ?? SLACK_LIMITS.plainTextInputMaxLength, SLACK_LIMITS.plainTextInputMaxLength);
        const out: SlackBlock = { type: 'plain_text_input', action_id: actionId, multiline: input.kind === 'textarea', max_length: maxLength, ...placeholder };
        if (initial[0] !== undefined) out.initial_value = truncate(initial[0], maxLength);
        return out;
      }
      case 'number': {
        const out: SlackBlock = { type: 'number_input', action_id: actionId, is_decimal_allowed: true, ...placeholder };
        if (input.min !== undefined) out.min_value = String(input.min);
        if (input.max !== undefined) out.max_value = String(input.max);
        if (initial[0] !== undefined && initial[0] !== '' && Number.isFinite(Number(initial[0]))) out.initial_value = String(Number(initial[0]));
        return out;
      }
      case 'user': {
        if (input.multiple) {
          const out: SlackBlock = { type: 'multi_users_select', action_id: actionId, ...placeholder };
          const userIds = initial.map((id) => this.resolve(id)?.userId).filter((u): u is string => Boolean(u));
          if (userIds.length > 0) out.initial_users = userIds;
          return out;
        }
        const out: SlackBlock = { type: 'users_select', action_id: actionId, ...placeholder };
        const userId = initial[0] !== undefined ? this.resolve(initial[0])?.userId : undefined;
        if (userId) out.initial_user = userId;
        return out;
      }
      case 'date': {
        const out: SlackBlock = { type: 'datepicker', action_id: actionId, ...placeholder };
        if (initial[0] !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(initial[0])) out.initial_date = initial[0];
        return out;
      }
      case 'radio':
      case 'select': {
        const count = input.options?.length ?? 0;
        // More than 10 radio buttons is not allowed: a select menu shows them all.
        const asRadio = input.kind === 'radio' && count <= SLACK_LIMITS.radioOptions;
        const { rendered } = this.options(input.options, asRadio ? SLACK_LIMITS.radioOptions : SLACK_LIMITS.options);
        const out: SlackBlock = asRadio
          ? { type: 'radio_buttons', action_id: actionId, options: rendered }
          : { type: 'static_select', action_id: actionId, options: rendered, placeholder: plain(shownOf(input.placeholder ?? 'Choose one', count), SLACK_LIMITS.placeholder) };
        const chosen = rendered.find((o) => o.value === initial[0]);
        if (chosen) out.initial_option = chosen;
        return out;
      }
      case 'checkboxes': {
        const count = input.options?.length ?? 0;
        const asBoxes = count <= SLACK_LIMITS.checkboxOptions;
        const { rendered } = this.options(input.options, asBoxes ? SLACK_LIMITS.checkboxOptions : SLACK_LIMITS.options);
        const out: SlackBlock = asBoxes
          ? { type: 'checkboxes', action_id: actionId, options: rendered }
          : { type: 'multi_static_select', action_id: actionId, options: rendered, placeholder: plain(shownOf(input.placeholder ?? 'Choose any', count), SLACK_LIMITS.placeholder) };
        const chosen = rendered.filter((o) => initial.includes(o.value as string));
        if (chosen.length > 0) out.initial_options = chosen;
        return out;
      }
    }
  }
}

/** A select shows at most 100 options: its placeholder says so when there are more. */
const shownOf = (placeholder: string, count: number): string =>
  count > SLACK_LIMITS.options ? `${truncate(placeholder, SLACK_LIMITS.placeholder - 24)} (first ${SLACK_LIMITS.options} of ${count})` : placeholder;

const moreLine = (dropped: number): SlackBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: `…and ${dropped} more ${dropped === 1 ? 'block' : 'blocks'} not shown here.` }],
});

/** A message for chat.postMessage / chat.update / response_url. */
export function renderMessage(view: View, resolve: MentionResolver = () => undefined, files: ReadonlyMap<string, string> = new Map()): SlackMessage {
  return {
    text: truncate(toMrkdwn(view.text, resolve), SLACK_LIMITS.messageText),
    blocks: new Renderer(resolve, files).capped(view.blocks, SLACK_LIMITS.messageBlocks),
  };
}

/** The App Home tab for views.publish. */
export function renderHome(view: View, resolve: MentionResolver = () => undefined): SlackHome {
  return { type: 'home', blocks: new Renderer(resolve).capped(view.blocks, SLACK_LIMITS.surfaceBlocks) };
}

/**
 * A modal for views.open: callback_id is the form id, private_metadata the
 * form's metadata, each input's block_id and action_id its input id.
 */
export function renderModal(form: Form, resolve: MentionResolver = () => undefined): SlackModal {
  if (form.id.length > SLACK_LIMITS.callbackId) throw new Error(`form id longer than ${SLACK_LIMITS.callbackId} characters: ${form.id.slice(0, 40)}…`);
  if ((form.metadata ?? '').length > SLACK_LIMITS.privateMetadata) throw new Error(`form ${form.id}: metadata longer than ${SLACK_LIMITS.privateMetadata} characters`);
  const blocks = new Renderer(resolve).blocks(form.blocks);
  // Inputs are never dropped silently: extra display blocks go first.
  let capped = blocks;
  if (blocks.length > SLACK_LIMITS.surfaceBlocks) {
    const inputs = blocks.filter((b) => b.type === 'input').length;
    if (inputs >= SLACK_LIMITS.surfaceBlocks) throw new Error(`form ${form.id}: ${inputs} inputs do not fit in one Slack modal (at most ${SLACK_LIMITS.surfaceBlocks - 1})`);
    let room = SLACK_LIMITS.surfaceBlocks - 1 - inputs;
    let dropped = 0;
    capped = blocks.filter((b) => {
      if (b.type === 'input') return true;
      if (room > 0) {
        room -= 1;
        return true;
      }
      dropped += 1;
      return false;
    });
    capped.push(moreLine(dropped));
  }
  return {
    type: 'modal',
    callback_id: form.id,
    title: plain(toPlain(form.title, resolve), SLACK_LIMITS.modalTitle),
    submit: plain(form.submitLabel, SLACK_LIMITS.modalSubmit),
    close: plain('Cancel', SLACK_LIMITS.modalClose),
    private_metadata: form.metadata ?? '',
    blocks: capped,
  };
}

/** Every person id mentioned (or preselected in a user input) in a view or form, to resolve before rendering. */
export function mentionedPeople(blocks: readonly (Block | Input)[], ...texts: string[]): string[] {
  const ids = new Set<string>();
  const scan = (s: string | undefined) => {
    // Most texts mention no one: the pattern's scan is skipped for them.
    if (!s?.includes(MENTION_START)) return;
    for (const id of mentionedPersonIds(s)) ids.add(id);
  };
  texts.forEach(scan);
  for (const b of blocks) {
    switch (b.type) {
      case 'header':
      case 'context':
        scan(b.text);
        break;
      case 'section':
        scan(b.text);
        scan(b.accessory?.label);
        break;
      case 'fields':
        b.fields.forEach((f) => (scan(f.label), scan(f.value)));
        break;
      case 'actions':
        b.elements.forEach((e) => (e.type === 'button' ? (scan(e.label), scan(e.confirm?.text)) : undefined));
        break;
      case 'input':
        scan(b.label);
        scan(b.hint);
        if (b.kind === 'user') for (const id of Array.isArray(b.initial) ? b.initial : [b.initial]) if (id && /^[a-f0-9]{24}$/.test(id)) ids.add(id);
        break;
      case 'divider':
      case 'image':
        break;
    }
  }
  return [...ids];
}
