// The process's router pool: a router is reused while the routing section is unchanged, replaced (the old one closed)
// when it changes, and released with its keyway_upstream_healthy series when no generation uses it.
import { describe, expect, it } from 'vitest';
import type { RoutingSettings } from '../../../src/config/types.js';
import { createRouter, type Router } from '../../../src/route/router.js';
import { createRouterPool } from '../../../src/route/router-pool.js';
import { fakeHealthFetch, routingConfig, testDeps } from './helpers.js';

/** A pool over real routers whose close() calls are recorded (by the upstreams the router had). */
function newPool() {
  const config = routingConfig({});
  const deps = testDeps(config, fakeHealthFetch(new Set()));
  const closed: string[][] = [];
  const pool = createRouterPool(deps, 'test', (routing, d, options): Router => {
    const router = createRouter(routing, d, options);
    return {
      ...router,
      close: async () => {
        closed.push(routing.default_upstreams);
        await router.close();
      },
    };
  });
  const series = async (name: string) =>
    (await deps.metrics.registry.metrics())
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`))
      .sort();
  const healthySeries = () => series('keyway_upstream_healthy');
  /** The upstreams keyway_upstream_health_checks_total has a series for. */
  const checkedUpstreams = async () => [
    ...new Set(
      (await series('keyway_upstream_health_checks_total')).map((l) => /upstream="([^"]+)"/.exec(l)?.[1]),
    ),
  ];
  return { pool, closed, healthySeries, checkedUpstreams };
}

const routing = (upstreams: string[], health: Record<string, unknown> = {}): RoutingSettings =>
  routingConfig({ default_upstreams: upstreams, health: { interval: '1h', timeout: '1s', ...health } })
    .routing;

describe('router pool', () => {
  it('reuses the running router while the routing section is unchanged (an equal section parsed again)', async () => {
    const { pool, closed } = newPool();
    const first = pool.take(routing(['10.0.0.1:80']));
    await first.router.start();
    const again = pool.take(routing(['10.0.0.1:80']));
    expect(first.fresh).toBe(true);
    expect(again.fresh).toBe(false);
    expect(again.router).toBe(first.router);
    await pool.sweep(new Set([again.key]));
    expect(closed).toEqual([]);
    await pool.sweep(new Set());
  });

  it('a changed section gets a new router; the sweep closes the old one', async () => {
    const { pool, closed } = newPool();
    const old = pool.take(routing(['10.0.0.1:80']));
    await old.router.start();
    const next = pool.take(routing(['10.0.0.1:80'], { path: '/ready' }));
    expect(next.fresh).toBe(true);
    expect(next.router).not.toBe(old.router);
    await next.router.start();
    await pool.sweep(new Set([next.key]));
    expect(closed).toEqual([['10.0.0.1:80']]);
    await pool.sweep(new Set());
    expect(closed).toEqual([['10.0.0.1:80'], ['10.0.0.1:80']]);
  });

  it('removes the health series of upstreams only the released router tracked, keeps the shared ones', async () => {
    const { pool, healthySeries, checkedUpstreams } = newPool();
    const old = pool.take(routing(['10.0.0.1:80', '10.0.0.2:80']));
    await old.router.start();
    const next = pool.take(routing(['10.0.0.2:80', '10.0.0.3:80']));
    await next.router.start();
    expect(await healthySeries()).toEqual([
      'keyway_upstream_healthy{upstream="10.0.0.1:80"} 1',
      'keyway_upstream_healthy{upstream="10.0.0.2:80"} 1',
      'keyway_upstream_healthy{upstream="10.0.0.3:80"} 1',
    ]);
    expect(await checkedUpstreams()).toEqual(['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80']);
    await pool.sweep(new Set([next.key]));
    expect(await healthySeries()).toEqual([
      'keyway_upstream_healthy{upstream="10.0.0.2:80"} 1',
      'keyway_upstream_healthy{upstream="10.0.0.3:80"} 1',
    ]);
    expect(await checkedUpstreams()).toEqual(['10.0.0.2:80', '10.0.0.3:80']);
    await pool.sweep(new Set());
    expect(await healthySeries()).toEqual([]);
    expect(await checkedUpstreams()).toEqual([]);
  });

  it('registers the routing metrics once: a second router of the process builds on the same families', async () => {
    const { pool } = newPool();
    const a = pool.take(routing(['10.0.0.1:80']));
    const b = pool.take(routing(['10.0.0.9:80']));
    await Promise.all([a.router.start(), b.router.start()]);
    expect(a.router.select({ instance: undefined, version: undefined }, undefined, 'deny').upstream).toBe(
      '10.0.0.1:80',
    );
    await pool.sweep(new Set());
  });
});
