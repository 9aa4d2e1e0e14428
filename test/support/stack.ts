import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { Redis } from 'ioredis';
import { configSchema, type Config } from '../../src/config.js';
import { startTandem, type StartOptions, type Tandem } from '../../src/main.js';
import { dropDatabases } from '../../src/store/databases.js';

const baseMongo = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/tandem';
const baseRedis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh database name and queue prefix per call, so test files never share state. */
export function isolatedNames(tag = 't'): { mongoUri: string; prefix: string } {
  const id = `${tag}_${randomBytes(5).toString('hex')}`;
  const url = new URL(baseMongo);
  url.pathname = `/tandem_test_${id}`;
  return { mongoUri: url.toString(), prefix: `tandem_test_${id}` };
}

/** A valid config for tests: isolated names, an ephemeral port, quiet logs. */
export function testConfig(env: Record<string, string> = {}): Config {
  const { mongoUri, prefix } = isolatedNames();
  return configSchema.parse({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    MONGODB_URI: mongoUri,
    REDIS_URL: baseRedis,
    QUEUE_PREFIX: prefix,
    SHUTDOWN_TIMEOUT_MS: '3000',
    ...env,
  });
}

/** Starts a whole Tandem in-process; `cleanup` stops it and drops its database and queue keys. */
export async function startTestTandem(env: Record<string, string> = {}, options: StartOptions = {}): Promise<Tandem & { cleanup(): Promise<void> }> {
  const config = testConfig(env);
  const tandem = await startTandem(config, options);
  return {
    ...tandem,
    cleanup: async () => {
      await tandem.stop();
      await dropTestData(config);
    },
  };
}

export async function dropTestData(config: Pick<Config, 'MONGODB_URI' | 'REDIS_URL' | 'QUEUE_PREFIX'>): Promise<void> {
  const conn = await mongoose.createConnection(config.MONGODB_URI).asPromise();
  await dropDatabases(conn);
  await conn.close();
  await dropQueueKeys(config.REDIS_URL, config.QUEUE_PREFIX);
}

/** Deletes every Redis key under a test's queue prefix. */
export async function dropQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}
