import { pino, type Logger } from 'pino';

/** The one logger: JSON lines on stdout, secrets redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'tandem' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-slack-signature"]', '*.token', '*.password', '*.secret'],
      censor: '[redacted]',
    },
  });
}
