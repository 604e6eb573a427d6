// createRouterPool: the process's routers, keyed by the routing section, shared by every generation.
import type { RoutingSettings } from '../config/types.js';
import type { Deps } from '../deps.js';
import { removeSeriesWith } from '../infra/metric-series.js';
import { createPartPool } from '../lib/part-pool.js';
import { sectionKey } from '../lib/section-key.js';
import { createRouteMetrics } from './route-metrics.js';
import { createRouter, type Router, type RouterOptions } from './router.js';

/** Routers held across reloads: an unchanged routing section keeps its table, health states and last-known upstreams. */
export interface RouterPool {
  /** The running router for `routing`, else a new one (not started: its generation starts it). Throws ConfigError. */
  take(routing: RoutingSettings): { readonly key: string; readonly router: Router; readonly fresh: boolean };
  /** Close every router whose key is not in `keep`; then remove keyway_upstream_healthy and
   *  keyway_upstream_health_checks_total of each upstream it tracked that no kept router tracks (after the close, so a
   *  last health check cannot report it again). */
  sweep(keep: ReadonlySet<string>): Promise<void>;
}

/** Builds one router (createRouter; a test injects a faulty one). */
export type RouterFactory = (routing: RoutingSettings, deps: Deps, options: RouterOptions) => Router;

/** The pool key of a router: a digest of the resolved routing section (sectionKey). */
export function routerKey(routing: RoutingSettings): string {
  return sectionKey(routing);
}

/** Build the pool and register the routing metrics (once: every router it builds shares them). */
export function createRouterPool(
  deps: Deps,
  source: string,
  create: RouterFactory = createRouter,
): RouterPool {
  const metrics = createRouteMetrics(deps.metrics.registry);
  const pool = createPartPool<Router>((router) =>
    router.close().catch((err: unknown) => deps.log.warn({ err }, 'closing a router failed')),
  );
  const upstreamsOf = (routers: readonly Router[]) =>
    new Set(routers.flatMap((router) => router.snapshot().upstreams.map((u) => u.upstream)));
  return {
    take(routing) {
      const key = routerKey(routing);
      const { part, fresh } = pool.take(key, () => create(routing, deps, { configSource: source, metrics }));
      return { key, router: part, fresh };
    },
    async sweep(keep) {
      const gone = await pool.sweep(keep);
      const kept = upstreamsOf(pool.parts());
      for (const upstream of upstreamsOf(gone)) {
        if (kept.has(upstream)) continue;
        metrics.upstreamHealthy.remove({ upstream });
        await removeSeriesWith(metrics.healthChecks, { upstream });
      }
    },
  };
}
