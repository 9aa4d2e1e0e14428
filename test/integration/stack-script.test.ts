import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, OwnServer } from '../support/servers.js';

const run = promisify(execFile);

/** scripts/stack.sh as `npm run demo` calls it (issue 11 point 7). Leaves the shared stack alone: every server here is on its own port. */
describe('the local stack script on other ports', () => {
  const mongo = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/tandem';
  const started: number[] = [];
  afterAll(() => {
    for (const pid of started) {
      try {
        process.kill(pid);
      } catch {
        // already gone
      }
    }
  });
  const stack = (env: Record<string, string>) =>
    run('bash', ['scripts/stack.sh', 'start'], { env: { ...process.env, MONGODB_URI: mongo, ...env } }).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );

  it('refuses a Redis it did not start, naming it and how to choose another port', async () => {
    const port = await freePort();
    const foreign = OwnServer.redis(port);
    await foreign.start();
    try {
      const refused = await stack({ STACK_OWN_REDIS: '1', REDIS_PORT: String(port) });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`a Redis this stack did not start already answers on 127.0.0.1:${port}`);
      expect(refused.stderr).toMatch(/redis_version:\d/);
      expect(refused.stderr).toContain('REDIS_PORT=6380 npm run demo');
      expect((await stack({ STACK_OWN_REDIS: '1', REDIS_PORT: String(port), REDIS_REUSE: '1' })).code).toBe(0);
      // Tests (no STACK_OWN_REDIS) keep sharing whatever answers, as before.
      expect((await stack({ REDIS_PORT: String(port) })).code).toBe(0);
    } finally {
      await foreign.stop();
    }
  });

  it('starts its own Redis on REDIS_PORT, or on the port of a local REDIS_URL, and knows it again', async () => {
    const port = await freePort();
    const first = await stack({ STACK_OWN_REDIS: '1', REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(first.stderr).toContain(`Redis started on 127.0.0.1:${port}`);
    const pidfile = `.local/run/redis-${port}.pid`;
    started.push(Number(readFileSync(pidfile, 'utf8')));
    const again = await stack({ STACK_OWN_REDIS: '1', REDIS_PORT: String(port) });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`Redis already answers on 127.0.0.1:${port}`);
    process.kill(started.pop() ?? 0);
    rmSync(pidfile, { force: true });
  });

  it('starts nothing for servers on other hosts', async () => {
    const r = await stack({ MONGODB_URI: 'mongodb://db.example.com:27017/tandem', REDIS_URL: 'redis://cache.example.com:6379' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('MONGODB_URI names another host');
    expect(r.stderr).toContain('REDIS_URL names another host');
  });

  it('npm start, npm run dev and the demo read .env', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain('--env-file-if-exists=.env');
    expect(scripts.dev).toContain('--env-file-if-exists=.env');
    expect(readFileSync('scripts/demo.sh', 'utf8')).toContain('--env-file=.env');
  });
});
