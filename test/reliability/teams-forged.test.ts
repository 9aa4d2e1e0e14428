import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { identityKey } from '../../src/core/people/people.types.js';
import { FakeConnector } from '../support/fake-connector.js';
import { capturingLogger } from '../support/logs.js';
import { startTestTandem } from '../support/stack.js';
import { cardAction, MEGAN, personalConversationId, postActivity, TEAMS_TENANT, teamsMessage } from '../support/teams.js';

/** Probes of issue 11 point 3: Teams closed by default in production. */
/** Production needs a survey secret; its value does not matter here. */
const SURVEY_SECRET = 'teams-forged-test-survey-secret-000000';

describe('Teams in production: closed by default', () => {
  it('refuses to start with Teams on and no Bot Framework credentials, naming the way out', () => {
    let problems: string[] = [];
    try {
      loadConfig({ NODE_ENV: 'production', SURVEY_SECRET, TEAMS_ENABLED: 'true' });
    } catch (err) {
      if (err instanceof ConfigError) problems = err.problems;
    }
    expect(problems.join('\n')).toMatch(/MICROSOFT_APP_ID: Teams is on in production without Bot Framework credentials.*TEAMS_ALLOW_UNAUTHENTICATED=true/);
    // Teams is off by default in production until credentials are given, as docker compose runs it.
    expect(loadConfig({ NODE_ENV: 'production', SURVEY_SECRET }).TEAMS_ENABLED).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', SURVEY_SECRET, MICROSOFT_APP_ID: 'x', MICROSOFT_APP_PASSWORD: 'y' }).TEAMS_ENABLED).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', SURVEY_SECRET, TEAMS_ENABLED: 'true', TEAMS_ALLOW_UNAUTHENTICATED: 'true' }).TEAMS_ENABLED).toBe(true);
    expect(loadConfig({}).TEAMS_ENABLED).toBe(true);
  });

  describe('with credentials', () => {
    let tandem: Awaited<ReturnType<typeof startTestTandem>>;
    let target: FakeConnector;
    beforeAll(async () => {
      target = await FakeConnector.start({ members: [MEGAN] });
      tandem = await startTestTandem({ NODE_ENV: 'production', SURVEY_SECRET, MICROSOFT_APP_ID: '00000000-0000-4000-8000-0000000000aa', MICROSOFT_APP_PASSWORD: 'not-a-real-secret' }, { workers: false });
    });
    afterAll(async () => {
      await tandem?.cleanup();
      await target?.close();
    });

    it('refuses forged activities (no token, a made-up token) with 401: nobody mapped, nothing sent to the named serviceUrl', async () => {
      const forged = [
        await postActivity(tandem.url, teamsMessage({ serviceUrl: target.serviceUrl, from: MEGAN, text: 'help' })),
        await postActivity(tandem.url, teamsMessage({ serviceUrl: target.serviceUrl, from: MEGAN, text: 'help' }), { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzZXJ2aWNldXJsIjoieCJ9.' }),
        await postActivity(tandem.url, cardAction({ serviceUrl: target.serviceUrl, from: MEGAN, verb: 'help.more', replyToId: '1' })),
      ];
      expect(forged.map((r) => r.status)).toEqual([401, 401, 401]);
      expect(target.requests).toHaveLength(0);
      expect(await tandem.core.people.byIdentityKey(identityKey.teams(TEAMS_TENANT, MEGAN.aadObjectId))).toBeNull();
    });
  });

  describe('without credentials, knowingly (TEAMS_ALLOW_UNAUTHENTICATED=true)', () => {
    let tandem: Awaited<ReturnType<typeof startTestTandem>>;
    let teams: FakeConnector;
    let attacker: FakeConnector;
    const logs = capturingLogger('warn');
    beforeAll(async () => {
      teams = await FakeConnector.start({ members: [MEGAN] });
      attacker = await FakeConnector.start({ members: [MEGAN] });
      tandem = await startTestTandem(
        { NODE_ENV: 'production', SURVEY_SECRET, TEAMS_ENABLED: 'true', TEAMS_ALLOW_UNAUTHENTICATED: 'true', TEAMS_SERVICE_URLS: teams.serviceUrl },
        { workers: false, logger: logs.logger },
      );
    });
    afterAll(async () => {
      await tandem?.cleanup();
      await teams?.close();
      await attacker?.close();
    });

    it('says so at boot, at warn level', () => {
      expect(logs.entries.some((e) => e.level === 40 && /WITHOUT authentication in production/.test(e.msg ?? ''))).toBe(true);
    });

    it('never replies to a serviceUrl an unauthenticated body names: 403, nothing sent there, nothing stored', async () => {
      const lookalike = attacker.serviceUrl.replace('127.0.0.1', 'localhost');
      for (const serviceUrl of [attacker.serviceUrl, lookalike, teams.serviceUrl.replace(/\/$/, '@evil.example/')]) {
        const res = await postActivity(tandem.url, teamsMessage({ serviceUrl, from: MEGAN, text: 'help' }));
        expect(res.status, serviceUrl).toBe(403);
      }
      expect(attacker.requests).toHaveLength(0);
      expect(await tandem.store.teamsConversations.byKey(`personal:${identityKey.teams(TEAMS_TENANT, MEGAN.aadObjectId)}`)).toBeNull();
    });

    it('still answers on the configured Teams service URL', async () => {
      const res = await postActivity(tandem.url, teamsMessage({ serviceUrl: teams.serviceUrl, from: MEGAN, text: 'help' }));
      expect(res.status).toBe(200);
      await teams.waitForActivity((a) => a.conversationId === personalConversationId(MEGAN));
    });
  });
});
