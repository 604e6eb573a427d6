// createRouter: the route table, its health checks and the choice instance → version → default, behind one interface.
import type { RoutingSettings } from '../config/types.js';
import type { Deps, ReadinessCheck } from '../deps.js';
import { KeywayError } from '../errors.js';
import { createHealthChecker } from './health.js';
import { redisConnector } from './redis-connect.js';
import { createRouteMetrics, type RouteMetrics } from './route-metrics.js';
import { selectUpstream } from './select.js';
import { buildRouteTable, type RouteTable, tableRules } from './table.js';
import { createFileTableSource } from './table-file.js';
import { createRedisTableSource } from './table-redis.js';
import { createStaticTableSource, type TableSource } from './table-source.js';

/** The routing keys the pipeline filled from the claim templates (undefined when a claim was missing). */
export interface RouteKeys {
  readonly instance: string | undefined;
  readonly version: string | undefined;
}

/** The upstream keyway names in X-Route-Upstream and which key it came from (X-Route-Match). */
export interface RouteChoice {
  readonly upstream: string;
  readonly match: 'instance' | 'version' | 'default';
}

/** The router the pipeline calls; built once per config by createRouter. */
export interface Router {
  /** False when no route table is configured: the pipeline then emits no X-Route-Upstream/X-Route-Match. */
  readonly enabled: boolean;
  /**
   * Memory-only and synchronous: the instance key's, else the version key's, else the default upstreams, healthy
   * ones only, stable per stickyKey; throws KeywayError('no_upstream') when nothing is healthy (with 'last_known':
   * only when no upstream was ever chosen for these keys or it has left the table).
   */
  select(
    keys: RouteKeys,
    stickyKey: string | undefined,
    onNoUpstream: 'deny' | 'last_known',
    /** False for a dry run (explain): nothing remembered as last known, nothing counted. */
    record?: boolean,
  ): RouteChoice;
  readonly readiness: ReadinessCheck;
  start(): Promise<void>;
  close(): Promise<void>;
  /** Snapshot for /admin/routes and print-config: keys → upstreams with health. */
  snapshot(): RouteSnapshot;
}

/** What GET /admin/routes answers: the table, each upstream's health and the source's state. */
export interface RouteSnapshot {
  readonly enabled: boolean;
  readonly source: ReturnType<TableSource['status']> | undefined;
  readonly health: RoutingSettings['health'];
  readonly routes: Readonly<Record<string, readonly { upstream: string; healthy: boolean }[]>>;
  readonly default: readonly { upstream: string; healthy: boolean }[];
  readonly upstreams: ReturnType<ReturnType<typeof createHealthChecker>['snapshot']>;
}

const LAST_KNOWN_MAX = 10_000;

function createSource(
  routing: RoutingSettings,
  deps: Deps,
  metrics: RouteMetrics,
  source: string,
): TableSource | undefined {
  const rules = tableRules(routing);
  const common = { rules, clock: deps.clock, log: deps.log.child({ component: 'routes' }), metrics };
  if (routing.table_file !== undefined) {
    return createFileTableSource({
      ...common,
      path: routing.table_file,
      pollInterval: routing.poll_interval,
    });
  }
  if (routing.redis) {
    return createRedisTableSource({
      ...common,
      key: routing.redis_key,
      resyncInterval: routing.resync_interval,
      connect: redisConnector(deps.redis, source),
    });
  }
  if (routing.default_upstreams.length > 0)
    return createStaticTableSource(buildRouteTable([], undefined, rules), deps.clock);
  return undefined;
}

/** Options of createRouter. */
export interface RouterOptions {
  /** Where the config came from, named by a ConfigError (default "config"). */
  readonly configSource?: string;
  /** The process's routing metrics (its router pool registers them once); default: registered on deps' registry. */
  readonly metrics?: RouteMetrics;
  /** A table source of the caller's instead of the one the section names (tests push tables). */
  readonly source?: TableSource;
}

/**
 * Build the router for the resolved `routing` section (or on `options.source`); throws ConfigError when Redis is asked
 * for and deps.redis is undefined.
 */
