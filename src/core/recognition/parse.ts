import { BOT_MENTION_PATTERN, MENTION_PATTERN } from '../chat/views.js';

/**
 * The pure parser of `/kudos …` text. Adapters hand core the text with people
 * already resolved to `<@person:ID>` tokens and bots to `<@bot:Name>`; what is
 * left as a plain `@word` is a name the platform could not resolve.
 */

const PERSON = new RegExp(`^${MENTION_PATTERN.source}$`);
const BOT = new RegExp(`^${BOT_MENTION_PATTERN.source}$`);
/** A token of the text: a mention, or a run of non-space characters. */
const TOKENS = new RegExp(`${MENTION_PATTERN.source}|${BOT_MENTION_PATTERN.source}|\\S+`, 'gu');
/** Words that join the leading mentions: `@ana, @bo and @cy for …`. */
const JOINERS = new Set(['and', '&', '+', ',', 'et', 'y', 'und']);
/** Words that introduce the reason after the mentions. */
const INTRO = /^(for|because|thanks for|thank you for|:|-|–|—)\s+/iu;
const HASHTAG = /(^|[\s(,;])#([\p{L}\p{N}][\p{L}\p{N}_-]*)/gu;
const UNRESOLVED = /^@([\p{L}\p{M}\p{N}._'-]+)$/u;

export interface ParsedKudos {
  /** Person ids in the order first mentioned, without repeats. */
  recipients: string[];
  /** Names of bots or apps that were mentioned. */
  bots: string[];
  /** `@names` at the start that the platform did not turn into mentions. */
  unresolved: string[];
  /** The reason, with the leading mentions and trailing hashtags taken off; inline mentions stay as tokens. */
  reason: string;
  /** Value hashtags, lower-cased, without `#`, without repeats. */
  hashtags: string[];
}

export function parseKudos(text: string): ParsedKudos {
  const normalised = text.normalize('NFC').replace(/\u00a0/g, ' ').trim();
  const tokens = [...normalised.matchAll(TOKENS)].map((m) => ({ text: m[0], index: m.index }));
  const recipients: string[] = [];
  const bots: string[] = [];
  const unresolved: string[] = [];

  // The leading run of mentions (and joiners between them) names the recipients.
  let restStart = normalised.length;
  let i = 0;
  for (; i < tokens.length; i++) {
    const token = tokens[i]!;
    const word = token.text.replace(/,$/, '');
    const person = PERSON.exec(word);
    const bot = BOT.exec(word);
    const plain = UNRESOLVED.exec(word);
    if (person) recipients.push(person[1]!);
    else if (bot) bots.push(bot[1]!.trim() || 'a bot');
    else if (plain) unresolved.push(plain[1]!);
    else if (!(JOINERS.has(word.toLowerCase()) || word === '')) {
      restStart = token.index;
      break;
    }
  }
  if (i === tokens.length) restStart = normalised.length;

  let rest = normalised.slice(restStart).trim();
  // Mentions later in the text are recipients too; they stay in the reason as written.
  for (const m of rest.matchAll(MENTION_PATTERN)) recipients.push(m[1]!);
  for (const m of rest.matchAll(BOT_MENTION_PATTERN)) bots.push(m[1]!.trim() || 'a bot');

  const hashtags = [...rest.matchAll(HASHTAG)].map((m) => m[2]!.toLowerCase());
  // Trailing hashtags are labels, not words of the sentence: take them off the reason.
  rest = rest.replace(/(\s*#[\p{L}\p{N}][\p{L}\p{N}_-]*)+[\s.!]*$/u, '').trim();
  rest = rest.replace(INTRO, '').trim();

  return { recipients: unique(recipients), bots: unique(bots), unresolved: unique(unresolved), reason: rest, hashtags: unique(hashtags) };
}

/** How long a reason is as a person reads it: mentions count as one word, emoji as one character. */
export function reasonLength(reason: string): number {
  const flat = reason.replace(/<@(person|bot):[^>]*>/g, '@x').replace(/\s+/g, ' ').trim();
  return [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(flat)].length;
}

/** Lower-case slug of a value name as it is written after `#`. */
export const valueSlug = (name: string): string => name.normalize('NFC').trim().replace(/^#/, '').toLowerCase();

/** The configured value closest to a mistyped tag, or null when none is close enough. */
export function closestValue(tag: string, values: readonly string[]): string | null {
  // A prefix ("#own" for "#ownership") is close enough.
  const prefixed = tag.length >= 3 ? values.filter((v) => v.startsWith(tag)).sort((x, y) => x.length - y.length)[0] : undefined;
  if (prefixed) return prefixed;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const value of values) {
    const d = editDistance(tag, value);
    if (d < bestDistance || (d === bestDistance && best !== null && value < best)) {
      best = value;
      bestDistance = d;
    }
  }
  if (best === null) return null;
  // Allow about a third of the word to differ.
  return bestDistance <= Math.max(2, Math.floor(Math.max(tag.length, best.length) / 3)) ? best : null;
}

/** Damerau-Levenshtein distance (optimal string alignment) over code points. */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[x.length]![y.length]!;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
