import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../scripts/teams-package.js';
import { FakeConnector } from '../support/fake-connector.js';
import { startTestTandem } from '../support/stack.js';
import { MEGAN, personalConversationId, postActivity, teamsMessage } from '../support/teams.js';

/** The words people type to Tandem in Teams: every top-level command but `tandem`, and every `/tandem` subcommand. */
function commandWords(tandem: Awaited<ReturnType<typeof startTestTandem>>): string[] {
  const top = tandem.core.interactions.commandNames().filter((n) => n !== 'tandem');
  const subs = tandem.core.tandem.summaries().map((s) => s.name.replace(/^tandem /, ''));
  return [...new Set(['help', ...top, ...subs])].sort();
}

/** Teams shows at most 10 commands per list; these work when typed but are left out of the menu. */
const TYPED_ONLY = ['silence'];

describe('Teams manifest commands', () => {
  let connector: FakeConnector;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  beforeAll(async () => {
    connector = await FakeConnector.start({ members: [MEGAN] });
    tandem = await startTestTandem({ TEAMS_ENABLED: 'true' }, { workers: false });
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await connector?.close();
  });

  it('lists every command Tandem handles in each scope, but the typed-only ones (add new ones to manifests/teams/manifest.json)', () => {
    const words = commandWords(tandem).filter((w) => !TYPED_ONLY.includes(w));
    for (const list of readManifest().bots[0]!.commandLists!) {
      expect(list.commands.length).toBeLessThanOrEqual(10);
      expect(list.commands.map((c) => c.title.split(' ')[0]).sort(), `scopes ${list.scopes.join(',')}`).toEqual(words);
    }
  });

  it('each listed command typed to Tandem reaches its handler', async () => {
    const titles = new Set(readManifest().bots[0]!.commandLists!.flatMap((l) => l.commands.map((c) => c.title)));
    for (const title of titles) {
      connector.clear();
      const res = await postActivity(tandem.url, teamsMessage({ serviceUrl: connector.serviceUrl, from: MEGAN, text: title }));
      expect(res.status).toBe(200);
      const replies = connector.sentTo(personalConversationId(MEGAN));
      expect(replies.length, title).toBeGreaterThan(0);
      expect(JSON.stringify(replies.map((r) => r.activity)), title).not.toMatch(/I don't know|Something went wrong/);
    }
  });
});
