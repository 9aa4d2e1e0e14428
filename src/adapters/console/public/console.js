/* global window, document, fetch, EventSource, URLSearchParams, localStorage, confirm, setTimeout, clearTimeout, setInterval, Option, CSS */
// The Tandem console page: pick a person, read and write their conversations,
// click buttons and fill forms. Messages arrive rendered as HTML by the server.

const $ = (id) => document.getElementById(id);
const state = {
  people: [],
  me: null,
  conversations: [],
  current: null,
  /** conversation id -> Map(message id -> message) */
  messages: new Map(),
  unread: new Map(),
  events: null,
  form: null,
  demo: false,
};

function toast(text) {
  const el = $('toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 4000);
}

async function api(path, body) {
  const res = await fetch(`/console/api${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(data.error?.details?.[0]?.message ?? data.error?.message ?? `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return data;
}

const initials = (name) => name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('');

function formatTime(iso, withDay = false) {
  const tz = state.me?.timeZone ?? 'UTC';
  const opts = withDay ? { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: tz } : { weekday: 'short', hour: '2-digit', minute: '2-digit', timeZone: tz };
  return new Intl.DateTimeFormat(undefined, opts).format(new Date(iso));
}

// ---------- people and session ----------

async function loadPeople() {
  const { people } = await api('/people');
  state.people = people;
  const select = $('person');
  select.innerHTML = '';
  const prompt = new Option('Choose a person…', '');
  prompt.disabled = true;
  select.add(prompt);
  for (const p of people) {
    const role = p.roles.filter((r) => r !== 'employee').join(', ');
    select.add(new Option(`${p.name}${role ? ` (${role})` : ''}`, p.id));
  }
  const wanted = new URLSearchParams(window.location.search).get('as') ?? localStorage.getItem('tandem.console.person');
  if (wanted && people.some((p) => p.id === wanted)) {
    select.value = wanted;
    await choosePerson(wanted);
  } else {
    select.value = '';
  }
}

async function choosePerson(personId) {
  const session = await api('/session', { personId });
  state.me = session.person;
  state.conversations = session.conversations;
  state.messages.clear();
  state.unread.clear();
  state.demo = session.demo;
  localStorage.setItem('tandem.console.person', personId);
  $('me').innerHTML = '';
  const strong = document.createElement('strong');
  strong.textContent = state.me.name;
  const small = document.createElement('small');
  small.textContent = `${state.me.roles.join(', ')} · ${state.me.timeZone}`;
  $('me').append(strong, small);
  connectEvents();
  renderConversations();
  $('text').disabled = false;
  $('send').disabled = false;
  await openConversation(state.conversations[0].id);
  await refreshClock();
}

function connectEvents() {
  state.events?.close();
  document.body.removeAttribute('data-live');
  const events = new EventSource(`/console/api/events?as=${encodeURIComponent(state.me.id)}`);
  events.addEventListener('message', (e) => {
    const { message } = JSON.parse(e.data);
    receive(message, true);
  });
  events.addEventListener('clock', () => void refreshClock());
  events.addEventListener('ready', () => {
    // Connected (or reconnected): catch up on what arrived while the stream was down.
    if (state.current) void refreshConversation(state.current).catch(() => undefined);
    document.body.setAttribute('data-live', 'true');
  });
  state.events = events;
}

// ---------- conversations ----------

function renderConversations() {
  for (const [listId, kind] of [['dms', 'direct'], ['channels', 'channel']]) {
    const list = $(listId);
    list.innerHTML = '';
    for (const c of state.conversations.filter((x) => x.kind === kind)) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.conversation = c.id;
      b.className = c.id === state.current ? 'active' : '';
      const label = document.createElement('span');
      label.textContent = kind === 'channel' ? `# ${c.title}` : c.title;
      b.append(label);
      const unread = state.unread.get(c.id) ?? 0;
      if (unread > 0 && c.id !== state.current) {
        const badge = document.createElement('span');
        badge.className = 'badge';
        badge.textContent = String(unread);
        b.append(badge);
      }
      b.addEventListener('click', () => void openConversation(c.id));
      li.append(b);
      list.append(li);
    }
    if (!list.children.length) list.innerHTML = '<li class="muted" style="padding:4px 10px">none</li>';
  }
}

async function openConversation(id) {
  state.current = id;
  state.unread.delete(id);
  const conv = state.conversations.find((c) => c.id === id);
  // What is known of this conversation at once, never the last one's messages under this one's title.
  renderMessages();
  $('conv-title').textContent = conv.kind === 'channel' ? `# ${conv.title}` : 'Tandem';
  $('conv-sub').textContent = conv.kind === 'channel' ? 'team channel: type /kudos or /tandem commands' : 'your direct messages with Tandem';
  $('text').placeholder = conv.kind === 'channel' ? `Message #${conv.title} (commands start with /)` : 'Message Tandem… (try "help")';
  renderConversations();
  await refreshConversation(id);
  $('text').focus();
}

async function refreshConversation(id) {
  const { messages } = await api(`/conversations/${encodeURIComponent(id)}/messages?as=${encodeURIComponent(state.me.id)}`);
  const map = new Map();
  for (const m of messages) map.set(m.id, m);
  for (const m of state.messages.get(id)?.values() ?? []) {
    const fresh = map.get(m.id);
    if (!fresh || fresh.updatedAt < m.updatedAt) map.set(m.id, m);
  }
  state.messages.set(id, map);
  if (state.current === id) renderMessages();
}

function receive(message, live) {
  let map = state.messages.get(message.conversation);
  if (!map) {
    map = new Map();
    state.messages.set(message.conversation, map);
  }
  const known = map.get(message.id);
  if (known && known.updatedAt > message.updatedAt) return;
  map.set(message.id, message);
  if (message.conversation === state.current) {
    upsertMessageElement(message, Boolean(known));
  } else if (live && !known) {
    state.unread.set(message.conversation, (state.unread.get(message.conversation) ?? 0) + 1);
    renderConversations();
  }
}

function messageElement(m) {
  const el = document.createElement('article');
  el.className = `msg${m.visibleTo ? ' private' : ''}`;
  el.dataset.messageId = m.id;
  const avatar = document.createElement('div');
  avatar.className = `avatar${m.author ? '' : ' bot'}`;
  avatar.textContent = m.author ? initials(m.author.name) : 'T';
  const main = document.createElement('div');
  const meta = document.createElement('div');
  meta.className = 'meta';
  const who = document.createElement('strong');
  who.textContent = m.author ? m.author.name : 'Tandem';
  const time = document.createElement('time');
  time.dateTime = m.createdAt;
  time.textContent = formatTime(m.createdAt);
  meta.append(who, time);
  if (m.visibleTo) {
    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = 'Only visible to you';
    meta.append(tag);
  }
  if (m.updatedAt !== m.createdAt) {
    const edited = document.createElement('time');
    edited.textContent = '(updated)';
    meta.append(edited);
  }
  const body = document.createElement('div');
  body.className = 'body';
  body.innerHTML = m.html;
  main.append(meta, body);
  el.append(avatar, main);
  return el;
}

function renderMessages() {
  const box = $('messages');
  box.innerHTML = '';
  const list = [...(state.messages.get(state.current)?.values() ?? [])].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  if (!list.length) {
    box.innerHTML = '<div class="empty">No messages yet. Say hello, or type <code>help</code>.</div>';
    return;
  }
  for (const m of list) box.append(messageElement(m));
  box.scrollTop = box.scrollHeight;
}

function upsertMessageElement(m, known) {
  const box = $('messages');
  box.querySelector('.empty')?.remove();
  const existing = box.querySelector(`[data-message-id="${m.id}"]`);
  const el = messageElement(m);
  if (existing) {
    existing.replaceWith(el);
    if (known) el.classList.add('flash');
  } else {
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    box.append(el);
    el.classList.add('flash');
    if (nearBottom || !m.author || m.author.id === state.me.id) box.scrollTop = box.scrollHeight;
  }
}

// ---------- interactions ----------

function handleResult(result) {
  for (const m of result.messages ?? []) receive(m, false);
  if (result.reply === 'form' && result.form) openForm(result.form);
  else if (result.reply === 'form_errors') showFormErrors(result.errors ?? {});
  else if (state.form) closeForm();
}

async function sendText(text) {
  const result = await api('/messages', { as: state.me.id, conversation: state.current, text });
  handleResult(result);
}

async function runAction(el, value) {
  const article = el.closest('[data-message-id]');
  if (!article) return;
  if (el.dataset.confirm && !confirm(el.dataset.confirm)) return;
  el.disabled = true;
  try {
    const result = await api('/actions', { as: state.me.id, conversation: state.current, messageId: article.dataset.messageId, actionId: el.dataset.actionId, value });
    handleResult(result);
  } catch (err) {
    toast(err.message);
  } finally {
    el.disabled = false;
  }
}

$('messages').addEventListener('click', (e) => {
  const button = e.target.closest('button[data-action-id]');
  if (button) void runAction(button, button.dataset.value);
});
$('messages').addEventListener('change', (e) => {
  const select = e.target.closest('select[data-action-id]');
  if (select && select.value) void runAction(select, select.value);
});

// ---------- forms ----------

function openForm(form) {
  state.form = form;
  const card = $('modal-card');
  card.innerHTML = form.html;
  $('modal').hidden = false;
  const el = card.querySelector('form');
  el.addEventListener('submit', (e) => {
    e.preventDefault();
    void submitForm(el);
  });
  el.querySelector('[data-cancel]').addEventListener('click', closeForm);
  el.querySelector('input, textarea, select')?.focus();
}

function closeForm() {
  state.form = null;
  $('modal').hidden = true;
  $('modal-card').innerHTML = '';
}

function formValues(el) {
  const values = {};
  for (const field of el.querySelectorAll('.field[data-input-id]')) {
    const id = field.dataset.inputId;
    const kind = field.dataset.kind;
    if (kind === 'checkboxes') {
      values[id] = [...field.querySelectorAll('input:checked')].map((i) => i.value);
    } else if (kind === 'radio') {
      const checked = field.querySelector('input:checked');
      if (checked) values[id] = checked.value;
    } else if (field.hasAttribute('data-multiple')) {
      const picked = [...field.querySelector('select').selectedOptions].map((o) => o.value).filter(Boolean);
      if (picked.length) values[id] = picked;
    } else {
      const control = field.querySelector('input, textarea, select');
      const value = control.value.trim();
      if (value !== '') values[id] = value;
    }
  }
  return values;
}

function showFormErrors(errors) {
  const el = $('modal-card').querySelector('form');
  if (!el) {
    toast(Object.values(errors).join(' '));
    return;
  }
  for (const field of el.querySelectorAll('.field')) {
    field.classList.remove('invalid');
    field.querySelector('.error').textContent = '';
  }
  el.querySelector('.form-errors')?.remove();
  const general = [];
  for (const [id, message] of Object.entries(errors)) {
    const field = el.querySelector(`.field[data-input-id="${CSS.escape(id)}"]`);
    if (field) {
      field.classList.add('invalid');
      field.querySelector('.error').textContent = message;
    } else {
      general.push(message);
    }
  }
  if (general.length) {
    const p = document.createElement('p');
    p.className = 'form-errors';
    p.textContent = general.join(' ');
    el.querySelector('.form-body').append(p);
  }
  el.querySelector('.field.invalid input, .field.invalid textarea, .field.invalid select')?.focus();
}

async function submitForm(el) {
  const form = state.form;
  const submit = el.querySelector('button[type=submit]');
  submit.disabled = true;
  try {
    const result = await api('/forms', { as: state.me.id, conversation: form.conversation, messageId: form.messageId, formId: form.id, metadata: form.metadata, values: formValues(el) });
    handleResult(result);
  } catch (err) {
    toast(err.message);
  } finally {
    submit.disabled = false;
  }
}

$('modal').addEventListener('click', (e) => {
  if (e.target === $('modal')) closeForm();
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && state.form) closeForm();
});

