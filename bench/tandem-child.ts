import { fork, type ChildProcess } from 'node:child_process';
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

export function forkTandem(env: NodeJS.ProcessEnv, nodeArgs: readonly string[]): TandemChild {
  const child = fork('bench/checkins-tandem.ts', { execArgv: [...nodeArgs, '--import', 'tsx'], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