export function createRouter(routing: RoutingSettings, deps: Deps, options: RouterOptions = {}): Router {
  const metrics = options.metrics ?? createRouteMetrics(deps.metrics.registry);
  const source = options.source ?? createSource(routing, deps, metrics, options.configSource ?? 'config');
  const health = createHealthChecker(routing.health, {
    ...deps,
    log: deps.log.child({ component: 'health' }),
    metrics,
  });
  const lastKnown = new Map<string, RouteChoice>();
  let table: RouteTable = buildRouteTable([], [], tableRules(routing));
  let rotation = 0;
  let started = false;
  let closed = false;

  const remember = (memo: string, choice: RouteChoice, record: boolean): RouteChoice => {
    if (!record) return choice;
    if (lastKnown.get(memo)?.upstream !== choice.upstream) {
      lastKnown.delete(memo);
      if (lastKnown.size >= LAST_KNOWN_MAX) lastKnown.delete(lastKnown.keys().next().value as string);
      lastKnown.set(memo, choice);
    }
    metrics.selections.inc({ match: choice.match });
    return choice;
  };

  const isHealthy = (u: string) => health.isHealthy(u);
  const view = (list: readonly string[]) =>
    list.map((upstream) => ({ upstream, healthy: isHealthy(upstream) }));

  return {
    enabled: source !== undefined,
    select(keys, stickyKey, onNoUpstream, record = true) {
      const memo = `${keys.instance ?? ''}\n${keys.version ?? ''}`;
      rotation = (rotation + 1) % 0x7fffffff;
      const tiers = [
        ['instance', keys.instance === undefined ? undefined : table.routes.get(keys.instance)],
        ['version', keys.version === undefined ? undefined : table.routes.get(keys.version)],
        ['default', table.defaults],
      ] as const;
      for (const [match, candidates] of tiers) {
        if (candidates === undefined) continue;
        const upstream = selectUpstream(candidates, isHealthy, stickyKey, rotation);
        if (upstream !== undefined) return remember(memo, { upstream, match }, record);
      }
      const last = onNoUpstream === 'last_known' ? lastKnown.get(memo) : undefined;
      // Only an upstream still listed for these keys may be emitted: one removed from the table must never be dialled
      // again, and one moved to other keys (another tenant's backend) must not receive these keys' traffic.
      if (last !== undefined && tiers.some(([, list]) => list?.includes(last.upstream))) {
        if (record) {
          metrics.noUpstream.inc({ outcome: 'last_known' });
          metrics.selections.inc({ match: 'last_known' });
        }
        return last;
      }
      if (record) metrics.noUpstream.inc({ outcome: 'deny' });
      throw new KeywayError('no_upstream', `no healthy upstream for ${JSON.stringify(keys)}`);
    },
    readiness: {
      name: 'routes',
      check() {
        if (!source) return { ok: true, detail: 'no route table configured' };
        if (!started)
          return { ok: false, detail: 'loading the route table and running the first health checks' };
        const status = source.status();
        if (!status.loaded)
          return {
            ok: false,
            detail: `route table not loaded from ${status.kind} ${status.location}: ${status.lastError ?? 'pending'}`,
          };
        const healthy = table.upstreams.filter(isHealthy).length;
        return {
          ok: true,
          detail: `${table.routes.size} routes, ${healthy}/${table.upstreams.length} upstreams healthy`,
        };
      },
    },
    async start() {
      if (!source) return;
      let latest: RouteTable | undefined;
      const swap = (next: RouteTable) => {
        table = next;
        metrics.tableRoutes.set(next.routes.size);
        void health.setUpstreams(next.upstreams);
      };
      await source.start((next) => {
        if (!started) return swap(next); // the first table: health.start() checks it before readiness
        // A later table swaps in only once its new upstreams had their first check (the current ones stay checked
        // meanwhile), so a cutover to new backends never answers no_upstream while their checks are pending.
        latest = next;
        void health.setUpstreams([...new Set([...table.upstreams, ...next.upstreams])]).then(() => {
          if (latest === next && !closed) swap(next);
        });
      });
      await health.start();
      started = true;
    },
    async close() {
      closed = true;
      await source?.close();
      await health.close();
    },
    snapshot() {
      const routes: Record<string, { upstream: string; healthy: boolean }[]> = {};
      for (const [key, list] of [...table.routes].sort(([a], [b]) => (a < b ? -1 : 1)))
        routes[key] = view(list);
      return {
        enabled: source !== undefined,
        source: source?.status(),
        health: routing.health,
        routes,
        default: view(table.defaults),
        upstreams: health.snapshot(),
      };
    },
  };
}
