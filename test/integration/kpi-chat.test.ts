import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageDto as Msg } from '../../src/adapters/console/hub.js';
import type { Person, Team } from '../../src/core/people/people.types.js';
import { eventually } from '../support/servers.js';
import { kpiApi, TEN, type Json } from '../support/kpis.js';
import { startTestTandem } from '../support/stack.js';

interface Result {
  reply: string;
  messages: Msg[];
  form?: { id: string; html: string; metadata: string | null };
  errors?: Record<string, string>;
}

/**
 * An alert's owner works it from the alert DM in the console, over HTTP:
 * annotates it through its form, and marks the breaching value as a data
 * error, which is audited, resolves an alert that value raised alone, and
 * leaves the value out of the baseline of every later sample.
 */
describe('KPI alert buttons in chat (console over HTTP)', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let api: Awaited<ReturnType<typeof kpiApi>>;
  let lena: Person;
  let team: Team;
  const clock = { now: () => new Date('2026-11-25T12:00:00Z') };
  const dm = () => `dm:${lena.id}`;

  const consolePost = async (path: string, body: unknown) => {
    const res = await fetch(`${tandem.url}/console/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Result };
  };
  const dmHistory = async () => ((await (await fetch(`${tandem.url}/console/api/conversations/${dm()}/messages?as=${lena.id}`)).json()) as { messages: Msg[] }).messages;

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'true' }, { clock });
    lena = await tandem.store.people.create({ name: 'Lena Fischer', email: 'lena@example.com', roles: ['manager'] });
    const ana = await tandem.store.people.create({ name: 'Ana Lima', email: 'ana@example.com' });
    team = await tandem.store.teams.create({ name: 'Checkout', managerId: lena.id, memberIds: [ana.id] });
    expect((await consolePost('/session', { personId: lena.id })).status).toBe(200);
    api = await kpiApi(tandem, team, new Date('2026-11-20T00:00:00Z'));
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('annotates the alert from its form and marks its value as a data error, which leaves the baseline until taken back', async () => {
    // Mean 10, σ 2; 15.5 is red (beyond 15) but within 3σ, so it joins the baseline unless marked.
    const terms = { target: 10, thresholds: { amber: 14, red: 15 } };
    await api.define('checkout', terms);
    await api.define('checkout-control', terms);
    for (const key of ['checkout', 'checkout-control']) await api.post(key, [...TEN, 15.5]);
    await Promise.all(['checkout', 'checkout-control'].map(api.settled));
    const [alert] = await api.alertsOf('checkout');
    expect(alert).toMatchObject({ rule: 'threshold', severity: 'critical', count: 1, lastAt: api.hour(10) });

    // The alert reached its owner's console DM with its buttons.
    await eventually(async () => (await dmHistory()).some((m) => m.html.includes(alert!.id)), 10_000, 'the alert DM');
    const message = (await dmHistory()).find((m) => m.html.includes(alert!.id))!;
    expect(message.html).toContain('data-action-id="alert.annotate"');
    expect(message.html).toContain('data-action-id="alert.data_error"');

    // Annotate: the button opens the form; an empty note is refused on its input; a note lands on the timeline.
    const opened = await consolePost('/actions', { as: lena.id, conversation: dm(), messageId: message.id, actionId: 'alert.annotate', value: alert!.id });
    expect(opened.body).toMatchObject({ reply: 'form', form: { id: 'alert.annotate', metadata: alert!.id } });
    const form = { as: lena.id, conversation: dm(), messageId: message.id, formId: 'alert.annotate', metadata: alert!.id };
    expect((await consolePost('/forms', { ...form, values: { note: '  ' } })).body).toMatchObject({ reply: 'form_errors', errors: { note: expect.any(String) } });
    expect((await consolePost('/forms', { ...form, values: { note: 'Load test from the staging cluster hit production' } })).body.reply).toBe('none');
    const annotated = (await api.call('GET', `/alerts/${alert!.id}`)).body;
    expect(annotated.timeline.find((t: Json) => t.kind === 'annotated')).toMatchObject({ actor: lena.id, text: 'Load test from the staging cluster hit production' });
    await eventually(async () => (await dmHistory()).find((m) => m.id === message.id)!.html.includes('Load test from the staging cluster'), 10_000, 'the note on the alert DM');

    // Mark as data error: the message is updated in place, the alert (raised by that value alone) resolves.
    const marked = await consolePost('/actions', { as: lena.id, conversation: dm(), messageId: message.id, actionId: 'alert.data_error', value: alert!.id });
    expect(marked.body.reply).toBe('update');
    expect(marked.body.messages[0]).toMatchObject({ id: message.id });
    expect(marked.body.messages[0]!.html).toContain('Resolved');
    const after = (await api.call('GET', `/alerts/${alert!.id}`)).body;
    expect(after.status).toBe('resolved');
    expect(after.timeline.map((t: Json) => t.kind)).toEqual(expect.arrayContaining(['annotated', 'data_error', 'resolved']));
    expect((await api.call('GET', '/kpis/checkout/samples')).body.items.at(-1)).toMatchObject({ at: api.hour(10), value: 15.5, dataError: true });
    const audit = (await api.call('GET', '/audit?target=kpi:checkout')).body.items.find((e: Json) => e.action === 'kpi.sample.data_error');
    expect(audit).toMatchObject({ actor: lena.id, after: { at: api.hour(10), value: 15.5, dataError: true } });

    // The next value: against TEN alone (mean 10, σ 2) 16.1 is beyond 3σ; with 15.5 still in the baseline (control) it is not.
    for (const key of ['checkout', 'checkout-control']) await api.post(key, [16.1], 11);
    await Promise.all(['checkout', 'checkout-control'].map(api.settled));
    const exception = (await api.alertsOf('checkout')).find((a) => a.rule === 'sigma3');
    expect(exception?.explanation).toContain('Baseline: mean 10 ms ± 2 (σ) over the last 10 samples');
    expect((await api.alertsOf('checkout-control')).map((a) => a.rule)).not.toContain('sigma3');

    // Taking the mark back (admin API) puts 15.5 back in the baseline: 11 samples (16.1, a 3σ exception, stays out).
    const undo = await api.call('POST', '/kpis/checkout/samples/data-error', { at: api.hour(10), dataError: false });
    expect(undo.status, JSON.stringify(undo.body)).toBe(200);
    await api.post('checkout', [15.4], 12);
    await api.settled('checkout');
    const threshold = (await api.alertsOf('checkout')).find((a) => a.rule === 'threshold' && a.status === 'open');
    expect(threshold).toMatchObject({ lastValue: 15.4 });
    expect(threshold!.explanation).toContain('over the last 11 samples');
  });
});
