import { BOT_MENTION_PATTERN, MENTION_PATTERN } from '../../core/chat/views.js';
import type { MentionResolver } from './blockkit.types.js';

/** Text for Block Kit: truncation and splitting within Slack's limits, mrkdwn and plain text with mentions resolved. */

const ELLIPSIS = '…';

/** Cuts `text` to at most `max` characters, ending with "…" when cut. Never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - ELLIPSIS.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

/** Splits long text into chunks of at most `max`, at a line break or space when possible. */
export function splitText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) {
      cut = max;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    }
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest.length > 0 || chunks.length === 0) chunks.push(rest);
  return chunks;
}

const TOKEN = new RegExp(`${MENTION_PATTERN.source}|${BOT_MENTION_PATTERN.source}`, 'g');

/** Every mention (of a person or a bot) starts so: text without it has none, and skips the scan (a page renders ~20 texts). */
export const MENTION_START = '<@';
const NEEDS_ESCAPE = /[&<>]/;

const escapeMrkdwn = (s: string) => (NEEDS_ESCAPE.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : s);

/** Turns neutral text into Slack mrkdwn: escapes &<>, mentions become <@U…> or *Name*. */
export function toMrkdwn(text: string, resolve: MentionResolver): string {
  if (!text.includes(MENTION_START)) return escapeMrkdwn(text);
  let out = '';
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    out += escapeMrkdwn(text.slice(last, m.index));
    if (m[1] !== undefined) {
      const target = resolve(m[1]);
      out += target?.userId ? `<@${target.userId}>` : `*${escapeMrkdwn(target?.name ?? 'someone')}*`;
    } else {
      out += `*${escapeMrkdwn(m[2] ?? 'a bot')}*`;
    }
    last = m.index + m[0].length;
  }
  return out + escapeMrkdwn(text.slice(last));
}

/** Neutral text for plain_text fields (headers, labels): mentions become names, emphasis marks stay. */
export function toPlain(text: string, resolve: MentionResolver): string {
  if (!text.includes(MENTION_START)) return text;
  return text.replace(TOKEN, (_all, personId: string | undefined, bot: string | undefined) =>
    personId !== undefined ? (resolve(personId)?.name ?? 'someone') : (bot ?? 'a bot'),
  );
}
