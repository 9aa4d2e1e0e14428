import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../src/core/clock.js';
import { seedDemo, type DemoOrg } from '../../scripts/seed-demo.js';
import { startTestTandem } from '../support/stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve('test-results/console-e2e');

describe('the console in headless Chromium', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let org: DemoOrg;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const clock = new OffsetClock();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    tandem = await startTestTandem({ CONSOLE_ENABLED: 'true', DEMO_MODE: 'true' }, { clock });
    org = await seedDemo(tandem.store, clock.now());
    // As at boot (and hourly): the seeded teams get their check-in schedules.
    await tandem.core.checkins.reconcileAll();
    // launch() gives every run a fresh temporary profile; the context is fresh too.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await tandem?.cleanup();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  async function become(label: string): Promise<void> {
    await page.selectOption('#person', { label });
    await page.locator('#me strong', { hasText: label.replace(/ \(.*\)$/, '') }).waitFor();
    await page.locator('body[data-live="true"]').waitFor();
  }

  async function openConversation(title: string): Promise<void> {
    await page.locator('.convs button', { hasText: title }).click();
    await page.locator('#conv-title', { hasText: title }).waitFor();
  }

  async function send(text: string): Promise<void> {
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
  }

  it('picks a person, gives kudos, answers a check-in, and shows the manager the summary', async () => {
    const ana = org.people.ana!;
    const platform = org.teams.Platform!;
    await page.goto(`${tandem.url}/console`);
    await become('Ana Souza');
    expect(await page.locator('.convs button').allTextContents()).toEqual(['Tandem', '# Platform']);
    await shot('01-ana-dm');

    // Help in the DM, and a button that updates its message in place.
    await send('help');
    const help = page.locator('.msg', { hasText: 'How does the week work?' });
    await help.waitFor();
    await help.locator('button', { hasText: 'How does the week work?' }).click();
    await page.locator('.msg', { hasText: 'How the week goes' }).waitFor();
    expect(await page.locator('.msg', { hasText: 'How does the week work?' }).count()).toBe(0);

    // Kudos in the team channel, the recipient picked from the @ suggestions.
    await openConversation('# Platform');
    await page.click('#text');
    await page.keyboard.type('/kudos @Jon');
    const jonas = page.locator('#suggest li', { hasText: 'Jonas Weber' });
    await jonas.waitFor();
    // Focus lost and back at once: the suggestions stay (a blur's late timer hid them, and Enter then sent the text).
    await page.locator('#text').blur();
    await page.focus('#text');
    await page.waitForTimeout(300);
    expect(await jonas.isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    expect(await page.inputValue('#text')).toBe('/kudos @Jonas Weber ');
    await page.keyboard.type('for the calm, careful release on Tuesday #teamwork');
    await page.keyboard.press('Enter');
    const typed = page.locator('.msg', { hasText: '/kudos' }).last();
    await typed.locator('.mention', { hasText: '@Jonas Weber' }).waitFor();
    await page.locator('.msg.private', { hasText: /kudos/i }).last().waitFor();
    // The delivery job posts the kudos to the team channel, live.
    await page.locator('.msg:not(.private)', { hasText: 'calm, careful release' }).filter({ hasNot: page.locator('.meta strong', { hasText: 'Ana Souza' }) }).first().waitFor({ timeout: 20_000 });
    await shot('02-kudos-in-channel');

    // The demo clock: each jump runs scheduled events until one sends something; Friday afternoon brings the check-in.
    await openConversation('Tandem');
    await page.locator('#clock').waitFor();
    const prompt = page.locator('.msg', { hasText: 'Your weekly check-in' });
    for (let i = 0; i < 40 && (await prompt.count()) === 0; i += 1) {
      await Promise.all([page.waitForResponse((r) => r.url().endsWith('/console/api/clock/next')), page.click('#clock-next')]);
      await page.waitForTimeout(500);
    }
    await prompt.first().waitFor({ timeout: 10_000 });
    const promptedAt = DateTime.fromJSDate(clock.now(), { zone: 'Europe/Berlin' });
    expect(promptedAt.weekday).toBe(5);
    expect(promptedAt.hour).toBeGreaterThanOrEqual(15);
    await shot('03-checkin-prompt');

    // Answer it in the form.
    await prompt.first().locator('button', { hasText: 'Answer now' }).click();
    const form = page.locator('#modal form');
    await form.waitFor();
    await form.locator('button[type=submit]').click();
    await form.locator('.field.invalid [name=progress]').waitFor();
    await shot('04-checkin-form-errors');
    await form.locator('[name=progress]').fill('Shipped the new deploy pipeline; builds are twice as fast.');
    await form.locator('[name=obstacles]').fill('Waiting on the security review for the new cluster.');
    await form.locator('[name=priorities]').fill('Move the billing service onto the new cluster.');
    await form.locator('input[name=mood][value="4"]').check();
    await form.locator('button[type=submit]').click();
    await page.locator('#modal').waitFor({ state: 'hidden' });
    await page.locator('.msg', { hasText: 'twice as fast' }).first().waitFor();
    await shot('05-checkin-answered');

    // Teammates skip theirs in their own DMs.
    for (const name of ['Jonas Weber', 'Mia Schneider']) {
      await become(name);
      const theirs = page.locator('.msg', { hasText: 'Your weekly check-in' }).first();
      await theirs.waitFor();
      await theirs.locator('button', { hasText: 'Skip this week' }).click();
      await page.locator('.msg', { hasText: /skipped/i }).first().waitFor();
    }
    // Jonas also got Ana's kudos in his DM.
    await become('Jonas Weber');
    await page.locator('.msg', { hasText: 'calm, careful release' }).first().waitFor();

    // The manager sees the team summary in her DM, with Ana's answer.
    await become('Lena Fischer (manager)');
    const summary = page.locator('.msg', { hasText: 'Platform · check-ins for week' });
    await summary.first().waitFor({ timeout: 15_000 });
    expect(await summary.first().innerText()).toContain('twice as fast');
    await summary.first().locator('.mention', { hasText: '@Ana Souza' }).first().waitFor();
    await shot('06-manager-summary');

    // The same summary went to the team channel, rendered from the same view.
    await openConversation('# Platform');
    await page.locator('.msg', { hasText: 'Platform · check-ins for week' }).first().waitFor();
    await shot('07-team-channel');

    const checkins = await tandem.store.checkins.list({ teamId: platform.id, limit: 10 });
    expect(checkins.items.find((c) => c.personId === ana.id)?.status).toBe('answered');
  }, 180_000);
});
