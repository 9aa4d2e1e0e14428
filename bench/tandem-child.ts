import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import type { ChildMessage } from './checkins-tandem.js';

/** Tandem in a process of its own (bench/checkins-tandem.ts), and the IPC to drive it. */
export interface TandemChild {
  child: ChildProcess;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  /** The next message the child sends; rejects if it exits first. */
  next<T>(): Promise<T>;
  /** Sends a message and waits for the child's answer. */
  ask<T>(message: ChildMessage): Promise<T>;
}

let built = false;

/**
 * The compiled build Tandem runs from, as `npm start` and the image run it: BENCH_TANDEM_DIST, or `dist` built
 * once now by `npm run build`. BENCH_TANDEM_SRC=1 runs src/ through tsx instead (before session 14 every bench
 * did; it costs CPU per request: see bench/README.md).
 */
function compiledBuild(env: NodeJS.ProcessEnv): string | undefined {
  if (env.BENCH_TANDEM_SRC === '1') return undefined;
  if (env.BENCH_TANDEM_DIST) return env.BENCH_TANDEM_DIST;
  if (!built) {
    process.stderr.write('building Tandem (npm run build) for the benchmark\n');
    if (spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' }).status !== 0) throw new Error('npm run build failed');
    built = true;
  }
  return 'dist';
}

export function forkTandem(env: NodeJS.ProcessEnv, nodeArgs: readonly string[]): TandemChild {
  const dist = compiledBuild(env);
  const childEnv = dist ? { ...env, BENCH_TANDEM_DIST: dist } : env;
  const child = fork('bench/checkins-tandem.ts', { execArgv: [...nodeArgs, '--import', 'tsx'], env: childEnv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`Tandem exited with code ${code}`));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        resolve(m as T);
      });
    });
  const ask = <T>(message: ChildMessage) => {
    const answer = next<T>();
    child.send(message);
    return answer;
  };
  return { child, exited, next, ask };
}