// ---------- composer with @mention suggestions ----------

const suggest = { items: [], active: 0, start: -1 };

function mentionQuery() {
  const ta = $('text');
  const before = ta.value.slice(0, ta.selectionStart);
  const m = /(^|\s)@([^\s@]*(?: [^\s@]*)?)$/.exec(before);
  if (!m) return null;
  return { start: before.length - m[2].length - 1, query: m[2].toLowerCase() };
}

function updateSuggestions() {
  const q = mentionQuery();
  const list = $('suggest');
  if (!q) {
    list.hidden = true;
    suggest.items = [];
    return;
  }
  suggest.start = q.start;
  suggest.items = state.people.filter((p) => p.name.toLowerCase().includes(q.query) || p.email.toLowerCase().startsWith(q.query)).slice(0, 8);
  suggest.active = 0;
  list.innerHTML = '';
  suggest.items.forEach((p, i) => {
    const li = document.createElement('li');
    li.setAttribute('role', 'option');
    li.className = i === suggest.active ? 'active' : '';
    li.textContent = p.name;
    const small = document.createElement('small');
    small.textContent = p.email;
    li.append(small);
    li.addEventListener('mousedown', (e) => {
      e.preventDefault();
      pickSuggestion(i);
    });
    list.append(li);
  });
  list.hidden = suggest.items.length === 0;
}

