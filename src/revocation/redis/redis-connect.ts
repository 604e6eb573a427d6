// Redis connections for revocation from the config: redis_url (redis://, rediss://), Sentinel or Cluster.
import type { RedisOptions } from 'ioredis';
import type { Config } from '../../config/types.js';
import { hasRedis, openRedis, type RedisClient } from '../../infra/redis-client.js';

export { hasRedis, type RedisClient };

/** `commands` for writes, loads and heartbeats; `feed` for the blocking reads of the change stream. */
export type RedisPurpose = 'commands' | 'feed';

/** Open a lazily connecting client for one purpose; the caller calls connect(). */
export type RedisConnector = (purpose: RedisPurpose) => RedisClient;

/** Reconnect quickly at first, then every second: a short outage should end in a resync, not a long wait. */
const retryDelay = (times: number): number => Math.min(50 * times, 1_000);

/** Build a connector; `blockMs` is the longest blocking read the feed client issues. Throws when no Redis is configured. */
export function createRedisConnector(config: Config['revocation'], blockMs: number): RedisConnector {
  return (purpose) => {
    // Commands fail fast while disconnected: a write answers 503 rather than waiting in a queue.
    const options: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: config.command_timeout,
      commandTimeout: purpose === 'feed' ? blockMs + config.command_timeout : config.command_timeout,
      connectionName: `keyway-revocation-${purpose}`,
      retryStrategy: retryDelay,
    };
    return openRedis(config, options);
  };
}
