import { mention } from '../../core/chat/views.js';

export interface Mentionable {
  id: string;
  name: string;
  email: string;
}

const boundary = (ch: string | undefined) => ch === undefined || !/[\p{L}\p{N}_]/u.test(ch);

/**
 * Turns `@Name` typed in the console into `<@person:ID>` tokens. At each `@`
 * the longest matching full name wins (names have spaces), then an email,
 * then the part of an email before `@`, then a first name that only one
 * person has. Anything else stays as typed, so core can say who it could not find.
 */
export function resolveMentions(text: string, people: readonly Mentionable[]): string {
  const byLength = [...people].sort((a, b) => b.name.length - a.name.length);
  const firstNames = new Map<string, Mentionable[]>();
  for (const p of people) {
    const first = p.name.split(/\s+/)[0]?.toLowerCase();
    if (first) firstNames.set(first, [...(firstNames.get(first) ?? []), p]);
  }
  let out = '';
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('@', i);
    if (at === -1 || (at > 0 && /[\p{L}\p{N}_]/u.test(text[at - 1] ?? ''))) {
      out += at === -1 ? text.slice(i) : text.slice(i, at + 1);
      i = at === -1 ? text.length : at + 1;
      continue;
    }
    out += text.slice(i, at);
    const rest = text.slice(at + 1);
    const lower = rest.toLowerCase();
    const found = match(rest, lower, byLength, firstNames);
    if (found) {
      out += mention(found.person.id);
      i = at + 1 + found.length;
    } else {
      out += '@';
      i = at + 1;
    }
  }
  return out;
}

function match(rest: string, lower: string, byLength: Mentionable[], firstNames: Map<string, Mentionable[]>): { person: Mentionable; length: number } | null {
  for (const p of byLength) {
    const name = p.name.toLowerCase();
    if (lower.startsWith(name) && boundary(rest[name.length])) return { person: p, length: name.length };
  }
  for (const p of byLength) {
    const email = p.email.toLowerCase();
    if (lower.startsWith(email) && boundary(rest[email.length])) return { person: p, length: email.length };
  }
  const word = /^[\p{L}\p{N}_.-]+/u.exec(rest)?.[0].replace(/[.-]+$/, '') ?? '';
  if (!word) return null;
  const handle = word.toLowerCase();
  const byHandle = byLength.filter((p) => p.email.toLowerCase().split('@')[0] === handle);
  if (byHandle.length === 1 && byHandle[0]) return { person: byHandle[0], length: word.length };
  const byFirst = firstNames.get(handle);
  if (byFirst?.length === 1 && byFirst[0]) return { person: byFirst[0], length: word.length };
  return null;
}
