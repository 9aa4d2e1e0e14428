import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/core/job-declarations.js';
import { v } from '../../src/core/chat/views.js';
import { startTandem, type Tandem } from '../../src/main.js';
import { dropTestData, testConfig } from '../support/stack.js';

/**
 * The demo clock after a restart on the same database and Redis (issue 11
 * point 7): the first run jumps a daily schedule ahead of real time; the
 * second, back at real time, must still list next events and keep firing.
 * (Before the fix the schedule stopped after one run: BullMQ re-adds the
 * iterations the first run completed under the same job ids, and an id it
 * remembers as completed is not added again.)
 */
describe('demo clock across a restart', () => {
  const config = testConfig({ CONSOLE_ENABLED: 'true', DEMO_MODE: 'true', TEAMS_ENABLED: 'false' });
  let tandem: Tandem | undefined;
  afterAll(async () => {
    await tandem?.stop();
    await dropTestData(config);
  });

  // Each boot's messages carry its own key: a second run firing at the same instant as the first (to the
  // millisecond) must still send, or the jump sees nothing happen and runs on to the next iteration.
  const boot = async (run: string, fired: string[]) => {
    const t = await startTandem(config);
    const ana = (await t.store.people.list({ limit: 1 })).items[0] ?? (await t.store.people.create({ name: 'Ana Souza', email: 'ana@example.com' }));
    t.jobs.declare(
      'system',
      defineJob('system.demo-daily', z.object({}), async () => {
        fired.push(t.core.clock.now().toISOString());
        await t.core.messenger.dm(ana.id, v.view('Daily', v.section('Daily')), `system.demo-daily:${run}:${t.core.clock.now().toISOString()}`);
      }),
    );
    // As every boot does for the features' schedules.
    await t.jobs.upsertRecurring('system:demo-daily', { pattern: '0 9 * * *', timeZone: 'Europe/Berlin' }, 'system.demo-daily', {});
    await fetch(`${t.url}/console/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ personId: ana.id }) });
    return t;
  };
  const clock = async (t: Tandem) => (await (await fetch(`${t.url}/console/api/clock`)).json()) as { now: string; next: { name: string }[] };
  const jump = async (t: Tandem) => (await (await fetch(`${t.url}/console/api/clock/next`, { method: 'POST' })).json()) as { ran: { name: string }[]; next: { name: string }[] };

  it('keeps listing and firing a daily schedule after a restart', async () => {
    const first: string[] = [];
    tandem = await boot('first', first);
    for (let i = 0; i < 3; i++) expect((await jump(tandem)).ran.map((j) => j.name)).toContain('system.demo-daily');
    expect(first).toHaveLength(3);
    await tandem.stop();

    const second: string[] = [];
    tandem = await boot('second', second);
    expect((await clock(tandem)).next.map((j) => j.name)).toContain('system.demo-daily');
    for (let i = 0; i < 4; i++) {
      const jumped = await jump(tandem);
      expect(jumped.ran.map((j) => j.name), `jump ${i + 1} after the restart`).toContain('system.demo-daily');
      expect(jumped.next.map((j) => j.name), `next events after jump ${i + 1}`).toContain('system.demo-daily');
    }
    expect(second).toHaveLength(4);
  });
});
