import type { Redis } from 'ioredis';

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
