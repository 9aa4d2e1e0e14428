import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageDto as Msg } from '../../src/adapters/console/hub.js';
import { seedDemo, type DemoOrg } from '../../scripts/seed-demo.js';
import { startTestTandem } from '../support/stack.js';

const NOW = new Date('2026-11-25T10:00:00Z');

/** The demo organisation gives the leader a full scorecard in the console: every perspective, the pulse, the alerts, a picture. */
describe('demo scorecard in the console', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let org: DemoOrg;

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'true' }, { clock: { now: () => new Date(NOW) }, workers: false });
    org = await seedDemo(tandem.store, NOW);
    await seedDemo(tandem.store, NOW);
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  it('Sofia (leader) asks `/tandem scorecard` and sees KPIs in all four perspectives, check-ins, pulse, alerts and the picture', async () => {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${tandem.url}/console/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, ...((await res.json()) as { messages: Msg[] }) };
    };
    const sofia = org.people.sofia!;
    await post('/session', { personId: sofia.id });
    const r = await post('/messages', { as: sofia.id, conversation: `dm:${sofia.id}`, text: '/tandem scorecard' });
    expect(r.status).toBe(200);
    const m = r.messages.at(-1)!;
    expect(m.text).toMatch(/^📊 Scorecard · Organisation · 2026-W47: KPIs \d+ 🟢 \d+ 🟠 \d+ 🔴, check-ins \d+%$/);
    const html = m.html;
    for (const p of ['Financial / results', 'Customer / stakeholder', 'Process / operational', 'Learning / development']) expect(html).toContain(p);
    for (const k of ['Weekly revenue (k€)', 'Customer satisfaction', 'Deployment lead time', 'Learning hours per person']) expect(html).toContain(k);
    expect(html).not.toContain('not set up');
    expect(html).toMatch(/Pulse.*?eNPS \d+ · 86% answered/s);
    expect(html).toMatch(/Alerts.*?\d+ · ack \d+ min · resolve [\d.]+ (min|h) \(medians\) · \d+ after-hours pages/s);
    expect(html).toMatch(/<img class="b-image" src="[^"]+\/scorecard-images\/[A-Za-z0-9_-]{24}\.png"/);
    // Seeded twice: still one set of alerts per team and three pulse rounds.
    expect((await tandem.store.alerts.list({ limit: 50 })).items).toHaveLength(7);
    expect(await tandem.store.surveys.rounds.closed(10)).toHaveLength(3);
  });
});
