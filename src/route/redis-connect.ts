// Redis connections for the route table: the same Redis as revocation (URL, Sentinel or Cluster, password, TLS).
import type { Config } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { hasRedis, openRedis } from '../infra/redis-client.js';
import type { RedisClient } from './table-redis-layout.js';

/** Connections from the config's revocation Redis settings; throws ConfigError when none is configured. */
export function redisConnector(config: Config): (purpose: 'commands' | 'subscriber') => RedisClient {
  if (!hasRedis(config.revocation)) {
    throw new ConfigError(config.source, [
      'routing.redis: expected revocation.redis_url (REDIS_URL), revocation.sentinel or revocation.cluster',
    ]);
  }
  // Commands fail fast while disconnected (the request path never waits on Redis); subscriptions queue and resubscribe.
  return (purpose) =>
    openRedis(config.revocation, {
      enableOfflineQueue: purpose === 'subscriber',
      maxRetriesPerRequest: 1,
      // A Redis that stops answering on an open connection must not stall table reads (or start) for minutes.
      ...(purpose === 'commands' ? { commandTimeout: config.revocation.command_timeout } : {}),
      connectTimeout: config.revocation.command_timeout,
      connectionName: `keyway-routes-${purpose}`,
    });
}
