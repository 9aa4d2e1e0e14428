/**
 * The platform-neutral message model. Core features build these; only the
 * adapters turn them into Block Kit, Adaptive Cards or console HTML.
 *
 * Text is plain text with two kinds of inline token, written with the helpers
 * below and resolved by each renderer:
 *   - a mention of a person: `<@person:ID>` (rendered <@U…> in Slack, <at>Name</at> in Teams)
 *   - emphasis: `*bold*` and `_italic_` (Slack mrkdwn style; Teams markdown is close enough)
 */

export const mention = (personId: string): string => `<@person:${personId}>`;
export const MENTION_PATTERN = /<@person:([a-f0-9]{24})>/g;
/** Adapters write a mention of a bot or app as `<@bot:Name>`, so features can refuse it clearly. */
export const BOT_MENTION_PATTERN = /<@bot:([^>]*)>/g;

/**
 * Every person mentioned in a text, or anywhere in a view or form (any other
 * value is searched as its JSON), once each, in order of appearance.
 */
export function mentionedPersonIds(value: unknown): string[] {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return [...new Set([...text.matchAll(MENTION_PATTERN)].map((m) => m[1] ?? ''))];
}

/** The text with mentions as plain `@Name`, for plain inputs and exports. */
export function plainMentions(text: string, nameOf: (personId: string) => string): string {
  return text.replace(MENTION_PATTERN, (_m, id: string) => `@${nameOf(id)}`).replace(BOT_MENTION_PATTERN, '@$1');
}

export type ButtonStyle = 'primary' | 'danger';

export interface Confirm {
  title: string;
  text: string;
  confirm: string;
  deny: string;
}

export interface Button {
  type: 'button';
  /** Routed to a core handler; `feature.action` by convention, e.g. `checkin.open`. */
  actionId: string;
  label: string;
  value?: string;
  style?: ButtonStyle;
  confirm?: Confirm;
  /** Opens a link instead of calling Tandem. */
  url?: string;
}

export interface Option {
  label: string;
  value: string;
  description?: string;
}

export interface SelectMenu {
  type: 'select';
  actionId: string;
  placeholder: string;
  options: Option[];
  initial?: string;
}

export type Element = Button | SelectMenu;

export interface Field {
  label: string;
  value: string;
}

export type Block =
  | { type: 'header'; text: string }
  | { type: 'section'; text: string; accessory?: Button }
  | { type: 'fields'; fields: Field[] }
  | { type: 'context'; text: string }
  | { type: 'divider' }
  | { type: 'actions'; elements: Element[] }
  /** A picture at an absolute URL (Tandem serves it); the view's text stays its fallback. */
  | { type: 'image'; url: string; alt: string };

/** A message: `text` is the notification/fallback line, `blocks` the body. */
export interface View {
  text: string;
  blocks: Block[];
}

export type InputKind = 'text' | 'textarea' | 'number' | 'select' | 'user' | 'radio' | 'checkboxes' | 'date';

export interface Input {
  type: 'input';
  id: string;
  label: string;
  kind: InputKind;
  optional?: boolean;
  placeholder?: string;
  hint?: string;
  /** Initial value: text, number as text, option value(s), person id, or ISO date. */
  initial?: string | string[];
  options?: Option[];
  min?: number;
  max?: number;
  maxLength?: number;
  /** For `user` and `select`: several may be picked; the submitted value is then an array. */
  multiple?: boolean;
}

export interface Form {
  /** Routed to a core form handler on submit. */
  id: string;
  title: string;
  submitLabel: string;
  /** Opaque to adapters; handed back on submit (e.g. the check-in period). */
  metadata?: string;
  blocks: (Block | Input)[];
}

/** What a submitted form carries: text inputs as strings, checkboxes as arrays. */
export type FormValues = Record<string, string | string[] | undefined>;

/** Small builders so views read like the message they describe. */
export const v = {
  header: (text: string): Block => ({ type: 'header', text }),
  section: (text: string, accessory?: Button): Block => (accessory ? { type: 'section', text, accessory } : { type: 'section', text }),
  fields: (fields: Field[]): Block => ({ type: 'fields', fields }),
  context: (text: string): Block => ({ type: 'context', text }),
  divider: (): Block => ({ type: 'divider' }),
  image: (url: string, alt: string): Block => ({ type: 'image', url, alt }),
  actions: (...elements: Element[]): Block => ({ type: 'actions', elements }),
  button: (actionId: string, label: string, opts: Omit<Button, 'type' | 'actionId' | 'label'> = {}): Button => ({
    type: 'button',
    actionId,
    label,
    ...opts,
  }),
  view: (text: string, ...blocks: Block[]): View => ({ text, blocks }),
};
