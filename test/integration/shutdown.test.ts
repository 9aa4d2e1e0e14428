import { spawn } from 'node:child_process';
import http from 'node:http';
import { Queue } from 'bullmq';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { reply } from '../../src/core/chat/chat.port.js';
import { v } from '../../src/core/chat/views.js';
import { defineJob } from '../../src/core/job-declarations.js';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { FakeSlack } from '../support/fake-slack.js';
import { eventually } from '../support/servers.js';
import { sendSlack, slackEnv, slashCommand } from '../support/slack.js';
import { dropTestData, isolatedNames, startTestTandem } from '../support/stack.js';

/** Graceful shutdown: stop() lets an HTTP request in flight and a running job finish before it resolves. */
describe('graceful shutdown', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let token: string;

  beforeAll(async () => {
    tandem = await startTestTandem({ SHUTDOWN_TIMEOUT_MS: '10000' });
    token = generateToken();
    await tandem.store.tokens.create({ name: 'shutdown', hash: hashToken(token), scopes: ['people:write'] });
  });
  afterAll(async () => {
    await tandem.stop();
    await dropTestData(tandem.config);
  });

  it('finishes the request in flight and the running job, refuses new connections, then closes', async () => {
    // A job that is running when stop() is called.
    let jobStarted!: () => void;
    const started = new Promise<void>((resolve) => (jobStarted = resolve));
    let jobFinished = false;
    tandem.jobs.declare(
      'system',
      defineJob('system.test-slow', z.object({}), async () => {
        jobStarted();
        await new Promise((r) => setTimeout(r, 1_000));
        jobFinished = true;
      }),
    );
    await tandem.jobs.enqueue('system.test-slow', {}, { jobId: 'system.test:slow' });
    await started;

    // A request in flight: its body is still arriving when stop() is called.
    const body = JSON.stringify({ name: 'Late Arrival', email: 'late@example.com' });
    const { port } = new URL(tandem.url);
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/people', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 500);
    });
    await new Promise((r) => setTimeout(r, 100));

    const stopAt = Date.now();
    const stopped = tandem.stop().then(() => ({ jobFinished, tookMs: Date.now() - stopAt }));
    await new Promise((r) => setTimeout(r, 100));
    // New connections are refused while the old work drains.
    await expect(fetch(`${tandem.url}/healthz`)).rejects.toThrow();

    const res = await response;
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ email: 'late@example.com' });
    const done = await stopped;
    expect(done.jobFinished).toBe(true);
    // Finished because the work was done, not because the 10 s deadline cut it short.
    expect(done.tookMs).toBeLessThan(5_000);
  });

  it('the process stops on SIGTERM during work: exit code 0 well within SHUTDOWN_TIMEOUT_MS, no connection left open', async () => {
    const { mongoUri, prefix } = isolatedNames('sigterm');
    const config = { MONGODB_URI: mongoUri, REDIS_URL: tandem.config.REDIS_URL, QUEUE_PREFIX: prefix };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, ...config, PORT: '0', NODE_ENV: 'test', LOG_LEVEL: 'debug', SHUTDOWN_TIMEOUT_MS: '10000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Work for the child's check-in worker: prompts for people it does not know (each one reads the store).
    const queue = new Queue('checkins', { connection: { url: config.REDIS_URL }, prefix });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`tandem did not start: ${stderr}`)), 60_000);
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const m = /"url":"(http:[^"]+)".*"msg":"tandem is up"/.exec(stdout);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const person = () => new Types.ObjectId().toString();
      await queue.addBulk(Array.from({ length: 2_000 }, (_, i) => ({ name: 'checkin.prompt', data: { personId: person(), teamId: person(), period: '2026-W48' }, opts: { jobId: `checkin.prompt|sigterm|${i}` } })));
      await eventually(async () => (await queue.getCompletedCount()) > 0, 20_000, 'the first prompt jobs to run');

      const at = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // It exits by itself, long before the forced exit (SHUTDOWN_TIMEOUT_MS + 1 s) would have fired with code 1.
      expect(Date.now() - at).toBeLessThan(5_000);
      expect(await queue.getWaitingCount()).toBeGreaterThan(0);
      expect(stderr).toContain('SIGTERM received, shutting down');
      expect(stderr).not.toContain('still running');
      expect(stdout).toContain('"msg":"stopped"');
      const resources = /"resources":(\[[^\]]*\]).*"msg":"active resources after stop"/.exec(stdout)?.[1];
      expect(resources).toBeDefined();
      // No TCP socket (Redis, MongoDB, HTTP) is open once stop() resolves.
      expect(JSON.parse(resources ?? '[]')).not.toContain('TCPSocketWrap');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await queue.close();
      await dropTestData(config);
    }
  }, 90_000);
});

describe('graceful shutdown with Slack', () => {
  it('finishes the work of a slash command acknowledged before stop() was called', async () => {
    const fake = await FakeSlack.start();
    const tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'false', SHUTDOWN_TIMEOUT_MS: '10000' }));
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      tandem.core.tandem.sub('slow', 'waits until the test lets it go', async () => {
        await gate;
        return reply.private(v.view('done', v.section('done after the ack')));
      });
      const res = await sendSlack(tandem.url, slashCommand({ text: 'slow', responseUrl: fake.responseUrl() }));
      expect(res.status).toBe(200);

      let stopped = false;
      const stopping = tandem.stop().then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(stopped).toBe(false);
      release();
      await stopping;
      expect(fake.responses.map((r) => JSON.stringify(r.body.blocks))).toEqual([expect.stringContaining('done after the ack')]);
    } finally {
      await tandem.stop();
      await fake.close();
      await dropTestData(tandem.config);
    }
  });
});
