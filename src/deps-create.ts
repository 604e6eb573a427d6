// createDeps: the real world for a Config — system clock and timers, global fetch, pino logger, a fresh metrics registry.
import type { Config } from './config/types.js';
import type { Deps } from './deps.js';
import { createLogger } from './infra/log.js';
import { createMetrics } from './infra/metrics.js';
import { systemClock } from './lib/clock.js';
import { systemTimers } from './lib/timers.js';

/** Build Deps for `config`; any part can be overridden (tests pass a silent logger, a manual clock, …). */
export function createDeps(config: Config, overrides: Partial<Omit<Deps, 'config'>> = {}): Deps {
  return {
    config,
    clock: overrides.clock ?? systemClock,
    timers: overrides.timers ?? systemTimers,
    log: overrides.log ?? createLogger(config.log.level),
    metrics: overrides.metrics ?? createMetrics(),
    fetch: overrides.fetch ?? globalThis.fetch,
  };
}
