// Deps: the world keyway runs in (clock, timers, fetch, logger, metrics), passed to every factory. Only main.ts builds the real one.
import type { Logger } from 'pino';
import type { Config } from './config/types.js';
import type { Metrics } from './infra/metrics.js';
import type { Clock } from './lib/clock.js';
import type { Timers } from './lib/timers.js';

export interface Deps {
  readonly config: Config;
  readonly clock: Clock;
  /** setTimeout / setInterval / clear: tests pass fake timers they advance. */
  readonly timers: Timers;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly fetch: typeof fetch;
}

/** A readiness check shown in /readyz (keys per issuer, revocation mirror, route table). */
export interface ReadinessCheck {
  readonly name: string;
  /** `gates: false` lists the state without making /readyz 503 when it fails (default true: it gates). */
  check(): { readonly ok: boolean; readonly detail: string; readonly gates?: boolean };
}
