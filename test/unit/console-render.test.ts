import { describe, expect, it } from 'vitest';
import { resolveMentions } from '../../src/adapters/console/mentions.js';
import { renderForm, renderText, renderView } from '../../src/adapters/console/render.js';
import { mention, v } from '../../src/core/chat/views.js';

const ANA = 'a'.repeat(24);
const ANDRE = 'b'.repeat(24);
const BEN = 'c'.repeat(24);
const names = new Map([
  [ANA, 'Ana Souza'],
  [BEN, 'Ben <Okafor>'],
]);
const people = [
  { id: ANA, name: 'Ana Souza', email: 'ana@example.com' },
  { id: ANDRE, name: 'Ana Souza-Lima', email: 'andre@example.com' },
  { id: BEN, name: 'Ben Okafor', email: 'ben.okafor@example.com' },
];

describe('console text rendering', () => {
  it('escapes HTML and renders mentions as names', () => {
    expect(renderText(`<b>hi</b> ${mention(BEN)} & ${mention(ANA)}`, names)).toBe(
      '&lt;b&gt;hi&lt;/b&gt; <span class="mention">@Ben &lt;Okafor&gt;</span> &amp; <span class="mention">@Ana Souza</span>',
    );
  });

  it('renders *bold*, _italic_, `code`, links, emoji and line breaks', () => {
    expect(renderText('*Done* _today_ `x<y` 🎉\nnext <https://e.com/a?b=1|the doc>', names)).toBe(
      '<strong>Done</strong> <em>today</em> <code>x&lt;y</code> 🎉<br>next <a href="https://e.com/a?b=1" target="_blank" rel="noopener">the doc</a>',
    );
  });

  it('renders buttons with their action, value and confirmation, and select menus', () => {
    const html = renderView(
      v.view('x', v.actions(v.button('checkin.skip', 'Skip', { value: '42', style: 'danger', confirm: { title: 'Sure?', text: 'Really', confirm: 'Yes', deny: 'No' } }), {
        type: 'select',
        actionId: 'kpi.pick',
        placeholder: 'Pick one',
        options: [{ label: 'A', value: 'a' }],
      })),
      names,
    );
    expect(html).toContain('<button class="btn danger" type="button" data-action-id="checkin.skip" data-value="42" data-confirm="Sure?\n\nReally">Skip</button>');
    expect(html).toContain('<select class="menu" data-action-id="kpi.pick"><option value="" disabled selected>Pick one</option><option value="a">A</option></select>');
  });

  it('falls back to the text when a view has no blocks', () => {
    expect(renderView({ text: 'plain *text*', blocks: [] }, names)).toContain('plain <strong>text</strong>');
  });

  it('renders every input kind of a form with its initial value', () => {
    const html = renderForm(
      {
        id: 'f',
        title: 'T',
        submitLabel: 'Go',
        blocks: [
          { type: 'input', id: 'a', label: 'Text', kind: 'text', initial: 'hi"' },
          { type: 'input', id: 'b', label: 'Mood', kind: 'radio', options: [{ label: '1', value: '1' }, { label: '2', value: '2' }], initial: '2' },
          { type: 'input', id: 'c', label: 'Who', kind: 'user', multiple: true, initial: [BEN] },
          { type: 'input', id: 'd', label: 'Help', kind: 'checkboxes', optional: true, options: [{ label: 'Yes', value: 'yes', description: 'tell' }] },
          { type: 'input', id: 'e', label: 'N', kind: 'number', min: 1, max: 5 },
        ],
      },
      names,
      people,
    );
    expect(html).toContain('name="a" value="hi&quot;" required');
    expect(html).toContain('<input type="radio" name="b" value="2" checked required>');
    expect(html).toContain(`<select id="f-c" name="c" multiple size="3" required>`);
    expect(html).toContain(`<option value="${BEN}" selected>Ben Okafor</option>`);
    expect(html).toContain('<input type="checkbox" name="d" value="yes">');
    expect(html).toContain('<span class="optional">(optional)</span>');
    expect(html).toContain('min="1" max="5"');
  });
});

describe('console @mentions', () => {
  it('prefers the longest full name, then email, handle and unique first name', () => {
    expect(resolveMentions('thanks @Ana Souza-Lima and @ana souza!', people)).toBe(`thanks ${mention(ANDRE)} and ${mention(ANA)}!`);
    expect(resolveMentions('@ben.okafor@example.com, @andre and @Ben', people)).toBe(`${mention(BEN)}, ${mention(ANDRE)} and ${mention(BEN)}`);
  });

  it('leaves unknown or ambiguous names and email addresses in text as typed', () => {
    const twoAnas = [
      { id: ANA, name: 'Ana Souza', email: 'asouza@example.com' },
      { id: ANDRE, name: 'Ana Lima', email: 'alima@example.com' },
    ];
    expect(resolveMentions('@Ana did it, ask @nobody or mail x@example.com', twoAnas)).toBe('@Ana did it, ask @nobody or mail x@example.com');
  });
});
