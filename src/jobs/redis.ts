import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';

/**
 * Closes an ioredis connection for good and resolves once its socket is gone
 * ('end'), so nothing of it holds the process open. It disconnects rather
 * than quits: a quit would wait for Redis during an outage, and callers close
 * a connection only when nothing waits on it any more.
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  redis.disconnect();
  await ended;
}

/**
 * Warns when the Redis behind the queues may lose them: no append-only file and no snapshots keeps nothing across
 * a restart, and any `maxmemory-policy` but `noeviction` lets Redis drop BullMQ's keys under memory pressure.
 * Tandem still starts (the reconciler rebuilds schedules and due work from MongoDB), but jobs queued for later
 * can be lost. A managed Redis that refuses CONFIG is not judged (logged at debug).
 */
export async function checkRedisDurability(redis: Redis, logger: Logger): Promise<void> {
  let config: Map<string, string>;
  try {
    const replies = await Promise.all(['appendonly', 'save', 'maxmemory-policy'].map((name) => redis.config('GET', name) as Promise<string[]>));
    config = new Map(replies.flatMap((pairs) => (pairs[0] !== undefined ? [[pairs[0], pairs[1] ?? '']] : [])));
  } catch (err) {
    logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'could not read the Redis configuration (CONFIG GET refused); persistence and eviction not checked');
    return;
  }
  const appendonly = config.get('appendonly');
  const save = config.get('save');
  if (appendonly === 'no' && save === '') {
    logger.warn(
      { appendonly, save },
      'Redis keeps nothing across a restart (appendonly no, no save points): queued reminders, closes and escalations are lost with it. Run it with --appendonly yes --appendfsync everysec',
    );
  }
  const policy = config.get('maxmemory-policy');
  if (policy !== undefined && policy !== 'noeviction') {
    logger.warn({ maxmemoryPolicy: policy }, `Redis may evict keys (maxmemory-policy ${policy}): BullMQ needs noeviction, or queued jobs can vanish. Set --maxmemory-policy noeviction`);
  }
}
