// Redis connections for revocation on the configured Redis (Deps.redis: redis_url, Sentinel or Cluster).
import type { RedisOptions } from 'ioredis';
import type { RedisAccess, RedisClient } from '../../infra/redis-client.js';

export type { RedisClient };

/** `commands` for writes, loads and heartbeats; `feed` for the blocking reads of the change stream. */
export type RedisPurpose = 'commands' | 'feed';

/** Open a lazily connecting client for one purpose; the caller calls connect(). */
export type RedisConnector = (purpose: RedisPurpose) => RedisClient;

/** Reconnect quickly at first, then every second: a short outage should end in a resync, not a long wait. */
const retryDelay = (times: number): number => Math.min(50 * times, 1_000);

/** Build a connector on `redis`; `blockMs` is the longest blocking read the feed client issues. */
export function createRedisConnector(redis: RedisAccess, blockMs: number): RedisConnector {
  return (purpose) => {
    // Commands fail fast while disconnected: a write answers 503 rather than waiting in a queue.
    const options: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: redis.commandTimeout,
      commandTimeout: purpose === 'feed' ? blockMs + redis.commandTimeout : redis.commandTimeout,
      connectionName: `keyway-revocation-${purpose}`,
      retryStrategy: retryDelay,
    };
    return redis.open(options);
  };
}