function pickSuggestion(i) {
  const p = suggest.items[i];
  if (!p) return;
  const ta = $('text');
  const after = ta.value.slice(ta.selectionStart);
  ta.value = `${ta.value.slice(0, suggest.start)}@${p.name} ${after.replace(/^\S*/, '').trimStart()}`;
  const caret = suggest.start + p.name.length + 2;
  ta.setSelectionRange(caret, caret);
  $('suggest').hidden = true;
  suggest.items = [];
  ta.focus();
}

$('text').addEventListener('input', () => {
  const ta = $('text');
  ta.style.height = 'auto';
  ta.style.height = `${Math.min(ta.scrollHeight, 160)}px`;
  updateSuggestions();
});
$('text').addEventListener('keydown', (e) => {
  if (suggest.items.length && !$('suggest').hidden) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      suggest.active = (suggest.active + (e.key === 'ArrowDown' ? 1 : suggest.items.length - 1)) % suggest.items.length;
      [...$('suggest').children].forEach((li, i) => (li.className = i === suggest.active ? 'active' : ''));
      return;
    }
    if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      pickSuggestion(suggest.active);
      return;
    }
    if (e.key === 'Escape') {
      $('suggest').hidden = true;
      return;
    }
  }
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    $('composer').requestSubmit();
  }
});
// Hidden a moment after the composer loses focus (a click on a suggestion lands first), unless it has it back by
// then: a blur's late timer hid the suggestions of what was typed after the focus came back, and Enter sent the text.
let blurTimer;
$('text').addEventListener('blur', () => {
  blurTimer = setTimeout(() => ($('suggest').hidden = true), 150);
});
$('text').addEventListener('focus', () => clearTimeout(blurTimer));

