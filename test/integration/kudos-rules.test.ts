import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/chat/chat.port.js';
import type { InteractionContext } from '../../src/core/chat/interactions.js';
import type { Form, View } from '../../src/core/chat/views.js';
import type { Person } from '../../src/core/people/people.types.js';
import { startTestTandem } from '../support/stack.js';

/** A clock the test moves by hand. */
class HandClock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}

const text = (r: Reply): string => {
  if (r.kind === 'private' || r.kind === 'public' || r.kind === 'update') return viewText(r.view);
  if (r.kind === 'form_errors') return Object.values(r.errors).join('\n');
  return '';
};
const viewText = (view: View): string =>
  [view.text, ...view.blocks.map((b) => ('text' in b ? b.text : b.type === 'fields' ? b.fields.map((f) => `${f.label}: ${f.value}`).join('\n') : ''))].join('\n');
const at = (p: Person) => `<@person:${p.id}>`;

describe('kudos: giving and every rule, through core.interactions on the real store', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  // Wednesday 19 Nov 2026, 10:00 UTC
  const clock = new HandClock(new Date('2026-11-19T10:00:00Z'));
  let ana: Person, bo: Person, cy: Person, dee: Person, gone: Person;
  let n = 0;
  const ctx = (actor: Person, extra: Partial<InteractionContext> = {}): InteractionContext => ({ actor, platform: 'console', ...extra });
  const kudos = (actor: Person, args: string, extra: Partial<InteractionContext> = {}) => tandem.core.interactions.runCommand(ctx(actor, extra), 'kudos', args);
  const person = (name: string, timeZone = 'UTC', active = true) =>
    tandem.store.people.create({ name, email: `person${(n += 1)}@example.com`, timeZone, active });

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false' }, { clock, workers: false });
    ana = await person('Ana', 'Europe/Paris');
    bo = await person('Zoë');
    cy = await person('Łukasz');
    dee = await person('李雷', 'Asia/Shanghai');
    gone = await person('Gone', 'UTC', false);
    await tandem.core.recognition.updateSettings({
      values: [
        { name: 'ownership', description: 'We own outcomes' },
        { name: 'customers', label: 'Customers first' },
        { name: 'qualité' },
      ],
    });
  });
  afterAll(async () => {
    await tandem.cleanup();
  });
  beforeEach(() => {
    // Each test in its own week, so budgets do not leak between tests.
    clock.advance(7 * 86_400_000);
  });

  it('gives kudos to several people with a value, and says what is left of the budget and when it resets', async () => {
    const r = await kudos(ana, `${at(bo)} ${at(cy)} for shipping the migration 🚀 without downtime #ownership`);
    expect(r.kind).toBe('private');
    expect(text(r)).toContain(`Kudos sent to ${at(bo)} and ${at(cy)} for *Ownership*`);
    expect(text(r)).toMatch(/You have 3 kudos left this week \(of 5\); your budget resets Monday \d+ \w+ at 00:00 \(Europe\/Paris\)/);
    const page = await tandem.core.recognition.list({ limit: 10, giverId: ana.id, includeRevoked: true });
    const last = page.items.at(-1)!;
    expect(last).toMatchObject({ recipientIds: [bo.id, cy.id], reason: 'shipping the migration 🚀 without downtime', values: ['ownership'], private: false });
  });

  it('accepts a Unicode value hashtag and Unicode text in the reason', async () => {
    const r = await kudos(dee, `${at(ana)} merci pour la revue de Zoë et 李雷 ✨ #Qualité`);
    expect(text(r)).toContain('Kudos sent to');
    expect(text(r)).toContain('Qualité');
  });

  it('refuses kudos to oneself', async () => {
    const r = await kudos(ana, `${at(ana)} for being me, obviously #ownership`);
    expect(text(r)).toContain('You can’t give kudos to yourself.');
  });

  it('refuses kudos to a bot', async () => {
    const r = await kudos(ana, `${at(bo)} <@bot:Deploy Bot> for the smooth release train #ownership`);
    expect(text(r)).toContain('Deploy Bot is a bot: kudos are for people.');
  });

  it('says which names it could not resolve', async () => {
    const r = await kudos(ana, '@Zoë @Łukasz for the brilliant incident review #ownership');
    expect(text(r)).toContain('I couldn’t tell who @Zoë, @Łukasz are.');
  });

  it('refuses someone who is not an active member', async () => {
    const r = await kudos(ana, `${at(gone)} for all those years of service #ownership`);
    expect(text(r)).toContain(`${at(gone)} can’t receive kudos: not an active member of Tandem.`);
  });

  it('asks for a longer reason, with the configured minimum', async () => {
    const r = await kudos(ana, `${at(bo)} for help #ownership`);
    expect(text(r)).toContain('a reason needs at least 10 characters (yours has 4)');
    await tandem.core.recognition.updateSettings({ minReasonLength: 3 });
    expect(text(await kudos(ana, `${at(bo)} for help #ownership`))).toContain('Kudos sent');
    await tandem.core.recognition.updateSettings({ minReasonLength: 10 });
  });

  it('suggests the closest value for a typo and lists the values for an unknown one', async () => {
    const typo = await kudos(ana, `${at(bo)} for owning the on-call rota #ownrship`);
    expect(text(typo)).toContain('I don’t know the value #ownrship. Did you mean #ownership?');
    expect(text(typo)).toContain('Our values are #ownership #customers #qualité.');
    const unknown = await kudos(ana, `${at(bo)} for owning the on-call rota #banana`);
    expect(text(unknown)).toContain('#banana isn’t one of our company values.');
    const missing = await kudos(ana, `${at(bo)} for owning the on-call rota`);
    expect(text(missing)).toContain('Which of our values did it show?');
  });

  it('explains itself on /kudos help, and is listed in /tandem help', async () => {
    const help = text(await kudos(ana, 'help'));
    expect(help).toContain('Our values: #ownership (Ownership), #customers (Customers first), #qualité (Qualité).');
    expect(help).toContain('at least 10 characters');
    const tandemHelp = text(await tandem.core.interactions.runCommand(ctx(ana), 'tandem', 'help'));
    expect(tandemHelp).toContain('`/kudos` recognise colleagues');
  });

  it('opens the form when the command is empty or incomplete, prefilled with what was typed', async () => {
    const empty = await kudos(ana, '');
    expect(empty.kind).toBe('form');
    const form = (empty as { form: Form }).form;
    expect(form.id).toBe('kudos.give');
    expect(form.blocks.filter((b) => b.type === 'input').map((b) => (b as { id: string }).id)).toEqual(['recipients', 'reason', 'companyValue', 'private']);
    const partial = await kudos(ana, `${at(bo)} #customers`);
    expect(partial.kind).toBe('form');
    const inputs = (partial as { form: Form }).form.blocks.filter((b) => b.type === 'input');
    expect(inputs.find((i) => i.id === 'recipients')?.initial).toEqual([bo.id]);
    expect(inputs.find((i) => i.id === 'companyValue')?.initial).toBe('customers');
  });

  it('submits the form, and keeps it open with a message on the input at fault', async () => {
    const submit = (values: Record<string, string | string[]>) => tandem.core.interactions.submitForm(ctx(cy), 'kudos.give', values, undefined);
    const bad = await submit({ recipients: [cy.id], reason: 'for being great at everything', companyValue: 'ownership' });
    expect(bad).toEqual({ kind: 'form_errors', errors: { recipients: expect.stringContaining('You can’t give kudos to yourself.') } });
    const short = await submit({ recipients: [bo.id], reason: 'ok', companyValue: 'ownership' });
    expect(short.kind).toBe('form_errors');
    expect(Object.keys((short as { errors: Record<string, string> }).errors)).toEqual(['reason']);
    const ok = await submit({ recipients: [bo.id, dee.id], reason: 'for pairing on the flaky test all afternoon', companyValue: 'customers', private: ['private'] });
    expect(text(ok)).toContain('It is private: only they will see it.');
    const page = await tandem.core.recognition.list({ limit: 50, giverId: cy.id, includeRevoked: true });
    expect(page.items.at(-1)).toMatchObject({ recipientIds: [bo.id, dee.id], values: ['customers'], private: true });
  });

  it('keeps to the weekly budget, saying what is left and when it resets in the giver’s time zone', async () => {
    expect(text(await kudos(dee, `${at(ana)} ${at(bo)} ${at(cy)} for the launch party planning #customers`))).toContain('You have 2 kudos left');
    const over = await kudos(dee, `${at(ana)} ${at(bo)} ${at(cy)} for the second launch party #customers`);
    expect(text(over)).toContain('This kudos names 3 people, but you have only 2 kudos left this week (of 5).');
    expect(text(over)).toMatch(/Your budget resets Monday \d+ \w+ at 00:00 \(Asia\/Shanghai\)/);
    expect(text(await kudos(dee, `${at(ana)} ${at(bo)} for the second launch party #customers`))).toContain('You have 0 kudos left');
    const spent = await kudos(dee, `${at(cy)} for the third launch party #customers`);
    expect(text(spent)).toContain('You’ve used all 5 kudos of your weekly budget.');
    // Next Monday in Shanghai the budget is back.
    clock.advance(7 * 86_400_000);
    expect(text(await kudos(dee, `${at(cy)} for the third launch party #customers`))).toContain('You have 4 kudos left');
  });

  it('counts a platform retry and a double click once', async () => {
    const line = `${at(bo)} for untangling the billing cron jobs #ownership`;
    const first = await kudos(cy, line, { deliveryId: 'trigger-1' });
    expect(text(first)).toContain('Kudos sent');
    const retry = await kudos(cy, line, { deliveryId: 'trigger-1' });
    expect(text(retry)).toContain(`Your kudos to ${at(bo)} was already recorded, so I counted it once.`);
    const doubleClick = await kudos(cy, line, { deliveryId: 'trigger-2' });
    expect(text(doubleClick)).toContain('already recorded');
    expect(text(doubleClick)).toContain('You have 4 kudos left');
    // Much later the same words are a new kudos.
    clock.advance(10 * 60_000);
    expect(text(await kudos(cy, line, { deliveryId: 'trigger-3' }))).toContain('You have 3 kudos left');
  });

  it('never lets 20 simultaneous kudos from one giver exceed the budget', async () => {
    const giver = await person('Rush');
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => kudos(giver, `${at([ana, bo, cy, dee][i % 4]!)} for helping with ticket number ${i} #ownership`, { deliveryId: `d-${i}` })),
    );
    const sent = replies.filter((r) => text(r).includes('Kudos sent'));
    const refused = replies.filter((r) => text(r).includes('You’ve used all 5 kudos of your weekly budget.'));
    expect(sent).toHaveLength(5);
    expect(refused).toHaveLength(15);
    const page = await tandem.core.recognition.list({ limit: 50, giverId: giver.id, includeRevoked: true });
    expect(page.items).toHaveLength(5);
    expect((await tandem.core.recognition.budget(giver)).used).toBe(5);
  });

  it('never exceeds the budget with 20 simultaneous multi-recipient kudos either', async () => {
    const giver = await person('Rush2');
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => kudos(giver, `${at(ana)} ${at(bo)} for the group effort number ${i} #ownership`)),
    );
    expect(replies.filter((r) => text(r).includes('Kudos sent'))).toHaveLength(2);
    const page = await tandem.core.recognition.list({ limit: 50, giverId: giver.id, includeRevoked: true });
    expect(page.items.reduce((sum, k) => sum + k.recipientIds.length, 0)).toBe(4);
  });

  it('revokes a kudos: it stops counting, and the giver gets the budget back', async () => {
    await kudos(bo, `${at(cy)} for the calm incident command last night #ownership`);
    const [given] = (await tandem.core.recognition.list({ limit: 50, giverId: bo.id })).items.slice(-1);
    expect((await tandem.core.recognition.budget(bo)).used).toBe(1);
    const { after } = await tandem.core.recognition.revoke(given!.id, 'admin-token', 'posted by mistake');
    expect(after.revokedAt).not.toBeNull();
    expect((await tandem.core.recognition.budget(bo)).used).toBe(0);
    const stats = await tandem.core.recognition.personalStats(cy);
    const all = await tandem.core.recognition.list({ limit: 200, recipientId: cy.id, from: stats.since });
    expect(all.items.find((k) => k.id === given!.id)).toBeUndefined();
    expect(stats.received.total).toBe(all.items.length);
    await expect(tandem.core.recognition.revoke(given!.id, 'admin-token', 'again')).rejects.toMatchObject({ code: 'conflict' });
  });
});
