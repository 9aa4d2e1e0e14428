/** `npm run admin:token -- --name NAME --scopes people:read,people:write` | `--revoke NAME` | `--list` */
import { Redis } from 'ioredis';
import { ConfigError, loadConfig } from '../src/config.js';
import { AuditLog } from '../src/core/audit.js';
import { systemClock } from '../src/core/clock.js';
import { adminRoutes } from '../src/http/admin/routes.js';
import { runTokenCommand } from '../src/http/admin/token-command.js';
import { knownScopes } from '../src/http/admin/tokens.js';
import { RedisInvalidation } from '../src/jobs/invalidation.js';
import { closeRedis } from '../src/jobs/redis.js';
import { createLogger } from '../src/logger.js';
import { connectMongo } from '../src/store/connection.js';
import { createStore } from '../src/store/index.js';
import { syncIndexes } from '../src/store/models.js';

async function main(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger('error');
  const conn = await connectMongo(config.MONGODB_URI, logger);
  try {
    const store = createStore(conn);
    await syncIndexes(conn);
    // A revoked token is dropped from the running processes' caches (main.ts subscribes); without Redis they drop it
    // when their cached entry expires (10 s).
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    redis.on('error', () => undefined);
    const invalidation = new RedisInvalidation(redis, `${config.QUEUE_PREFIX}:cache:invalidate`, logger);
    let connected: Promise<void> | undefined;
    const published: Promise<void>[] = [];
    store.cache.onInvalidate((kind, key) => {
      connected ??= redis.connect().catch((err: unknown) => logger.error({ err }, 'could not reach Redis: running processes drop the token within 10 s'));
      published.push(connected.then(() => invalidation.publish(`store.${kind}`, key)));
    });
    const audit = new AuditLog({ audit: store.audit, clock: systemClock, logger });
    const result = await runTokenCommand(process.argv.slice(2), { tokens: store.tokens, scopes: knownScopes(adminRoutes), now: () => new Date(), audit });
    await Promise.all(published);
    if (connected) await closeRedis(redis);
    else redis.disconnect();
    if (result.ok) process.stdout.write(`${result.output}\n`);
    else process.stderr.write(`admin:token: ${result.error}\n`);
    return result.ok ? 0 : 1;
  } finally {
    await conn.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`admin:token: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
