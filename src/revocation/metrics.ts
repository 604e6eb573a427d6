// Revocation metrics on the shared registry (prefix keyway_revocation_), registered once by the process's guard;
// gauges read the guard's state at scrape time.
import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a full resync ran (a bounded label). */
export type ResyncCause =
  | 'start'
  | 'reconnect'
  | 'feed_gap'
  | 'generation'
  | 'regression'
  | 'peer_reseed'
  | 'error';

/** The metrics the guard and the sync update directly (gauges read RevocationState at scrape time). */
export interface RevocationMetrics {
  /** Checks allowed although the mirror was stale (fail mode open). */
  readonly staleAllowed: Counter;
  readonly resyncs: Counter<'cause'>;
  readonly reseeded: Counter;
  /** Record how long a change took from the writer to this mirror. */
  observeFeedLag(seconds: number): void;
}

/** What the gauges read at scrape time. */
export interface RevocationState {
  readonly size: number;
  readonly stalenessSeconds: number;
  readonly redisConnected: boolean;
}

function scrapedGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/**
 * Register the revocation metrics on `registry`; `read` is called at scrape time. Throws when they are registered
 * already: one guard per process (a reload keeps it), so a second registration is a wiring bug.
 */
export function createRevocationMetrics(registry: Registry, read: () => RevocationState): RevocationMetrics {
  let lag = 0;
  scrapedGauge(
    registry,
    'keyway_revocation_mirror_size',
    "Entries (jti + subject) in this instance's revocation mirror.",
    () => read().size,
  );
  scrapedGauge(
    registry,
    'keyway_revocation_staleness_seconds',
    'Seconds since the revocation mirror was last confirmed complete (+Inf before the first load).',
    () => read().stalenessSeconds,
  );
  scrapedGauge(
    registry,
    'keyway_revocation_feed_lag_seconds',
    "Delay of the last change received on the feed, from the writer's clock to this instance.",
    () => lag,
  );
  scrapedGauge(
    registry,
    'keyway_revocation_redis_connected',
    '1 while connected to Redis (0 in memory mode).',
    () => (read().redisConnected ? 1 : 0),
  );
  return {
    staleAllowed: counter(
      registry,
      'keyway_revocation_stale_allowed_total',
      'Checks allowed with a stale mirror because the fail mode is open.',
      [],
    ),
    resyncs: counter(registry, 'keyway_revocation_resyncs_total', 'Full resyncs of the mirror, by cause.', [
      'cause',
    ]),
    reseeded: counter(
      registry,
      'keyway_revocation_reseeded_total',
      'Entries this instance wrote back to Redis after Redis lost them.',
      [],
    ),
    observeFeedLag(seconds) {
      lag = Math.max(0, seconds);
    },
  };
}
