import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mentionedPersonIds, mention, plainMentions } from '../../src/core/chat/views.js';

const coreDir = new URL('../../src/core/', import.meta.url).pathname;
const srcDir = new URL('../../src/', import.meta.url).pathname;
const tsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

describe('views speak Unicode', () => {
  it('core writes no Slack-style :emoji: codes', () => {
    const codes = tsFiles(coreDir).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/(?<![\w$}])(:[a-z][a-z0-9_+-]*:)(?=[\s`'"]|$)/gm)].map((m) => `${f.slice(coreDir.length)}: ${m[1]}`));
    expect(codes).toEqual([]);
  });

  it('has one mention pattern: no hand-typed copies outside core/chat/views.ts', () => {
    const copies = tsFiles(srcDir)
      .filter((f) => !f.endsWith('core/chat/views.ts'))
      .filter((f) => /\/<@person:\(|\/<@bot:\(/.test(readFileSync(f, 'utf8')))
      .map((f) => f.slice(srcDir.length));
    expect(copies).toEqual([]);
  });

  it('finds mentioned people once each, in a text or a whole view, and writes them as plain names', () => {
    const a = 'a'.repeat(24);
    const b = 'b'.repeat(24);
    const text = `${mention(a)} and ${mention(b)} thank ${mention(a)} and <@bot:Jira>`;
    expect(mentionedPersonIds(text)).toEqual([a, b]);
    expect(mentionedPersonIds({ blocks: [{ text }] })).toEqual([a, b]);
    expect(plainMentions(text, (id) => (id === a ? 'Ana' : 'someone'))).toBe('@Ana and @someone thank @Ana and @Jira');
  });
});
