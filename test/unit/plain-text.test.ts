import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { plainText } from '../../src/core/text.js';

describe('plainText: the one check of names and free text', () => {
  const name = plainText(z.string().trim().min(1).max(200));
  const text = plainText(z.string().trim().max(300), { multiline: true });
  const message = (schema: z.ZodType, value: string) => {
    const r = schema.safeParse(value);
    return r.success ? null : (r.error.issues[0]?.message ?? '');
  };

  it('accepts ordinary names and text in any script, emoji and right-to-left letters included', () => {
    for (const ok of ['Ana Lima', 'Zoë Ö’Brien', '山田 太郎', 'فاطمة الزهراء', 'Team 🚀', 'שלום\u200F']) expect(message(name, ok), ok).toBeNull();
    expect(message(text, 'line one\nline two\twith a tab')).toBeNull();
  });

  it('refuses control characters, naming the one found; newline and tab only where text allows them', () => {
    expect(message(name, '\u0000\u0001')).toBe('must not contain control characters (found U+0000 at position 1)');
    expect(message(name, 'Ana\u0007')).toMatch(/U\+0007 at position 4/);
    expect(message(name, 'Ana\nLima')).toMatch(/U\+000A/);
    expect(message(name, 'Ana\tLima')).toMatch(/U\+0009/);
    expect(message(name, 'Ana\u007FLima')).toMatch(/U\+007F/);
    expect(message(name, 'Ana\u0085Lima')).toMatch(/U\+0085/);
    expect(message(text, 'a\rb')).toMatch(/U\+000D.*newline and tab are allowed/);
    expect(message(text, 'a\u001Bb')).toMatch(/U\+001B/);
  });

  it('refuses bidirectional overrides and isolates', () => {
    for (const c of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']) {
      expect(message(name, `invoice${c}fdp.exe`)).toMatch(/bidirectional override or isolate.*position 8/);
      expect(message(text, `x${c}`)).toMatch(/bidirectional/);
    }
  });
});
