import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

/** Runs `tsx src/main.ts` with only the given variables (and PATH/HOME) in its environment. */
function startWith(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'src/main.ts'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 55_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('configuration', () => {
  it('runs with no variables at all: defaults for the local stack, Slack and Teams credentials optional', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ HOST: '127.0.0.1', PORT: 3000, MONGODB_URI: 'mongodb://127.0.0.1:27017/tandem', REDIS_URL: 'redis://127.0.0.1:6379', NODE_ENV: 'development', CONSOLE_ENABLED: true });
    expect(c.SLACK_BOT_TOKEN).toBeUndefined();
    expect(c.MICROSOFT_APP_ID).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'production', SURVEY_SECRET: 's'.repeat(32) }).CONSOLE_ENABLED).toBe(false);
  });

  it('treats empty variables as unset, as docker compose passes them', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '', PORT: '' }).PORT).toBe(3000);
  });

  it('names each wrong variable and says what is expected', () => {
    const p = problems({ PORT: 'eighty', MONGODB_URI: 'postgres://db/x', LOG_LEVEL: 'loud', SHUTDOWN_TIMEOUT_MS: '5', ADMIN_BODY_LIMIT: 'big', TEAMS_ENABLED: 'maybe' });
    const byVar = (name: string) => p.find((x) => x.startsWith(`${name}:`)) ?? '';
    expect(byVar('PORT')).toMatch(/expected a port number.*"eighty"/);
    expect(byVar('MONGODB_URI')).toMatch(/expected a URL like mongodb:\/\/127\.0\.0\.1:27017\/tandem/);
    expect(byVar('LOG_LEVEL')).toMatch(/info/);
    expect(byVar('SHUTDOWN_TIMEOUT_MS')).toMatch(/100/);
    expect(byVar('ADMIN_BODY_LIMIT')).toMatch(/expected a size like 100kb/);
    expect(byVar('TEAMS_ENABLED')).toMatch(/expected true or false/);
  });

  it('requires platform credentials in pairs, and never echoes secrets', () => {
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([expect.stringMatching(/^SLACK_SIGNING_SECRET: Slack needs both/)]);
    expect(problems({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'not-a-bot-token' })).toEqual([expect.stringMatching(/^SLACK_BOT_TOKEN: expected a bot token starting xoxb-$/)]);
    expect(problems({ MICROSOFT_APP_ID: 'id' })).toEqual([expect.stringMatching(/^MICROSOFT_APP_PASSWORD: required/)]);
    expect(problems({ MICROSOFT_APP_TYPE: 'SingleTenant' })).toEqual([expect.stringMatching(/^MICROSOFT_APP_TENANT_ID: required/)]);
    expect(problems({ DEMO_MODE: 'true', NODE_ENV: 'production', SURVEY_SECRET: 's'.repeat(32) })).toEqual([expect.stringMatching(/^DEMO_MODE: /)]);
  });

  it('requires SURVEY_SECRET in production only, and a floor of at least 3', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([expect.stringMatching(/^SURVEY_SECRET: required in production/)]);
    expect(problems({ SURVEY_SECRET: 'short' })).toEqual([expect.stringMatching(/^SURVEY_SECRET: expected at least 32 characters/)]);
    expect(problems({ SURVEY_MIN_GROUP: '2' })).toEqual([expect.stringMatching(/^SURVEY_MIN_GROUP: never below 3/)]);
    expect(loadConfig({})).toMatchObject({ SURVEY_MIN_GROUP: 5, SURVEY_FATIGUE_DAYS: 7 });
  });

  it('stops the process with exit code 1 and a message naming the variable', async () => {
    const [bad, slack] = await Promise.all([startWith({ PORT: 'eighty', REDIS_URL: 'http://cache' }), startWith({ SLACK_SIGNING_SECRET: 'secret-value' })]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Invalid configuration');
    expect(bad.stderr).toMatch(/PORT: expected a port number \(got "eighty"\)/);
    expect(bad.stderr).toMatch(/REDIS_URL: expected a URL like redis:\/\/127\.0\.0\.1:6379/);

    expect(slack.code).toBe(1);
    expect(slack.stderr).toMatch(/SLACK_BOT_TOKEN: Slack needs both SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN, or neither/);
    expect(slack.stderr).not.toContain('secret-value');
  }, 60_000);
});
