import { describe, expect, it } from 'vitest';
import type { Input } from '../../src/core/chat/views.js';
import type { BudgetState, Kudos, RecognitionSettings } from '../../src/core/recognition/recognition.types.js';
import { DEFAULT_SETTINGS } from '../../src/core/recognition/recognition.types.js';
import { budgetLine, channelView, giveForm, receivedView, sentView } from '../../src/core/recognition/recognition.views.js';

const A = 'a'.repeat(24);
const B = 'b'.repeat(24);
const G = 'c'.repeat(24);
const settings: RecognitionSettings = { ...DEFAULT_SETTINGS, values: [{ name: 'ownership', label: 'Ownership', description: 'We own outcomes' }] };
const budget: BudgetState = { budget: 5, used: 4, left: 1, week: '2026-W47', resetsAt: new Date('2026-11-22T23:00:00Z'), timeZone: 'Europe/Paris' };
const kudos: Kudos = {
  id: 'd'.repeat(24),
  giverId: G,
  recipientIds: [A, B],
  reason: 'shipping the migration 🚀',
  values: ['ownership'],
  private: false,
  platform: 'slack',
  week: '2026-W47',
  createdAt: new Date('2026-11-19T10:00:00Z'),
  revokedAt: null,
  revokedBy: null,
  revokeReason: null,
};
const all = (v: { text: string; blocks: { type: string }[] }) => [v.text, ...v.blocks.map((b) => ('text' in b ? String(b.text) : ''))].join('\n');

describe('kudos views', () => {
  it('says what is left and when it resets, in the giver’s zone', () => {
    expect(budgetLine(budget)).toBe('You have 1 kudos left this week (of 5); your budget resets Monday 23 Nov at 00:00 (Europe/Paris).');
  });

  it('builds the form: several people, reason with its minimum, the values, the private option', () => {
    const form = giveForm(settings, { recipients: [A], reason: 'for the release', value: 'ownership', private: true });
    const inputs = form.blocks.filter((b): b is Input => b.type === 'input');
    expect(inputs.map((i) => [i.id, i.kind])).toEqual([
      ['recipients', 'user'],
      ['reason', 'textarea'],
      ['companyValue', 'select'],
      ['private', 'checkboxes'],
    ]);
    expect(inputs[0]).toMatchObject({ multiple: true, initial: [A] });
    expect(inputs[1]?.hint).toBe('Be specific: at least 10 characters.');
    expect(inputs[2]).toMatchObject({ initial: 'ownership', optional: false, options: [{ label: 'Ownership', value: 'ownership', description: 'We own outcomes' }] });
    expect(inputs[3]?.initial).toEqual(['private']);
    // Without values there is no value input; an unknown prefill is ignored.
    expect(giveForm(DEFAULT_SETTINGS).blocks.some((b) => b.type === 'input' && b.id === 'companyValue')).toBe(false);
    expect(giveForm(settings, { value: 'nope' }).blocks.find((b): b is Input => b.type === 'input' && b.id === 'companyValue')?.initial).toBeUndefined();
  });

  it('confirms to the giver, tells each recipient, and posts to the channel with mentions', () => {
    expect(all(sentView(kudos, budget, settings, true))).toContain(`Kudos sent to <@person:${A}> and <@person:${B}> for *Ownership*. I’m letting them know and sharing it with their team.`);
    expect(all(sentView({ ...kudos, private: true }, budget, settings, false))).toContain('It is private: only they will see it.');
    const dm = all(receivedView(kudos, settings));
    expect(dm).toContain(`<@person:${G}> gave you kudos (with 1 other):\n> shipping the migration 🚀`);
    expect(dm).toContain('Showing our values: *Ownership*');
    expect(all(channelView(kudos, settings))).toContain(`<@person:${G}> recognised <@person:${A}> and <@person:${B}>`);
  });
});
