import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FakeSlack } from '../support/fake-slack.js';
import { sendSlack, slackEnv, slashCommand } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';

interface Manifest {
  display_information: { name: string; description: string };
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean };
    bot_user: { display_name: string };
    slash_commands: { command: string; url: string; description: string; should_escape: boolean }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
  };
}

const manifest = parse(readFileSync(new URL('../../manifests/slack/manifest.yaml', import.meta.url), 'utf8')) as Manifest;

describe('Slack app manifest', () => {
  let fake: FakeSlack;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  beforeAll(async () => {
    fake = await FakeSlack.start();
    tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'false' }));
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await fake?.close();
  });

  it('parses and points commands, events and interactivity at /slack/events', () => {
    expect(manifest.display_information.name).toBe('Tandem');
    const urls = [...manifest.features.slash_commands.map((c) => c.url), manifest.settings.event_subscriptions.request_url, manifest.settings.interactivity.request_url];
    for (const url of urls) expect(url).toBe('https://YOUR-HOST/slack/events');
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.app_home).toMatchObject({ home_tab_enabled: true, messages_tab_enabled: true });
    // Mentions in command text arrive as <@U…|name> only when Slack escapes them.
    for (const c of manifest.features.slash_commands) expect(c.should_escape).toBe(true);
  });

  it('asks for the scopes and events Tandem uses', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(['commands', 'chat:write', 'im:history', 'im:write', 'users:read', 'users:read.email', 'app_mentions:read', 'channels:read']),
    );
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(expect.arrayContaining(['app_home_opened', 'message.im', 'app_mention', 'app_uninstalled', 'tokens_revoked']));
  });

  it('lists exactly the commands Tandem handles, and each one reaches its handler', async () => {
    const inManifest = manifest.features.slash_commands.map((c) => c.command.replace(/^\//, '')).sort();
    expect(inManifest).toEqual(tandem.core.interactions.commandNames().sort());
    for (const name of inManifest) {
      const res = await sendSlack(tandem.url, slashCommand({ command: `/${name}`, text: 'help', responseUrl: fake.responseUrl(name) }));
      expect(res.status).toBe(200);
    }
    const responses = await fake.waitForResponses(inManifest.length);
    expect(JSON.stringify(responses.map((r) => r.body))).not.toContain("I don't know");
  });
});