$('composer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const ta = $('text');
  const text = ta.value.trim();
  if (!text || !state.me) return;
  ta.value = '';
  ta.style.height = 'auto';
  try {
    await sendText(text);
  } catch (err) {
    ta.value = text;
    toast(err.message);
  }
});

$('person').addEventListener('change', (e) => {
  if (e.target.value) void choosePerson(e.target.value).catch((err) => toast(err.message));
});

// ---------- demo clock ----------

async function refreshClock() {
  let status;
  try {
    status = await api('/clock');
  } catch (err) {
    if (err.status === 404) {
      $('clock').hidden = true;
      return;
    }
    throw err;
  }
  $('clock').hidden = false;
  $('clock-now').textContent = formatTime(status.now, true);
  const list = $('clock-list');
  list.innerHTML = '';
  for (const job of status.next) {
    const li = document.createElement('li');
    li.textContent = `${job.name} · ${formatTime(job.dueAt, true)}`;
    list.append(li);
  }
  if (!status.next.length) list.innerHTML = '<li class="muted">Nothing scheduled</li>';
  $('clock-next').disabled = false;
}

$('clock-next').addEventListener('click', async () => {
  $('clock-next').disabled = true;
  try {
    const result = await api('/clock/next', {});
    const last = result.ran[result.ran.length - 1];
    toast(last ? `Ran ${result.ran.length === 1 ? last.name : `${result.ran.length} events, the last ${last.name}`}: it is now ${formatTime(result.now, true)}` : 'Nothing is scheduled yet.');
    await refreshClock();
  } catch (err) {
    toast(err.message);
    $('clock-next').disabled = false;
  }
});
setInterval(() => {
  if (!$('clock').hidden) void refreshClock().catch(() => undefined);
}, 30_000);

loadPeople().catch((err) => toast(`Could not load people: ${err.message}`));
