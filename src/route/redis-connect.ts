// Redis connections for the route table: the process's Redis (Deps.redis, the revocation section's connection).
import type { Config } from '../config/types.js';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { hasRedis, type RedisAccess } from '../infra/redis-client.js';
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

/** Connections on `redis`; throws ConfigError (naming `source`, where the config came from) when it is undefined. */
export function redisConnector(
  redis: RedisAccess | undefined,
  source: string,
): (purpose: 'commands' | 'subscriber') => RedisClient {
  if (redis === undefined) {
    const problem = routingRedisProblem({ routing: { redis: true }, revocation: {} });
    throw new ConfigError(source, problem ? [problem] : []);
  }
  // Commands fail fast while disconnected (the request path never waits on Redis); subscriptions queue and resubscribe.
  return (purpose) =>
    redis.open({
      enableOfflineQueue: purpose === 'subscriber',
      maxRetriesPerRequest: 1,
      // A Redis that stops answering on an open connection must not stall table reads (or start) for minutes.
      ...(purpose === 'commands' ? { commandTimeout: redis.commandTimeout } : {}),
      connectTimeout: redis.commandTimeout,
      connectionName: `keyway-routes-${purpose}`,
    });
}
