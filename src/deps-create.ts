// createDeps: the real world for a Config — system clock and timers, global fetch, pino logger, a fresh metrics
// registry, the configured Redis.
import type { Config } from './config/types.js';
import type { Deps } from './deps.js';
import { createLogger } from './infra/log.js';
import { createMetrics } from './infra/metrics.js';
import { createRedisAccess } from './infra/redis-client.js';
import { systemClock } from './lib/clock.js';
import { systemTimers } from './lib/timers.js';

/** Build Deps for `config` (its log level, its Redis); any part can be overridden (tests pass a silent logger, a
 *  manual clock, fake timers, …). */
export function createDeps(config: Config, overrides: Partial<Deps> = {}): Deps {
  return {
    clock: overrides.clock ?? systemClock,
    timers: overrides.timers ?? systemTimers,
    log: overrides.log ?? createLogger(config.log.level),
    metrics: overrides.metrics ?? createMetrics(),
    fetch: overrides.fetch ?? globalThis.fetch,
    redis: 'redis' in overrides ? overrides.redis : createRedisAccess(config.revocation),
  };
}
