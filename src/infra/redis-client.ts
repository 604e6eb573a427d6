// openRedis: one ioredis client for the configured Redis (redis_url, Sentinel or Cluster), with password and TLS.
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/types.js';

export type RedisClient = Redis | Cluster;

type RedisConfig = Config['revocation'];

function hostPort(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return at < 0 ? { host: text, port: 6379 } : { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

/** The configured Redis as Deps carries it: open clients on it with the caller's options. */
export interface RedisAccess {
  /** Open a client (see openRedis): the configured address, password and TLS, plus `options`. */
  open(options: RedisOptions): RedisClient;
  /** revocation.command_timeout: the longest one command (or a connect) may take on this Redis. */
  readonly commandTimeout: number;
}

/** Deps.redis for the revocation section's connection settings; undefined when it names no Redis. */
export function createRedisAccess(config: RedisConfig): RedisAccess | undefined {
  if (!hasRedis(config)) return undefined;
  return { open: (options) => openRedis(config, options), commandTimeout: config.command_timeout };
}

/** True when the config names a Redis (URL, Sentinel or Cluster). */
export function hasRedis(config: Pick<RedisConfig, 'redis_url' | 'sentinel' | 'cluster'>): boolean {
  return config.redis_url !== undefined || config.sentinel !== undefined || config.cluster !== undefined;
}

/**
 * Open a client with the caller's connection options (timeouts, offline queue, retry strategy), adding the configured
 * password and TLS; for Cluster the per-node options go to redisOptions. Throws when no Redis is configured.
 */
export function openRedis(config: RedisConfig, options: RedisOptions): RedisClient {
  const { redis_url, sentinel, cluster } = config;
  const tls = config.tls_ca !== undefined ? { ca: config.tls_ca } : config.tls ? {} : undefined;
  const secured: RedisOptions = {
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(tls === undefined ? {} : { tls }),
  };
  if (cluster) {
    const { retryStrategy, enableOfflineQueue, lazyConnect, ...redisOptions } = options;
    const clusterOptions: ClusterOptions = {
      ...(lazyConnect === undefined ? {} : { lazyConnect }),
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) ?? null } : {}),
      redisOptions: { ...redisOptions, ...secured },
    };
    return new Cluster(cluster.map(hostPort), clusterOptions);
  }
  if (sentinel) {
    return new Redis({
      ...options,
      ...secured,
      ...(tls === undefined ? {} : { enableTLSForSentinelMode: true }),
      sentinels: sentinel.sentinels.map(hostPort),
      name: sentinel.name,
      ...(sentinel.password === undefined ? {} : { sentinelPassword: sentinel.password }),
    });
  }
  // A URL carries its own password and scheme (rediss:// → TLS); explicit config keys still win.
  if (redis_url) return new Redis(redis_url, { ...options, ...secured });
  throw new Error('no redis_url, sentinel or cluster configured');
}
