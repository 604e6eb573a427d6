import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, KeywayError } from '../../../src/errors.js';
import { createRouter, type Router } from '../../../src/route/router.js';
import { createFakeTime, type FakeTime, settle } from '../../helpers/fake-time.js';
import { createGate, createPushTableSource, fakeHealthFetch, routingConfig, testDeps } from './helpers.js';

const I1 = '10.0.0.1:8001';
const I2 = '10.0.0.2:8002';
const DEF = '10.0.0.3:8003';
const TABLE = `routes:\n  t1/svc/blue/i1: ${I1}\n  t1/svc/blue/i2: ${I2}\n  t1/svc/blue: [${I1}, ${I2}]\ndefault: ${DEF}\n`;

let routers: Router[] = [];
afterEach(async () => {
  await Promise.all(routers.map((r) => r.close()));
  routers = [];
});

async function start(down: Set<string>, table = TABLE, extra: Record<string, unknown> = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'keyway-router-')), 'routes.yaml');
  writeFileSync(file, table);
  const config = routingConfig({
    table_file: file,
    health: { interval: '1m', unhealthy_threshold: 1 },
    ...extra,
  });
  const deps = testDeps(config, fakeHealthFetch(down));
  const router = createRouter(config.routing, deps);
  routers.push(router);
  await router.start();
  return { router, deps, file };
}

/** A router on a table the test pushes (createPushTableSource): no file, no watch, no polling. */
async function startPushed(
  table: string,
  options: {
    down?: Set<string>;
    fetch?: typeof fetch;
    time?: FakeTime;
    routing?: Record<string, unknown>;
  } = {},
) {
  const config = routingConfig({ health: { interval: '1m', unhealthy_threshold: 1 }, ...options.routing });
  const deps = testDeps(config, options.fetch ?? fakeHealthFetch(options.down ?? new Set()), options.time);
  const source = createPushTableSource(config, table);
  const router = createRouter(config.routing, deps, { source });
  routers.push(router);
  await router.start();
  return { router, deps, source };
}

/** A health-check fetch that holds `host`'s check until `gate` opens (every other upstream answers at once). */
const holding = (host: string, gate: { readonly wait: Promise<void> }): typeof fetch => {
  const fast = fakeHealthFetch(new Set());
  return (async (input: string | URL | Request, init?: RequestInit) => {
    if (new URL(String(input)).host === host) await gate.wait;
    return fast(input, init);
  }) as typeof fetch;
};

const keys = (instance: string | undefined, version: string | undefined) => ({ instance, version });

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof KeywayError) return err.reason;
    throw err;
  }
  return undefined;
}

