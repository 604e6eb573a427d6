// Redis connections for the route table: the same Redis as revocation (URL, Sentinel or Cluster, password, TLS).
import type { Config } from '../config/types.js';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { hasRedis, openRedis } from '../infra/redis-client.js';
import type { RedisClient } from './table-redis-layout.js';

/** The problem of `routing.redis: true` without a Redis to read the table from, if any. */
export function routingRedisProblem(config: {
  readonly routing: { readonly redis: boolean };
  readonly revocation: Pick<Config['revocation'], 'redis_url' | 'sentinel' | 'cluster'>;
}): ConfigProblem | undefined {
  if (!config.routing.redis || hasRedis(config.revocation)) return undefined;
  return {
    path: 'routing.redis',
    code: 'requires',
    message:
      'expected revocation.redis_url (REDIS_URL), revocation.sentinel or revocation.cluster: the route table is read from that Redis',
  };
}

/** Connections from the config's revocation Redis settings; throws ConfigError when none is configured. */
export function redisConnector(config: Config): (purpose: 'commands' | 'subscriber') => RedisClient {
  const problem = routingRedisProblem({ ...config, routing: { ...config.routing, redis: true } });
  if (problem) throw new ConfigError(config.source, [problem]);
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
