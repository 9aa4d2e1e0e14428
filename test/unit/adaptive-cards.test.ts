import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formCard, teamsMarkdownFor, viewCard } from '../../src/adapters/teams/cards.js';
import type { CardContext } from '../../src/adapters/teams/cards.js';
import type { Form, View } from '../../src/core/chat/views.js';
import { mention, v } from '../../src/core/chat/views.js';
import { helpView } from '../../src/core/help/help.views.js';
import { adaptiveCardProblems as sdkProblems } from '../support/teams.js';

const ANA = 'a'.repeat(24);
const BEN = 'b'.repeat(24);
const NOBODY = 'c'.repeat(24);
const ctx: CardContext = {
  people: new Map([
    [ANA, { name: 'Ana Silva', teamsId: '29:ana', aadObjectId: 'aad-ana' }],
    [BEN, { name: 'Ben Okafor' }],
  ]),
  viewer: { personId: ANA, name: 'Ana Silva', teamsId: '29:ana', aadObjectId: 'aad-ana' },
};

const views: Record<string, View> = {
  help: helpView([
    { name: 'tandem', summary: 'help and every subcommand' },
    { name: 'kudos', summary: 'recognise colleagues' },
  ]),
  helpDetails: helpView([{ name: 'tandem', summary: 'help' }], true),
  everyBlock: v.view(
    `Kudos for ${mention(ANA)}`,
    v.header('Weekly summary'),
    v.section(`*Great work* ${mention(ANA)} and ${mention(BEN)} 🎉\n• shipped _on time_\n\n• see <https://example.com/report|the report>`, v.button('summary.open', 'Open')),
    v.divider(),
    v.fields([
      { label: 'Answered', value: '7 of 9' },
      { label: 'Blockers', value: '2' },
    ]),
    v.context(`Sent by <@bot:Tandem> to ${mention(NOBODY)}`),
    v.actions(
      v.button('alert.ack', 'Acknowledge', { style: 'primary', value: 'alert-1' }),
      v.button('alert.close', 'Close', { style: 'danger', value: 'alert-1', confirm: { title: 'Close the alert?', text: 'Everyone on call stops being paged.', confirm: 'Close it', deny: 'Keep it open' } }),
      v.button('docs.open', 'Runbook', { url: 'https://example.com/runbook' }),
      { type: 'select', actionId: 'survey.pick', placeholder: 'Pick a survey', options: [{ label: 'Pulse', value: 'pulse', description: 'five questions' }], initial: 'pulse' },
    ),
    v.divider(),
  ),
  onlyText: v.view('Just a line of text'),
  manyButtons: v.view('Pick one', v.actions(...Array.from({ length: 12 }, (_, i) => v.button(`pick.b${i}`, `Option ${i}`, { value: String(i) })))),
  long: v.view('Long', v.section('x'.repeat(5000)), ...Array.from({ length: 60 }, (_, i) => v.context(`line ${i}`))),
};

const forms: Record<string, Form> = {
  everyInput: {
    id: 'checkin.answer',
    title: 'Your week',
    submitLabel: 'Send',
    metadata: '2026-W47',
    blocks: [
      v.section(`Hi ${mention(ANA)}, how did it go?`),
      v.divider(),
      { type: 'input', id: 'short', label: 'One word', kind: 'text', maxLength: 40, placeholder: 'e.g. busy' },
      { type: 'input', id: 'long', label: 'What happened', kind: 'textarea', optional: true, hint: 'A few lines are plenty.' },
      { type: 'input', id: 'score', label: 'Score', kind: 'number', min: 1, max: 5, initial: '4' },
      { type: 'input', id: 'hours', label: 'Hours', kind: 'number', optional: true },
      { type: 'input', id: 'team', label: 'Team', kind: 'select', options: [{ label: 'Core', value: 'core' }, { label: 'Edge', value: 'edge' }] },
      { type: 'input', id: 'teams', label: 'Teams', kind: 'select', multiple: true, options: [{ label: 'Core', value: 'core' }], initial: ['core'] },
      { type: 'input', id: 'mood', label: 'Mood', kind: 'radio', options: [{ label: 'Good', value: 'good' }, { label: 'Bad', value: 'bad' }], initial: 'good' },
      { type: 'input', id: 'tags', label: 'Tags', kind: 'checkboxes', options: [{ label: 'A', value: 'a' }, { label: 'B', value: 'b' }], initial: ['a', 'b'] },
      { type: 'input', id: 'buddy', label: 'Buddy', kind: 'user', initial: ANA },
      { type: 'input', id: 'peers', label: 'Peers', kind: 'user', multiple: true, optional: true },
      { type: 'input', id: 'due', label: 'Due', kind: 'date', initial: '2026-12-01' },
    ],
  },
  minimal: { id: 'x', title: 'Minimal', submitLabel: 'OK', blocks: [{ type: 'input', id: 'a', label: 'A', kind: 'text' }] },
};

