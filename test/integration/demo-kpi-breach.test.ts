import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo, type DemoOrg } from '../../scripts/seed-demo.js';
import { DEMO_BREACH } from '../../src/core/kpis/demo-breach.js';
import { startTandem, type Tandem } from '../../src/main.js';
import { dropTestData, testConfig } from '../support/stack.js';

type Jump = { ran: { name: string; dueAt: string }[]; next: { name: string; dueAt: string }[]; now: string };

/*
 * Issue 13's demo promise: in DEMO_MODE a breach of a demo KPI is always
 * queued ahead (next working day 10:00, Europe/Berlin), so "Jump to next
 * event" in the console raises the KPI alert, the on-call person of the
 * owning team (Platform) gets it in their console DM, and a further jump
 * reaches the next escalation step (the manager, 10 minutes later).
 */
describe('the demo clock raises a KPI breach and walks its escalation in the console', () => {
  const config = testConfig({ CONSOLE_ENABLED: 'true', DEMO_MODE: 'true', TEAMS_ENABLED: 'false' });
  let tandem: Tandem;
  let org: DemoOrg;
  beforeAll(async () => {
    tandem = await startTandem(config);
    org = await seedDemo(tandem.store, tandem.core.clock.now());
  });
  afterAll(async () => {
    await tandem?.stop();
    await dropTestData(config);
  });

  const jump = async () => (await (await fetch(`${tandem.url}/console/api/clock/next`, { method: 'POST' })).json()) as Jump;
  const dm = async (personId: string) => JSON.stringify(await tandem.store.consoleMessages.recent(`dm:${personId}`, personId));

  it('queues the breach at boot, and jumping to it pages the on-call person, then the manager', async () => {
    const status = (await (await fetch(`${tandem.url}/console/api/clock`)).json()) as Jump;
    expect(status.next.map((j) => j.name)).toContain(DEMO_BREACH.job);

    let breach: { dueAt: string } | undefined;
    for (let i = 0; i < 40 && !breach; i += 1) breach = (await jump()).ran.find((j) => j.name === DEMO_BREACH.job);
    if (!breach) throw new Error('the demo breach never ran');
    const at = new Date(breach.dueAt);
    expect(at.toLocaleString('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit' })).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 10:00$/);

    // The on-call person of Platform at that instant has the alert in their console DM.
    const platform = org.teams.Platform!;
    const schedule = await tandem.store.oncall.scheduleOfTeam(platform.id);
    const [shift] = await tandem.core.oncall.schedules.shifts(schedule!.id, at, new Date(at.getTime() + 60_000));
    const onCall = shift!.personId!;
    expect(platform.memberIds).toContain(onCall);
    await expect.poll(() => dm(onCall), { timeout: 10_000 }).toContain('Cloud cost per user is red');
    // The seeded history counts as judged: it is the baseline, and opens no alert of its own.
    expect(await dm(onCall)).toContain('Rule: threshold crossed');
    expect(await dm(onCall)).not.toMatch(/a shift|input error/);
    // The next breach is already queued for the following working day.
    const after = (await (await fetch(`${tandem.url}/console/api/clock`)).json()) as Jump;
    expect(after.next.some((j) => j.name === DEMO_BREACH.job && new Date(j.dueAt) > at)).toBe(true);

    // Further jumps reach the next step: Lena, the manager, 10 minutes later.
    const lena = org.people.lena!;
    expect(await dm(lena.id)).not.toContain('Cloud cost per user is red');
    for (let i = 0; i < 5 && !(await dm(lena.id)).includes('Cloud cost per user is red'); i += 1) await jump();
    expect(await dm(lena.id)).toContain('Cloud cost per user is red');
    expect(new Date((await (await fetch(`${tandem.url}/console/api/clock`)).json() as Jump).now).getTime()).toBeGreaterThanOrEqual(at.getTime() + 10 * 60_000);
  });
});
