import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/chat/chat.port.js';
import type { View } from '../../src/core/chat/views.js';
import type { Person } from '../../src/core/people/people.types.js';
import { startTestTandem } from '../support/stack.js';

const textOf = (r: Reply): string => {
  if (r.kind !== 'private') return '';
  const view: View = r.view;
  return view.blocks.map((b) => ('text' in b ? b.text : b.type === 'fields' ? b.fields.map((f) => `${f.label}: ${f.value}`).join('\n') : '')).join('\n');
};

describe('kudos insight: personal stats by value, team counts, quiet people, reciprocity; no leaderboard', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  const clock = { at: new Date('2026-10-01T09:00:00Z'), now() { return new Date(this.at); } };
  let lead: Person, ana: Person, bo: Person, cy: Person, dee: Person, eve: Person, outsider: Person;
  const at = (p: Person) => `<@person:${p.id}>`;
  const give = async (from: Person, args: string) => {
    const r = await tandem.core.interactions.runCommand({ actor: from, platform: 'console' }, 'kudos', args);
    expect(textOf(r)).toContain('Kudos sent');
    clock.at = new Date(clock.at.getTime() + 3600_000);
  };
  const stats = async (who: Person) => textOf(await tandem.core.interactions.runCommand({ actor: who, platform: 'console' }, 'kudos', 'stats'));

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false' }, { clock, workers: false });
    await tandem.core.recognition.updateSettings({ values: [{ name: 'ownership' }, { name: 'customers' }], quietWeeks: 4 });
    let n = 0;
    const person = (name: string) => tandem.store.people.create({ name, email: `p${(n += 1)}@example.com`, timeZone: 'Europe/Berlin' });
    [lead, ana, bo, cy, dee, eve, outsider] = await Promise.all(['Lead', 'Ana', 'Bo', 'Cy', 'Dee', 'Eve', 'Outsider'].map(person)) as [Person, Person, Person, Person, Person, Person, Person];
    await tandem.store.teams.create({ name: 'Platform', managerId: lead.id, memberIds: [lead.id, ana.id, bo.id, cy.id, dee.id, eve.id] });

    // Eight weeks ago Eve was recognised; nothing since.
    await give(dee, `${at(eve)} for the onboarding guide she wrote #customers`);
    clock.at = new Date('2026-11-10T09:00:00Z');
    // Ana and Bo only ever recognise each other.
    await give(ana, `${at(bo)} for the database failover drill #ownership`);
    await give(bo, `${at(ana)} for reviewing my failover runbook #ownership`);
    await give(ana, `${at(bo)} for the pager rota clean-up #ownership`);
    // Cy recognises widely, and an outsider recognises Cy.
    await give(cy, `${at(ana)} ${at(dee)} for the customer escalation call #customers`);
    await give(outsider, `${at(cy)} for helping our team with the API keys #customers`);
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('shows a person what they received and gave, by value, and their budget', async () => {
    const ana_ = await stats(ana);
    expect(ana_).toContain('Received since');
    expect(ana_).toMatch(/Received since [^:]+: 2/);
    expect(ana_).toMatch(/Given since [^:]+: 2/);
    expect(ana_).toContain('*Received, by value*\nCustomers 1 · Ownership 1');
    expect(ana_).toContain('*Given, by value*\nOwnership 2');
    expect(ana_).toContain('Only you see this. Tandem keeps no public leaderboard.');
    expect(ana_).not.toContain('Team Platform');
  });

  it('gives the manager team counts by value, a gentle list of people not recognised lately, and pairs who only recognise each other', async () => {
    const view = await stats(lead);
    expect(view).toContain('Team Platform');
    expect(view).toMatch(/\*6 kudos\* received by the team since .*: Customers 3 · Ownership 3/);
    expect(view).toContain(`*Not recognised in the last 4 weeks*\n${at(eve)}`);
    expect(view).toContain('Good work is easy to miss');
    expect(view).not.toMatch(new RegExp(`Not recognised[^*]*${at(lead)}`));
    const pair = [at(ana), at(bo)].sort((x, y) => x.localeCompare(y));
    expect(view).toMatch(new RegExp(`(${pair[0]} and ${pair[1]}|${pair[1]} and ${pair[0]}) have only recognised each other \\(3 kudos\\)`));
    expect(view).not.toContain(`${at(cy)} and`);
  });

  it('stops counting a revoked kudos everywhere', async () => {
    const [toEve] = (await tandem.core.recognition.list({ limit: 10, recipientId: eve.id })).items;
    await tandem.core.recognition.revoke(toEve!.id, 'people-ops', 'test');
    expect((await tandem.core.recognition.personalStats(dee)).given.total).toBe(0);
    expect((await tandem.core.recognition.personalStats(eve)).received.total).toBe(0);
    expect(await stats(lead)).toMatch(/\*5 kudos\* received by the team since .*: Ownership 3 · Customers 2/);
  });
});
