import type { Block, Element, Form, Input, View } from '../../core/chat/views.js';
import { BOT_MENTION_PATTERN, MENTION_PATTERN } from '../../core/chat/views.js';

/**
 * The console's renderer: neutral views and forms to HTML. Everything that
 * comes from a view is escaped; the page's script wires the `data-*`
 * attributes of buttons, menus and forms to the console API.
 */

/** Person id -> display name, for `<@person:ID>` tokens. */
export type Names = ReadonlyMap<string, string>;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** Inline text: escape, then mentions, `code`, *bold*, _italic_, <url|label> links and line breaks (emoji are Unicode already). */
export function renderText(text: string, names: Names): string {
  const tokens: string[] = [];
  const keep = (html: string) => `\u0000${tokens.push(html) - 1}\u0000`;
  let s = text.replace(MENTION_PATTERN, (_m, id: string) => keep(`<span class="mention">@${escapeHtml(names.get(id) ?? 'someone')}</span>`));
  s = s.replace(BOT_MENTION_PATTERN, (_m, name: string) => keep(`<span class="mention bot">@${escapeHtml(name || 'bot')}</span>`));
  s = s.replace(/<(https?:\/\/[^|>\s]+)(?:\|([^>]+))?>/g, (_m, url: string, label: string | undefined) =>
    keep(`<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(label ?? url)}</a>`),
  );
  s = s.replace(/`([^`\n]+)`/g, (_m, code: string) => keep(`<code>${escapeHtml(code)}</code>`));
  s = escapeHtml(s);
  s = s.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s.,;:!?)])/g, '$1<strong>$2</strong>');
  s = s.replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s.,;:!?)])/g, '$1<em>$2</em>');
  s = s.replace(/\n/g, '<br>');
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => tokens[Number(i)] ?? '');
}

function renderButton(b: Extract<Element, { type: 'button' }>, names: Names): string {
  const cls = `btn${b.style ? ` ${b.style}` : ''}`;
  if (b.url) return `<a class="${cls}" href="${escapeHtml(b.url)}" target="_blank" rel="noopener">${renderText(b.label, names)}</a>`;
  const attrs = [`class="${cls}"`, 'type="button"', `data-action-id="${escapeHtml(b.actionId)}"`];
  if (b.value !== undefined) attrs.push(`data-value="${escapeHtml(b.value)}"`);
  if (b.confirm) attrs.push(`data-confirm="${escapeHtml(`${b.confirm.title}\n\n${b.confirm.text}`)}"`);
  return `<button ${attrs.join(' ')}>${renderText(b.label, names)}</button>`;
}

function renderElement(e: Element, names: Names): string {
  if (e.type === 'button') return renderButton(e, names);
  const options = e.options
    .map((o) => `<option value="${escapeHtml(o.value)}"${o.value === e.initial ? ' selected' : ''}>${escapeHtml(o.label)}</option>`)
    .join('');
  const placeholder = e.initial ? '' : `<option value="" disabled selected>${escapeHtml(e.placeholder)}</option>`;
  return `<select class="menu" data-action-id="${escapeHtml(e.actionId)}">${placeholder}${options}</select>`;
}

export function renderBlock(block: Block, names: Names): string {
  switch (block.type) {
    case 'header':
      return `<h3 class="b-header">${renderText(block.text, names)}</h3>`;
    case 'section':
      return `<div class="b-section"><div class="b-text">${renderText(block.text, names)}</div>${block.accessory ? `<div class="b-accessory">${renderButton(block.accessory, names)}</div>` : ''}</div>`;
    case 'fields':
      return `<dl class="b-fields">${block.fields.map((f) => `<div><dt>${renderText(f.label, names)}</dt><dd>${renderText(f.value, names)}</dd></div>`).join('')}</dl>`;
    case 'context':
      return `<div class="b-context">${renderText(block.text, names)}</div>`;
    case 'divider':
      return '<hr class="b-divider">';
    case 'image':
      return `<img class="b-image" src="${escapeHtml(block.url)}" alt="${escapeHtml(block.alt)}">`;
    case 'actions':
      return `<div class="b-actions">${block.elements.map((e) => renderElement(e, names)).join('')}</div>`;
  }
}

/** A message body: the blocks, or the fallback text when there are none. */
export function renderView(view: View, names: Names): string {
  if (view.blocks.length === 0) return `<div class="b-section"><div class="b-text">${renderText(view.text, names)}</div></div>`;
  return view.blocks.map((b) => renderBlock(b, names)).join('');
}

export interface PersonOption {
  id: string;
  name: string;
}

const initialList = (i: Input): string[] => (i.initial === undefined ? [] : Array.isArray(i.initial) ? i.initial : [i.initial]);

function renderInputControl(i: Input, people: readonly PersonOption[]): string {
  const name = escapeHtml(i.id);
  const required = i.optional ? '' : ' required';
  const placeholder = i.placeholder ? ` placeholder="${escapeHtml(i.placeholder)}"` : '';
  const first = initialList(i)[0] ?? '';
  const value = first ? ` value="${escapeHtml(first)}"` : '';
  const maxLength = i.maxLength ? ` maxlength="${i.maxLength}"` : '';
  switch (i.kind) {
    case 'text':
      return `<input type="text" id="f-${name}" name="${name}"${value}${placeholder}${maxLength}${required}>`;
    case 'textarea':
      return `<textarea id="f-${name}" name="${name}" rows="3"${placeholder}${maxLength}${required}>${escapeHtml(first)}</textarea>`;
    case 'number': {
      const min = i.min !== undefined ? ` min="${i.min}"` : '';
      const max = i.max !== undefined ? ` max="${i.max}"` : '';
      return `<input type="number" step="any" id="f-${name}" name="${name}"${value}${min}${max}${placeholder}${required}>`;
    }
    case 'date':
      return `<input type="date" id="f-${name}" name="${name}"${value}${required}>`;
    case 'select':
    case 'user': {
      const options: { label: string; value: string }[] = i.kind === 'user' ? people.map((p) => ({ label: p.name, value: p.id })) : (i.options ?? []);
      if (i.multiple) {
        const chosen = new Set(initialList(i));
        const opts = options.map((o) => `<option value="${escapeHtml(o.value)}"${chosen.has(o.value) ? ' selected' : ''}>${escapeHtml(o.label)}</option>`).join('');
        return `<select id="f-${name}" name="${name}" multiple size="${Math.min(6, Math.max(3, options.length))}"${required}>${opts}</select>`;
      }
      const prompt = `<option value=""${first ? '' : ' selected'}${i.optional ? '' : ' disabled'}>${escapeHtml(i.placeholder ?? 'Choose…')}</option>`;
      const opts = options.map((o) => `<option value="${escapeHtml(o.value)}"${o.value === first ? ' selected' : ''}>${escapeHtml(o.label)}</option>`).join('');
      return `<select id="f-${name}" name="${name}"${required}>${prompt}${opts}</select>`;
    }
    case 'radio':
    case 'checkboxes': {
      const type = i.kind === 'radio' ? 'radio' : 'checkbox';
      const chosen = new Set(initialList(i));
      return `<div class="choices" id="f-${name}" data-kind="${type}">${(i.options ?? [])
        .map(
          (o) =>
            `<label class="choice"><input type="${type}" name="${name}" value="${escapeHtml(o.value)}"${chosen.has(o.value) ? ' checked' : ''}${type === 'radio' && !i.optional ? ' required' : ''}> <span>${escapeHtml(o.label)}${o.description ? `<small>${escapeHtml(o.description)}</small>` : ''}</span></label>`,
        )
        .join('')}</div>`;
    }
  }
}

function renderInput(i: Input, names: Names, people: readonly PersonOption[]): string {
  const hint = i.hint ? `<div class="hint">${renderText(i.hint, names)}</div>` : '';
  const optional = i.optional ? ' <span class="optional">(optional)</span>' : '';
  return `<div class="field" data-input-id="${escapeHtml(i.id)}" data-kind="${i.kind}"${i.multiple ? ' data-multiple' : ''}><label for="f-${escapeHtml(i.id)}">${escapeHtml(i.label)}${optional}</label>${renderInputControl(i, people)}${hint}<div class="error" role="alert"></div></div>`;
}

/** A form as the body of the page's modal; `people` fills inputs of kind `user`. */
export function renderForm(form: Form, names: Names, people: readonly PersonOption[]): string {
  const body = form.blocks.map((b) => (b.type === 'input' ? renderInput(b, names, people) : renderBlock(b, names))).join('');
  return `<form class="tandem-form" data-form-id="${escapeHtml(form.id)}" novalidate><h2>${escapeHtml(form.title)}</h2><div class="form-body">${body}</div><div class="form-actions"><button type="button" class="btn" data-cancel>Cancel</button><button type="submit" class="btn primary">${escapeHtml(form.submitLabel)}</button></div></form>`;
}
