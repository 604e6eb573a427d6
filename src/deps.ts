// Deps: the world keyway runs in (clock, timers, fetch, logger, metrics, Redis), passed to every factory. No config:
// each factory takes its resolved section. Only main.ts builds the real one (createDeps).
import type { Logger } from 'pino';
import type { Metrics } from './infra/metrics.js';
import type { RedisAccess } from './infra/redis-client.js';
import type { Clock } from './lib/clock.js';
import type { Timers } from './lib/timers.js';

export interface Deps {
  readonly clock: Clock;
  /** setTimeout / setInterval / clear: tests pass fake timers they advance. */
  readonly timers: Timers;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly fetch: typeof fetch;
  /** The configured Redis (revocation.redis_url, sentinel or cluster); undefined when none is configured. */
  readonly redis: RedisAccess | undefined;
}

/** A readiness check shown in /readyz (keys per issuer, revocation mirror, route table). */
export interface ReadinessCheck {
  readonly name: string;
  /** `gates: false` lists the state without making /readyz 503 when it fails (default true: it gates). */
  check(): { readonly ok: boolean; readonly detail: string; readonly gates?: boolean };
}
