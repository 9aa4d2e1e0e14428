import { describe, expect, it } from 'vitest';
import type { Block, Form, Input, InputKind, Option, View } from '../../src/core/chat/views.js';
import { mention, v } from '../../src/core/chat/views.js';
import { actionIdOf, mentionedPeople, renderHome, renderMessage, renderModal } from '../../src/adapters/slack/blockkit.js';
import { splitText, toMrkdwn, truncate } from '../../src/adapters/slack/mrkdwn.js';
import { blockKitViolations } from '../support/slack.js';

/** A small deterministic PRNG, so a failure can be reproduced from its seed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PERSON = 'a'.repeat(24);
const NOBODY = 'b'.repeat(24);
const resolve = (id: string) => (id === PERSON ? { userId: 'U123', name: 'Ana' } : id === NOBODY ? { name: 'Bo <Lee>' } : undefined);

function generator(seed: number) {
  const r = prng(seed);
  const int = (max: number) => Math.floor(r() * max);
  const words = ['kudos', 'check-in', 'résumé', '🚀', 'a&b', '<tag>', '*bold*', mention(PERSON), mention(NOBODY), '\n', 'x'.repeat(40)];
  const text = (max: number) => {
    const len = int(max);
    let s = '';
    while (s.length < len) s += words[int(words.length)] + ' ';
    return s;
  };
  const options = (max: number): Option[] =>
    Array.from({ length: 1 + int(max) }, (_, i) => ({ label: text(120) || 'o', value: `v${i}-${'z'.repeat(int(200))}`, ...(r() < 0.3 ? { description: text(120) } : {}) }));
  const block = (): Block => {
    switch (int(6)) {
      case 0:
        return v.header(text(400));
      case 1:
        return v.section(text(9000), r() < 0.5 ? v.button(`act.${'s'.repeat(int(300))}`, text(200), { value: 'q'.repeat(int(2500)) }) : undefined);
      case 2:
        return v.fields(Array.from({ length: int(30) }, () => ({ label: text(100), value: text(2500) })));
      case 3:
        return v.context(text(4000));
      case 4:
        return v.divider();
      default:
        return v.actions(
          ...Array.from({ length: 1 + int(40) }, (_, i) =>
            r() < 0.7
              ? v.button(`feature.do`, text(150), {
                  value: String(i),
                  style: r() < 0.5 ? 'primary' : 'danger',
                  ...(r() < 0.3 ? { confirm: { title: text(200), text: text(500), confirm: text(50) || 'Yes', deny: text(50) || 'No' } } : {}),
                  ...(r() < 0.1 ? { url: 'https://example.com/' + 'p'.repeat(int(4000)) } : {}),
                })
              : { type: 'select' as const, actionId: 'feature.pick', placeholder: text(300), options: options(150), initial: 'v0' },
          ),
        );
    }
  };
  const kinds: InputKind[] = ['text', 'textarea', 'number', 'select', 'user', 'radio', 'checkboxes', 'date'];
  const input = (i: number): Input => {
    const kind = kinds[int(kinds.length)] as InputKind;
    return {
      type: 'input',
      id: `in${i}`,
      label: text(2500) || 'Label',
      kind,
      optional: r() < 0.5,
      ...(r() < 0.5 ? { placeholder: text(300) } : {}),
      ...(r() < 0.5 ? { hint: text(2500) } : {}),
      ...(kind === 'select' || kind === 'radio' || kind === 'checkboxes' ? { options: options(130) } : {}),
      ...(kind === 'text' || kind === 'textarea' ? { initial: text(5000), maxLength: int(5000) || undefined } : {}),
      ...(kind === 'user' ? { initial: PERSON } : {}),
      ...(kind === 'date' ? { initial: '2026-11-20' } : {}),
      ...(kind === 'number' ? { initial: '3', min: 0, max: 10 } : {}),
      ...(kind === 'checkboxes' ? { initial: ['v0', 'v1'] } : {}),
    };
  };
  const view = (): View => v.view(text(5000), ...Array.from({ length: int(120) }, block));
  const form = (): Form => ({
    id: `form.${int(1000)}`,
    title: text(80) || 'Title',
    submitLabel: text(60) || 'Send',
    metadata: 'm'.repeat(int(3000)),
    blocks: Array.from({ length: int(140) }, (_, i) => (r() < 0.5 ? input(i) : block())),
  });
  return { view, form };
}

describe('Block Kit renderer keeps within Slack limits', () => {
  it('renders 300 random large views and forms, every payload valid', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const g = generator(seed);
      const view = g.view();
      const message = renderMessage(view, resolve);
      expect(blockKitViolations(message, 'message'), `message, seed ${seed}`).toEqual([]);
      expect(blockKitViolations(renderHome(view, resolve), 'home'), `home, seed ${seed}`).toEqual([]);
      const form = g.form();
      const inputs = form.blocks.filter((b) => b.type === 'input').length;
      if (inputs < 100) expect(blockKitViolations(renderModal(form, resolve), 'modal'), `modal, seed ${seed}`).toEqual([]);
      else expect(() => renderModal(form, resolve)).toThrow(/do not fit/);
    }
  });

  it('splits a long section into several and keeps the text', () => {
    const text = Array.from({ length: 400 }, (_, i) => `line ${i} of the weekly summary`).join('\n');
    const { blocks } = renderMessage(v.view('summary', v.section(text)));
    expect(blocks.length).toBeGreaterThan(3);
    const joined = blocks.map((b) => (b.text as { text: string }).text).join('\n');
    expect(joined).toBe(text);
  });

  it('replaces blocks beyond 50 with a visible "…and N more" line', () => {
    const { blocks } = renderMessage(v.view('many', ...Array.from({ length: 80 }, (_, i) => v.section(`item ${i}`))));
    expect(blocks).toHaveLength(50);
    expect(blocks[49]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '…and 31 more blocks not shown here.' }] });
  });

  it('truncates visibly with an ellipsis and never splits an emoji', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('ab🚀', 3)).toBe('ab…');
    const button = renderMessage(v.view('x', v.actions(v.button('a.b', 'L'.repeat(100))))).blocks[0] as unknown as { elements: { text: { text: string } }[] };
    expect(button.elements[0]?.text.text).toHaveLength(75);
    expect(button.elements[0]?.text.text.endsWith('…')).toBe(true);
    expect(splitText('aaaa bbbb', 5)).toEqual(['aaaa', 'bbbb']);
  });

  it('says so in the placeholder when a select has more than 100 options', () => {
    const options = Array.from({ length: 130 }, (_, i) => ({ label: `Option ${i}`, value: String(i) }));
    const block = renderMessage(v.view('x', v.actions({ type: 'select', actionId: 'f.pick', placeholder: 'Pick a value', options }))).blocks[0] as unknown as {
      elements: { options: unknown[]; placeholder: { text: string } }[];
    };
    expect(block.elements[0]?.options).toHaveLength(100);
    expect(block.elements[0]?.placeholder.text).toBe('Pick a value (first 100 of 130)');
  });

  it('makes action ids unique in a payload and reads them back', () => {
    const { blocks } = renderMessage(v.view('x', v.actions(v.button('kudos.react', 'A', { value: '1' }), v.button('kudos.react', 'B', { value: '2' }))));
    const ids = (blocks[0] as unknown as { elements: { action_id: string }[] }).elements.map((e) => e.action_id);
    expect(ids).toEqual(['kudos.react', 'kudos.react#1']);
    expect(ids.map(actionIdOf)).toEqual(['kudos.react', 'kudos.react']);
  });

  it('renders mentions as Slack users or bold names, and escapes Slack control characters', () => {
    expect(toMrkdwn(`thanks ${mention(PERSON)} & ${mention(NOBODY)} <b> <@bot:Jira>`, resolve)).toBe('thanks <@U123> &amp; *Bo &lt;Lee&gt;* &lt;b&gt; *Jira*');
    const header = renderMessage(v.view('x', v.header(`Kudos for ${mention(PERSON)}`)), resolve).blocks[0] as unknown as { text: { text: string } };
    expect(header.text.text).toBe('Kudos for Ana');
    expect(mentionedPeople([v.section(mention(PERSON)), { type: 'input', id: 'u', label: 'who', kind: 'user', initial: NOBODY }], mention(PERSON))).toEqual([PERSON, NOBODY]);
  });

  it('renders every input kind of a form as a modal', () => {
    const modal = renderModal(
      {
        id: 'checkin.answer',
        title: 'Weekly check-in',
        submitLabel: 'Send',
        metadata: '2026-W47',
        blocks: [
          { type: 'input', id: 't', label: 'Short', kind: 'text', initial: 'hi' },
          { type: 'input', id: 'ta', label: 'Long', kind: 'textarea' },
          { type: 'input', id: 'n', label: 'Number', kind: 'number', min: 1, max: 5, initial: '3' },
          { type: 'input', id: 's', label: 'Select', kind: 'select', options: [{ label: 'A', value: 'a' }], initial: 'a' },
          { type: 'input', id: 'u', label: 'User', kind: 'user', initial: PERSON },
          { type: 'input', id: 'r', label: 'Radio', kind: 'radio', options: [{ label: 'A', value: 'a' }] },
          { type: 'input', id: 'c', label: 'Boxes', kind: 'checkboxes', options: [{ label: 'A', value: 'a' }], initial: ['a'] },
          { type: 'input', id: 'c2', label: 'Many boxes', kind: 'checkboxes', options: Array.from({ length: 12 }, (_, i) => ({ label: `o${i}`, value: `${i}` })) },
          { type: 'input', id: 'd', label: 'Date', kind: 'date', initial: '2026-11-20' },
        ],
      },
      resolve,
    );
    expect(blockKitViolations(modal, 'modal')).toEqual([]);
    const elements = modal.blocks.map((b) => (b.element as { type: string }).type);
    expect(elements).toEqual(['plain_text_input', 'plain_text_input', 'number_input', 'static_select', 'users_select', 'radio_buttons', 'checkboxes', 'multi_static_select', 'datepicker']);
    expect(modal.blocks[4]?.element).toMatchObject({ initial_user: 'U123' });
    expect(modal).toMatchObject({ callback_id: 'checkin.answer', private_metadata: '2026-W47', title: { text: 'Weekly check-in' } });
  });
});
