import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** pino-pretty is a devDependency: development logs are pretty only where it is installed. */
function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * The one logger, secrets redacted. In production (and tests) JSON lines on
 * stdout, written asynchronously (pino.destination with sync: false), so a
 * burst of requests does not wait on stdout; pino flushes what is buffered
 * when the process exits. With `pretty` (development) and pino-pretty
 * installed, a readable colour line per entry (pino-pretty in a worker
 * thread). A test may pass its own `destination` to read what is logged.
 */
export function createLogger(level: string, opts: { pretty?: boolean; destination?: DestinationStream } = {}): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'tandem' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-slack-signature"]', '*.token', '*.password', '*.secret'],
      censor: '[redacted]',
    },
  };
  if (opts.destination) return pino(options, opts.destination);
  if (opts.pretty && prettyAvailable()) {
    return pino(options, pino.transport({ target: 'pino-pretty', options: { destination: 1, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } }));
  }
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
