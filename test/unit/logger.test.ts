import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const logOnce = (pretty: boolean) =>
  run('npx', ['tsx', '-e', `import { createLogger } from './src/logger.ts'; const l = createLogger('info', { pretty: ${pretty} }); l.info({ personId: 'p1' }, 'hello'); l.flush();`], { timeout: 30_000 });

describe('logs', () => {
  it('are pretty-printed in development (pino-pretty) and JSON lines otherwise', async () => {
    const pretty = (await logOnce(true)).stdout;
    expect(pretty).toMatch(/INFO.*hello/);
    expect(pretty).toContain('personId: "p1"');
    const json = (await logOnce(false)).stdout.trim();
    expect(JSON.parse(json)).toMatchObject({ level: 30, msg: 'hello', personId: 'p1', service: 'tandem' });
  });
});
