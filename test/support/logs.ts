import type { DestinationStream } from 'pino';
import { createLogger } from '../../src/logger.js';

export interface LogEntry {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

/**
 * A pino logger that keeps every entry in memory, for tests that assert what
 * Tandem logs (pass it as `startTestTandem(env, { logger })`). pino's levels:
 * 50 error, 60 fatal.
 */
export function capturingLogger(level = 'info') {
  const entries: LogEntry[] = [];
  const destination: DestinationStream = { write: (line: string) => void entries.push(JSON.parse(line) as LogEntry) };
  const logger = createLogger(level, { destination });
  return {
    logger,
    entries,
    /** Entries at error level or above, as short lines for an assertion message. */
    errors: () => entries.filter((e) => e.level >= 50).map((e) => `${e.msg ?? ''} ${JSON.stringify(e.err ?? '')}`.slice(0, 500)),
    clear: () => entries.splice(0),
  };
}
