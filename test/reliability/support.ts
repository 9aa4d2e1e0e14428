import { spawn, type ChildProcess } from 'node:child_process';
import type { Config } from '../../src/config.js';
import type { FakeSlack } from '../support/fake-slack.js';

/** The environment that makes a child Tandem share a test Tandem's database, queues and fake platforms. */
export function childEnv(config: Config, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    MONGODB_URI: config.MONGODB_URI,
    REDIS_URL: config.REDIS_URL,
    QUEUE_PREFIX: config.QUEUE_PREFIX,
    ...extra,
  };
}

/** Starts test/reliability/tandem-process.ts and resolves once it prints `ready`. */
export async function spawnTandem(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/reliability/tandem-process.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      if (process.env.CHILD_LOGS) process.stderr.write(d);
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`child Tandem exited before it was ready (${code ?? signal})`)));
  });
  return child;
}

/** SIGKILL, as a crash or an OOM kill would: no shutdown code runs. Resolves once the process is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pages at the fake Slack, by message key: the keys of `expected` never sent, and every key sent more than once. */
export function pagesByKey(fake: FakeSlack, expected: readonly string[]): { skipped: string[]; twice: string[] } {
  const count = new Map<string, number>();
  for (const call of fake.callsTo('chat.postMessage')) {
    const key = (call.args.metadata as { event_payload: { key: string } }).event_payload.key;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  return { skipped: expected.filter((k) => !count.has(k)), twice: [...count].filter(([, n]) => n > 1).map(([k]) => k) };
}
