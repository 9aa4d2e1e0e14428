import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * The one logger: JSON lines on stdout, secrets redacted. Written
 * asynchronously (pino.destination with sync: false), so a burst of requests
 * does not wait on stdout; pino flushes what is buffered when the process exits.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tandem' },
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-slack-signature"]', '*.token', '*.password', '*.secret'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
