// The routing metrics, registered once per process (its router pool hands them to every router it builds).
import { Counter, Gauge, type Registry } from 'prom-client';

/** The routing metrics; upstream labels are bounded by the validated table. */
export interface RouteMetrics {
  readonly upstreamHealthy: Gauge<'upstream'>;
  readonly healthChecks: Counter<'upstream' | 'outcome'>;
  readonly selections: Counter<'match'>;
  readonly noUpstream: Counter<'outcome'>;
  readonly tableReloads: Counter<'source' | 'outcome'>;
  readonly tableRoutes: Gauge;
}

/** Register keyway's routing metrics on `registry` (throws when they already are: register them once). */
export function createRouteMetrics(registry: Registry): RouteMetrics {
  const registers = [registry];
  return {
    upstreamHealthy: new Gauge({
      name: 'keyway_upstream_healthy',
      help: '1 when the upstream passes its active health check, else 0 (upstreams of the route table).',
      labelNames: ['upstream'],
      registers,
    }),
    healthChecks: new Counter({
      name: 'keyway_upstream_health_checks_total',
      help: 'Active health checks by upstream and outcome (ok|http_error|timeout|network).',
      labelNames: ['upstream', 'outcome'],
      registers,
    }),
    selections: new Counter({
      name: 'keyway_route_selections_total',
      help: 'Upstream choices by match (instance|version|default|last_known).',
      labelNames: ['match'],
      registers,
    }),
    noUpstream: new Counter({
      name: 'keyway_route_no_upstream_total',
      help: 'Choices with no healthy upstream, by outcome (deny|last_known).',
      labelNames: ['outcome'],
      registers,
    }),
    tableReloads: new Counter({
      name: 'keyway_route_table_reloads_total',
      help: 'Route table loads by source (file|redis) and outcome (ok|invalid|error).',
      labelNames: ['source', 'outcome'],
      registers,
    }),
    tableRoutes: new Gauge({
      name: 'keyway_route_table_routes',
      help: 'Routing keys in the current route table.',
      registers,
    }),
  };
}