describe('createRouter', () => {
  it('is disabled without a table, and enabled by default_upstreams alone', async () => {
    const none = createRouter(
      routingConfig({}).routing,
      testDeps(routingConfig({}), fakeHealthFetch(new Set())),
    );
    expect(none.enabled).toBe(false);
    expect(none.readiness.check()).toEqual({ ok: true, detail: 'no route table configured' });
    const config = routingConfig({ default_upstreams: [DEF], health: { enabled: false } });
    const only = createRouter(config.routing, testDeps(config, fakeHealthFetch(new Set())));
    routers.push(only);
    await only.start();
    expect(only.enabled).toBe(true);
    expect(only.select(keys('a/b/c/d', 'a/b/c'), 'alice', 'deny')).toEqual({
      upstream: DEF,
      match: 'default',
    });
  });

  it.each([
    {
      name: 'instance key with a healthy upstream',
      keys: keys('t1/svc/blue/i1', 't1/svc/blue'),
      down: [],
      want: { upstream: I1, match: 'instance' },
    },
    {
      name: 'instance down → version',
      keys: keys('t1/svc/blue/i1', 't1/svc/blue'),
      down: [I1],
      want: { upstream: I2, match: 'version' },
    },
    {
      name: 'no instance claim → version',
      keys: keys(undefined, 't1/svc/blue'),
      down: [I2],
      want: { upstream: I1, match: 'version' },
    },
    {
      name: 'unknown instance → version',
      keys: keys('t1/svc/blue/i9', 't1/svc/blue'),
      down: [I1],
      want: { upstream: I2, match: 'version' },
    },
    {
      name: 'unknown version → default',
      keys: keys('t1/svc/green/i1', 't1/svc/green'),
      down: [],
      want: { upstream: DEF, match: 'default' },
    },
    {
      name: 'no keys at all → default',
      keys: keys(undefined, undefined),
      down: [],
      want: { upstream: DEF, match: 'default' },
    },
    {
      name: 'instance and version down → default',
      keys: keys('t1/svc/blue/i1', 't1/svc/blue'),
      down: [I1, I2],
      want: { upstream: DEF, match: 'default' },
    },
  ])('$name', async ({ keys: k, down, want }) => {
    const { router } = await start(new Set(down));
    expect(router.select(k, 'alice', 'deny')).toEqual(want);
  });

  it('a dry run (record: false, as explain does) remembers nothing as last known and counts nothing', async () => {
    const time = createFakeTime();
    const down = new Set<string>();
    const health = { interval: '40ms', timeout: '20ms', unhealthy_threshold: 1 };
    const { router, deps } = await startPushed(TABLE, { down, time, routing: { health } });
    const k = keys('t1/svc/blue/i1', 't1/svc/blue');
    expect(router.select(k, 'alice', 'last_known', false)).toEqual({ upstream: I1, match: 'instance' });
    for (const u of [I1, I2, DEF]) down.add(u);
    await time.advance(40); // one check interval: every upstream fails its check
    expect(router.snapshot().upstreams.filter((u) => u.healthy)).toEqual([]);
    expect(reason(() => router.select(k, 'alice', 'last_known', false))).toBe('no_upstream');
    expect(await deps.metrics.registry.metrics()).not.toMatch(
      /keyway_route_(selections|no_upstream)_total\{/,
    );
  });

  it('a table that moves a key to new upstreams swaps in only after their first check: never no_upstream meanwhile', async () => {
    const gate = createGate();
    const { router, source } = await startPushed(`routes:\n  t1/svc/blue: ${I1}\n`, {
      fetch: holding(I2, gate),
    });
    const k = keys(undefined, 't1/svc/blue');
    source.push(`routes:\n  t1/svc/blue: ${I2}\n`);
    await settle();
    expect(router.select(k, 'alice', 'deny').upstream).toBe(I1); // I2's first check is still running
    gate.open();
    await settle();
    expect(router.select(k, 'alice', 'deny').upstream).toBe(I2);
  });

  it('a second save while the new upstream’s first check runs still waits for that check', async () => {
    const gate = createGate();
    const { router, source } = await startPushed(`routes:\n  t1/svc/blue: ${I1}\n`, {
      fetch: holding(I2, gate),
    });
    const k = keys(undefined, 't1/svc/blue');
    source.push(`routes:\n  t1/svc/blue: ${I2}\n`);
    await settle();
    source.push(`routes:\n  t1/svc/blue: ${I2}\n  t1/svc/green: ${I2}\n`);
    await settle();
    expect(router.select(k, 'alice', 'deny').upstream).toBe(I1);
    expect(router.snapshot().routes['t1/svc/green']).toBeUndefined();
    gate.open();
    await settle();
    expect(router.select(k, 'alice', 'deny').upstream).toBe(I2);
    expect(router.snapshot().routes['t1/svc/green']).toBeDefined();
  });

  it('keeps a subject on one version upstream and spreads subjects over both', async () => {
    const { router } = await start(new Set());
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const first = router.select(keys(undefined, 't1/svc/blue'), `user-${i}`, 'deny').upstream;
      expect(router.select(keys(undefined, 't1/svc/blue'), `user-${i}`, 'deny').upstream).toBe(first);
      seen.add(first);
    }
    expect([...seen].sort()).toEqual([I1, I2]);
  });

  it("nothing healthy: 'deny' throws no_upstream, 'last_known' answers the last choice for those keys", async () => {
    const time = createFakeTime();
    const down = new Set<string>();
    const health = { interval: '40ms', timeout: '20ms', unhealthy_threshold: 1 };
    const { router, deps } = await startPushed(TABLE, { down, time, routing: { health } });
    const k = keys('t1/svc/blue/i1', 't1/svc/blue');
    expect(router.select(k, 'alice', 'last_known')).toEqual({ upstream: I1, match: 'instance' });
    for (const u of [I1, I2, DEF]) down.add(u);
    await time.advance(40);
    expect(router.snapshot().upstreams.filter((u) => u.healthy)).toEqual([]);
    expect(reason(() => router.select(k, 'alice', 'deny'))).toBe('no_upstream');
    expect(router.select(k, 'bob', 'last_known')).toEqual({ upstream: I1, match: 'instance' });
    expect(reason(() => router.select(keys('t1/svc/other/i1', undefined), 'alice', 'last_known'))).toBe(
      'no_upstream',
    );
    const text = await deps.metrics.registry.metrics();
    expect(text).toContain('keyway_route_no_upstream_total{outcome="deny"} 2');
    expect(text).toContain('keyway_route_selections_total{match="last_known"} 1');
  });

  it('never answers a last-known upstream that has left the table', async () => {
    const down = new Set<string>();
    const { router, source } = await startPushed(`routes:\n  k/i: ${I1}\n`, { down });
    expect(router.select(keys('k/i', undefined), 'a', 'last_known')).toEqual({
      upstream: I1,
      match: 'instance',
    });
    down.add(I2);
    source.push(`routes:\n  k/i: ${I2}\n`);
    await settle(); // I2's first check (failed) ran, and the table swapped in
    expect(router.snapshot().routes['k/i']).toEqual([{ upstream: I2, healthy: false }]);
    expect(reason(() => router.select(keys('k/i', undefined), 'a', 'last_known'))).toBe('no_upstream');
  });

  it('never answers a last-known upstream that the table moved to other keys', async () => {
    const table = (ownerOfI1: string) => `routes:\n  ${ownerOfI1}: ${I1}\n  t2/svc/blue: ${I2}\n`;
    const { router, source } = await startPushed(table('t1/svc/blue'));
    const t1 = keys(undefined, 't1/svc/blue');
    expect(router.select(t1, 'a', 'last_known')).toEqual({ upstream: I1, match: 'version' });
    // I1 now serves tenant t3 only; t1 has no route left, and t3's backend must not get t1's traffic.
    source.push(table('t3/svc/blue'));
    await settle();
    expect(router.snapshot().routes['t3/svc/blue']).toBeDefined();
    expect(reason(() => router.select(t1, 'a', 'last_known'))).toBe('no_upstream');
  });

  it('shows keys, upstreams and health in the snapshot and readiness', async () => {
    const { router } = await start(new Set([I2]));
    const snap = router.snapshot();
    expect(snap.routes['t1/svc/blue']).toEqual([
      { upstream: I1, healthy: true },
      { upstream: I2, healthy: false },
    ]);
    expect(snap.default).toEqual([{ upstream: DEF, healthy: true }]);
    expect(snap.source).toMatchObject({ kind: 'file', loaded: true, lastError: undefined });
    expect(snap.upstreams.map((u) => u.upstream)).toEqual([I1, I2, DEF].sort());
    expect(router.readiness.check()).toEqual({ ok: true, detail: '3 routes, 2/3 upstreams healthy' });
  });

  it('refuses an invalid table at start with a ConfigError naming the file and key path', async () => {
    const err = await start(new Set(), 'routes:\n  k: http://x:80\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).source).toMatch(/routes\.yaml$/);
    expect((err as ConfigError).issues[0]).toMatchObject({
      path: 'routes["k"]',
      code: 'invalid_route_table',
    });
  });

  it('refuses redis: true without a Redis connection in the config', () => {
    const config = routingConfig({ redis: true });
    expect(() => createRouter(config.routing, testDeps(config, fakeHealthFetch(new Set())))).toThrow(
      ConfigError,
    );
  });
});
