import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { MessageDto as Msg } from '../../src/adapters/console/hub.js';
import { reply } from '../../src/core/chat/chat.port.js';
import { mention, v } from '../../src/core/chat/views.js';
import { OffsetClock } from '../../src/core/clock.js';
import { defineJob } from '../../src/core/job-declarations.js';
import type { Person, Team } from '../../src/core/people/people.types.js';
import { startTestTandem } from '../support/stack.js';

type Tandem = Awaited<ReturnType<typeof startTestTandem>>;

interface Result {
  reply: string;
  messages: Msg[];
  form?: { id: string; html: string; metadata: string | null; messageId: string | null; conversation: string };
  errors?: Record<string, string>;
}

async function post<T>(tandem: Tandem, path: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${tandem.url}/console/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

/** Reads Server-Sent Events from the console stream until `until` accepts one. */
async function openStream(tandem: Tandem, personId: string) {
  const controller = new AbortController();
  const res = await fetch(`${tandem.url}/console/api/events?as=${personId}`, { signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (until: (event: string, data: unknown) => boolean, timeoutMs = 5_000): Promise<unknown> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let sep: number;
      while ((sep = buffer.indexOf('\n\n')) !== -1) {
        const chunk = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        const event = /^event: (.*)$/m.exec(chunk)?.[1];
        const data = /^data: (.*)$/m.exec(chunk)?.[1];
        if (event && data) {
          const parsed: unknown = JSON.parse(data);
          if (until(event, parsed)) return parsed;
        }
      }
      if (Date.now() > deadline) throw new Error('no matching event in time');
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
  await next((event) => event === 'ready');
  return { next, close: () => controller.abort() };
}

describe('console routes', () => {
  let tandem: Tandem;
  let ana: Person;
  let ben: Person;
  let team: Team;

  beforeAll(async () => {
    tandem = await startTestTandem({ CONSOLE_ENABLED: 'true' });
    ana = await tandem.store.people.create({ name: 'Ana Souza', email: 'ana@example.com', timeZone: 'Europe/Berlin' });
    ben = await tandem.store.people.create({ name: 'Ben Okafor', email: 'ben@example.com', timeZone: 'America/New_York', roles: ['manager'] });
    team = await tandem.store.teams.create({ name: 'Platform', managerId: ben.id, memberIds: [ana.id], channels: { console: { channelId: 'platform' } } });
    // A tiny feature registered on the real core, to exercise forms end to end.
    tandem.core.interactions.command('feedback', 'test form', async () =>
      reply.form({ id: 'test.feedback', title: 'Feedback', submitLabel: 'Send', metadata: 'm-1', blocks: [{ type: 'input', id: 'note', label: 'Note', kind: 'text' }] }),
    );
    tandem.core.interactions.form('test.feedback', async (_ctx, values, metadata) => {
      if (!values.note) return reply.formErrors({ note: 'Write a note first.' });
      return reply.private(v.view('Thanks', v.section(`Thanks for "${String(values.note)}" (${metadata ?? ''})`)));
    });
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('serves the page and its assets', async () => {
    const page = await fetch(`${tandem.url}/console`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/console/assets/console.js');
    const js = await fetch(`${tandem.url}/console/assets/console.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${tandem.url}/console/assets/console.css`)).status).toBe(200);
  });

  it('lists people and opens a session with the DM and the team channels, linking a console identity', async () => {
    const people = (await (await fetch(`${tandem.url}/console/api/people`)).json()) as { people: { id: string; name: string }[] };
    expect(people.people.map((p) => p.name)).toEqual(['Ana Souza', 'Ben Okafor']);
    const session = await post<{ conversations: { id: string; kind: string; title: string }[]; demo: boolean }>(tandem, '/session', { personId: ana.id });
    expect(session.status).toBe(200);
    expect(session.body.conversations).toEqual([
      { id: `dm:${ana.id}`, kind: 'direct', title: 'Tandem' },
      { id: 'platform', kind: 'channel', title: 'Platform', teamId: team.id },
    ]);
    expect(session.body.demo).toBe(false);
    expect(await tandem.core.people.byIdentityKey(`console:${ana.id}`)).toMatchObject({ id: ana.id });
  });

  it('refuses an unknown person and a bad id with clear errors', async () => {
    const unknown = await post<{ error: { code: string; message: string } }>(tandem, '/session', { personId: 'a'.repeat(24) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/Pick someone/);
    const bad = await post<{ error: { code: string } }>(tandem, '/session', { personId: 'nope' });
    expect(bad.status).toBe(422);
  });

  it('answers a command typed in the DM, and a button click updates that message in place', async () => {
    const sent = await post<Result>(tandem, '/messages', { as: ana.id, conversation: `dm:${ana.id}`, text: 'help' });
    expect(sent.status).toBe(200);
    expect(sent.body.reply).toBe('private');
    const [typed, help] = sent.body.messages;
    expect(typed).toMatchObject({ author: { id: ana.id, name: 'Ana Souza' }, text: 'help' });
    expect(help?.author).toBeNull();
    expect(help?.html).toContain('data-action-id="help.more"');

    const clicked = await post<Result>(tandem, '/actions', { as: ana.id, conversation: `dm:${ana.id}`, messageId: help!.id, actionId: 'help.more', value: 'more' });
    expect(clicked.body.reply).toBe('update');
    expect(clicked.body.messages[0]?.id).toBe(help!.id);
    expect(clicked.body.messages[0]?.html).toContain('How the week goes');

    const history = (await (await fetch(`${tandem.url}/console/api/conversations/dm:${ana.id}/messages?as=${ana.id}`)).json()) as { messages: Msg[] };
    expect(history.messages.map((m) => m.id)).toEqual([typed!.id, help!.id]);
    expect(history.messages[1]?.html).toContain('How the week goes');
  });

  it('turns @Name into a mention and renders it as the name; plain channel talk gets no bot reply', async () => {
    const sent = await post<Result>(tandem, '/messages', { as: ana.id, conversation: 'platform', text: 'great demo @Ben Okafor, thanks @ana!' });
    expect(sent.body.reply).toBe('none');
    expect(sent.body.messages).toHaveLength(1);
    expect(sent.body.messages[0]?.text).toBe(`great demo ${mention(ben.id)}, thanks ${mention(ana.id)}!`);
    expect(sent.body.messages[0]?.html).toContain('<span class="mention">@Ben Okafor</span>');
  });

  it('keeps DMs private to their person', async () => {
    const res = await fetch(`${tandem.url}/console/api/conversations/dm:${ana.id}/messages?as=${ben.id}`);
    expect(res.status).toBe(403);
    const typed = await post<{ error: { code: string } }>(tandem, '/messages', { as: ben.id, conversation: `dm:${ana.id}`, text: 'hi' });
    expect(typed.status).toBe(403);
  });

  it('opens a form, shows errors on its inputs, and closes it on success', async () => {
    const opened = await post<Result>(tandem, '/messages', { as: ana.id, conversation: `dm:${ana.id}`, text: 'feedback' });
    expect(opened.body.reply).toBe('form');
    expect(opened.body.form).toMatchObject({ id: 'test.feedback', metadata: 'm-1', conversation: `dm:${ana.id}` });
    expect(opened.body.form?.html).toContain('name="note"');

    const empty = await post<Result>(tandem, '/forms', { as: ana.id, conversation: `dm:${ana.id}`, formId: 'test.feedback', metadata: 'm-1', values: {} });
    expect(empty.body).toMatchObject({ reply: 'form_errors', errors: { note: 'Write a note first.' } });

    const done = await post<Result>(tandem, '/forms', { as: ana.id, conversation: `dm:${ana.id}`, formId: 'test.feedback', metadata: 'm-1', values: { note: 'nice' } });
    expect(done.body.reply).toBe('private');
    expect(done.body.messages[0]).toMatchObject({ visibleTo: ana.id });
    expect(done.body.messages[0]?.html).toContain('Thanks for &quot;nice&quot; (m-1)');
  });

  it('pushes a proactive DM and a team post to the open page over SSE, and nothing of others', async () => {
    await post(tandem, '/session', { personId: ben.id });
    const stream = await openStream(tandem, ana.id);
    try {
      await tandem.core.messenger.dm(ben.id, v.view('For Ben only', v.section('For Ben only')), `test.ben:${Date.now()}`);
      await tandem.core.messenger.dm(ana.id, v.view('Time for your check-in', v.section(`Hi ${mention(ana.id)}, time for your check-in`)), `test.prompt:${Date.now()}`);
      const event = (await stream.next((e, d) => e === 'message' && (d as { message: Msg }).message.conversation === `dm:${ana.id}`)) as { message: Msg };
      expect(event.message.text).toBe('Time for your check-in');
      expect(event.message.html).toContain('<span class="mention">@Ana Souza</span>');

      const fresh = await tandem.store.teams.get(team.id);
      expect(await tandem.core.messenger.post(fresh!, v.view('Team summary', v.section('Team summary')), `test.summary:${Date.now()}`)).toBe(1);
      const posted = (await stream.next((e) => e === 'message')) as { message: Msg };
      expect(posted.message).toMatchObject({ conversation: 'platform', text: 'Team summary' });

      const key = `test.update:${Date.now()}`;
      await tandem.core.messenger.dm(ana.id, v.view('Pending', v.section('Pending')), key);
      const first = (await stream.next((e) => e === 'message')) as { message: Msg };
      expect(await tandem.core.messenger.update(key, v.view('Done', v.section('Done')))).toBe(1);
      const updated = (await stream.next((e) => e === 'message')) as { message: Msg };
      expect(updated.message).toMatchObject({ id: first.message.id, text: 'Done' });
    } finally {
      stream.close();
    }
  });

  it('has no demo clock outside demo mode', async () => {
    expect((await fetch(`${tandem.url}/console/api/clock`)).status).toBe(404);
    const jump = await post<{ error: { code: string } }>(tandem, '/clock/next', {});
    expect(jump.status).toBe(404);
    expect(jump.body.error.code).toBe('not_found');
  });
});

describe('console demo clock', () => {
  let tandem: Tandem;
  const clock = new OffsetClock();

  beforeAll(async () => {
    tandem = await startTestTandem({ CONSOLE_ENABLED: 'true', DEMO_MODE: 'true' }, { clock });
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('lists the next events and jumps over quiet ones to the first that sends something, at its due time', async () => {
    const ana = await tandem.store.people.create({ name: 'Ana Souza', email: 'ana@example.com' });
    await post(tandem, '/session', { personId: ana.id });
    const seen: Date[] = [];
    tandem.jobs.declare('system', defineJob('system.demo-quiet', z.object({}), async () => undefined));
    tandem.jobs.declare(
      'system',
      defineJob('system.demo-ping', z.object({}), async () => {
        seen.push(tandem.core.clock.now());
        await tandem.core.messenger.dm(ana.id, v.view('Ping', v.section('Ping')), 'system.demo-ping');
      }),
    );
    const day = 86_400_000;
    const quiet = new Date(clock.now().getTime() + 1 * day);
    const due = new Date(clock.now().getTime() + 3 * day);
    const later = new Date(clock.now().getTime() + 5 * day);
    await tandem.jobs.enqueue('system.demo-quiet', {}, { jobId: 'system.demo-quiet:1', at: quiet });
    await tandem.jobs.enqueue('system.demo-ping', {}, { jobId: 'system.demo-ping:1', at: due });
    await tandem.jobs.enqueue('system.demo-later', {}, { jobId: 'system.demo-later:1', at: later });

    // Only this test's jobs: demo mode has schedules of its own (the demo KPI breach) among the next events.
    const ours = <J extends { name: string }>(jobs: J[]) => jobs.filter((j) => j.name.startsWith('system.demo-'));
    const status = (await (await fetch(`${tandem.url}/console/api/clock`)).json()) as { now: string; next: { name: string; dueAt: string }[] };
    expect(ours(status.next).map((j) => j.name)).toEqual(['system.demo-quiet', 'system.demo-ping', 'system.demo-later']);
    expect(Math.abs(Date.parse(ours(status.next)[1]!.dueAt) - due.getTime())).toBeLessThan(1_000);

    const jumped = await post<{ ran: { name: string; dueAt: string }[]; now: string; next: { name: string }[] }>(tandem, '/clock/next', {});
    expect(jumped.status).toBe(200);
    expect(ours(jumped.body.ran).map((j) => j.name)).toEqual(['system.demo-quiet', 'system.demo-ping']);
    expect(Date.parse(jumped.body.now)).toBeGreaterThanOrEqual(due.getTime() - 1_000);
    expect(ours(jumped.body.next).map((j) => j.name)).toEqual(['system.demo-later']);

    expect(seen).toHaveLength(1);
    expect(seen[0]!.getTime()).toBeGreaterThanOrEqual(due.getTime() - 1_000);
    expect(seen[0]!.getTime()).toBeLessThan(due.getTime() + 60_000);
    const dm = (await (await fetch(`${tandem.url}/console/api/conversations/dm:${ana.id}/messages?as=${ana.id}`)).json()) as { messages: Msg[] };
    expect(dm.messages.map((m) => m.text)).toEqual(['Ping']);
  });
});
