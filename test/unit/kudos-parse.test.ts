import { describe, expect, it } from 'vitest';
import { closestValue, editDistance, parseKudos, reasonLength } from '../../src/core/recognition/parse.js';
import { weekOf } from '../../src/core/recognition/budget.js';

const A = 'a'.repeat(24);
const B = 'b'.repeat(24);
const C = 'c'.repeat(24);
const m = (id: string) => `<@person:${id}>`;

describe('parseKudos', () => {
  it('reads several recipients, the reason and trailing value hashtags', () => {
    expect(parseKudos(`${m(A)} ${m(B)} for shipping the migration #ownership`)).toEqual({
      recipients: [A, B],
      bots: [],
      unresolved: [],
      reason: 'shipping the migration',
      hashtags: ['ownership'],
    });
  });

  it('accepts commas and "and" between recipients and drops repeats', () => {
    const p = parseKudos(`${m(A)}, ${m(B)} and ${m(C)} & ${m(A)}: the quarterly report #Ownership #customers`);
    expect(p.recipients).toEqual([A, B, C]);
    expect(p.reason).toBe('the quarterly report');
    expect(p.hashtags).toEqual(['ownership', 'customers']);
  });

  it('keeps mentions inside the reason, and counts them as recipients too', () => {
    const p = parseKudos(`${m(A)} for helping ${m(B)} debug the queue #ownership`);
    expect(p.recipients).toEqual([A, B]);
    expect(p.reason).toBe(`helping ${m(B)} debug the queue`);
  });

  it('keeps an inline hashtag in the sentence while reading it as a value', () => {
    const p = parseKudos(`${m(A)} for real #ownership of the on-call rota`);
    expect(p.reason).toBe('real #ownership of the on-call rota');
    expect(p.hashtags).toEqual(['ownership']);
  });

  it('reads bots apart from people', () => {
    const p = parseKudos(`${m(A)} <@bot:Deploy Bot> for the release #ownership`);
    expect(p.recipients).toEqual([A]);
    expect(p.bots).toEqual(['Deploy Bot']);
  });

  it('keeps unresolved @names, including Unicode ones, at the start', () => {
    const p = parseKudos('@Zoë @Łukasz @李雷 for the incident review #ownership');
    expect(p.unresolved).toEqual(['Zoë', 'Łukasz', '李雷']);
    expect(p.recipients).toEqual([]);
    expect(p.reason).toBe('the incident review');
  });

  it('keeps Unicode names, emoji and non-Latin hashtags intact', () => {
    const p = parseKudos(`${m(A)} merci à Zoë, Łukasz et 李雷 pour la démo 🎉🚀 #qualité #团队`);
    expect(p.reason).toBe('merci à Zoë, Łukasz et 李雷 pour la démo 🎉🚀');
    expect(p.hashtags).toEqual(['qualité', '团队']);
  });

  it('normalises decomposed accents and no-break spaces', () => {
    const p = parseKudos(`${m(A)}\u00a0for the cafe\u0301 run #Qualite\u0301`);
    expect(p.reason).toBe('the café run');
    expect(p.hashtags).toEqual(['qualité']);
  });

  it('gives an empty reason and no recipients for empty text', () => {
    expect(parseKudos('   ')).toEqual({ recipients: [], bots: [], unresolved: [], reason: '', hashtags: [] });
    expect(parseKudos(`${m(A)} #ownership`)).toMatchObject({ recipients: [A], reason: '', hashtags: ['ownership'] });
  });

  it('does not read an email or a URL fragment as a value or a name', () => {
    const p = parseKudos(`${m(A)} for fixing https://example.com/page#section and mailing ops@example.com`);
    expect(p.hashtags).toEqual([]);
    expect(p.unresolved).toEqual([]);
  });
});

describe('reasonLength', () => {
  it('counts what a person sees: one emoji is one character, a mention one word', () => {
    expect(reasonLength('🎉🎉')).toBe(2);
    expect(reasonLength('👩‍💻 ok')).toBe(4);
    expect(reasonLength(`thanks ${m(A)}`)).toBe('thanks @x'.length);
    expect(reasonLength('李雷')).toBe(2);
  });
});

describe('closestValue', () => {
  const values = ['ownership', 'customers', 'qualité', 'courage'];
  it('suggests the value a typo was meant to be', () => {
    expect(closestValue('ownrship', values)).toBe('ownership');
    expect(closestValue('onwership', values)).toBe('ownership');
    expect(closestValue('customer', values)).toBe('customers');
    expect(closestValue('qualite', values)).toBe('qualité');
    expect(closestValue('own', values)).toBe('ownership');
  });
  it('suggests nothing for an unrelated word', () => {
    expect(closestValue('banana', values)).toBeNull();
    expect(closestValue('x', [])).toBeNull();
  });
  it('measures transpositions as one edit', () => {
    expect(editDistance('onwership', 'ownership')).toBe(1);
    expect(editDistance('李雷', '李')).toBe(1);
  });
});

describe('weekOf', () => {
  it('is the ISO week in the giver’s zone and resets on their Monday midnight', () => {
    // Sunday 22 Nov 2026 20:00 UTC is already Monday in Shanghai.
    const at = new Date('2026-11-22T20:00:00Z');
    expect(weekOf(at, 'UTC')).toEqual({ week: '2026-W47', resetsAt: new Date('2026-11-23T00:00:00Z') });
    expect(weekOf(at, 'Asia/Shanghai')).toEqual({ week: '2026-W48', resetsAt: new Date('2026-11-29T16:00:00Z') });
    expect(weekOf(at, 'America/Los_Angeles')).toEqual({ week: '2026-W47', resetsAt: new Date('2026-11-23T08:00:00Z') });
  });
});