describe('Adaptive Cards for Teams', () => {
  it('every template in adaptive-cards/ parses with the official SDK without errors or warnings', () => {
    const dir = new URL('../../adaptive-cards/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const json = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { version?: string };
      expect(json.version, file).toBe('1.5');
      expect(sdkProblems(json), file).toEqual([]);
    }
  });

  it.each(Object.entries(views))('renders the view "%s" to a card the SDK accepts', (_name, view) => {
    const card = viewCard(view, ctx);
    expect(card.version).toBe('1.5');
    expect(sdkProblems(card)).toEqual([]);
  });

  it.each(Object.entries(forms))('renders the form "%s" to a card the SDK accepts', (_name, form) => {
    expect(sdkProblems(formCard(form, ctx))).toEqual([]);
    expect(sdkProblems(formCard(form, ctx, { values: { short: 'ok' }, errors: { short: 'Too short', a: 'Needed' } }))).toEqual([]);
  });

  it('lays the blocks out in order, with buttons as Action.Execute verbs and confirmations as a ShowCard', () => {
    const card = viewCard(views.everyBlock!, ctx);
    const text = JSON.stringify(card);
    expect(text.indexOf('Weekly summary')).toBeLessThan(text.indexOf('Great work'));
    expect(text.indexOf('Great work')).toBeLessThan(text.indexOf('7 of 9'));
    expect(text).toContain('"type":"FactSet"');
    expect(text).toContain('{"type":"Action.Execute","title":"Acknowledge","verb":"alert.ack","data":{"value":"alert-1"},"style":"positive"}');
    expect(text).toContain('"type":"Action.ShowCard","title":"Close"');
    expect(text).toContain('"verb":"alert.close","data":{"value":"alert-1"},"style":"destructive"');
    expect(text).toContain('{"type":"Action.OpenUrl","title":"Runbook","url":"https://example.com/runbook"}');
    // Primary first, links and confirmations last.
    expect(text.indexOf('"title":"Acknowledge"')).toBeLessThan(text.indexOf('"title":"Runbook"'));
    expect(text.indexOf('"title":"Runbook"')).toBeLessThan(text.indexOf('"title":"Close"'));
    expect(text).toContain('"id":"select:survey.pick"');
    expect(text).toContain('"verb":"survey.pick","data":{"select":"select:survey.pick"}');
    // The divider is a separator on the next element; the trailing one is dropped.
    expect((card.body as { separator: boolean }[]).map((b) => b.separator)).toEqual([false, false, true, false, false]);
  });

  it('wraps more than five buttons onto further rows, as Teams shows at most five in a row', () => {
    const sets = JSON.stringify(viewCard(views.manyButtons!, ctx)).match(/"type":"ActionSet","actions":\[[^\]]*\]/g) ?? [];
    expect(sets.map((s) => (s.match(/Action.Execute/g) ?? []).length)).toEqual([5, 5, 2]);
  });

  it('keeps a huge view under Teams\' message size by cutting trailing blocks, visibly', () => {
    const huge = v.view('Huge', ...Array.from({ length: 200 }, (_, i) => v.section(`Paragraph ${i}: ${'lorem ipsum '.repeat(40)}`)));
    const card = viewCard(huge, ctx);
    const text = JSON.stringify(card);
    expect(text.length).toBeLessThanOrEqual(24_000);
    expect(text).toContain('Paragraph 0:');
    expect(text).toMatch(/… \d+ more parts of this message did not fit in Teams\./);
    expect(sdkProblems(card)).toEqual([]);
  });

  it('renders mentions as <at> with entities, plain names without a Teams identity, and Slack-style markup as Teams markdown', () => {
    const card = viewCard(views.everyBlock!, ctx);
    const text = JSON.stringify(card.body);
    expect(text).toContain('**Great work** <at>Ana Silva</at> and Ben Okafor 🎉');
    expect(text).toContain('[the report](https://example.com/report)');
    expect(text).toContain('Sent by Tandem to someone');
    expect((card.msteams as { entities: unknown[] }).entities).toEqual([{ type: 'mention', text: '<at>Ana Silva</at>', mentioned: { id: '29:ana', name: 'Ana Silva', role: 'user' } }]);
    expect(card.fallbackText).toBe('Kudos for Ana Silva');
    expect(teamsMarkdownFor('`/tandem help` *now* ⚠️', ctx)).toBe('/tandem help **now** ⚠️');
  });

  it('renders form inputs with their kinds, required flags, error messages and the submit data', () => {
    const card = formCard(forms.everyInput!, ctx, { errors: { score: 'Pick 1 to 5' } });
    const text = JSON.stringify(card);
    expect(text).toContain('"type":"Input.Text","id":"short"');
    expect(text).toMatch(/"id":"long".*"isMultiline":true,"isRequired":false/);
    expect(text).toContain('"type":"Input.Number","id":"score","label":"Score","placeholder":null,"value":4,"min":1,"max":5,"isRequired":true');
    expect(text).toMatch(/"id":"mood".*?"style":"expanded"/);
    expect(text).toMatch(/"id":"tags".*?"style":"expanded","isMultiSelect":true,"value":"a,b"/);
    expect(text).toMatch(/"id":"teams".*?"isMultiSelect":true,"value":"core"/);
    expect(text).toMatch(/"id":"buddy".*?"value":"aad-ana".*?"choices.data":\{"type":"Data.Query","dataset":"graph.microsoft.com\/users"\}/);
    expect(text).toContain('"type":"Input.Date","id":"due"');
    expect(text).toContain('Pick 1 to 5');
    expect(text).toContain('"verb":"form.submit"');
    expect(text).toContain('"tandemForm":"checkin.answer","tandemMetadata":"2026-W47"');
  });
});
