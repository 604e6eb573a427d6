// The Redis route table against a real redis-server: first load, live changes via PUBLISH, refusal, Redis down at start.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { createRouter, type Router } from '../../src/route/router.js';
import { changeChannel, writeRouteTable } from '../../src/route/table-redis-layout.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { fakeHealthFetch, testDeps } from '../unit/route/helpers.js';

const A = '10.2.0.1:8001';
const B = '10.2.0.2:8002';
const D = '10.2.0.9:8009';
const KEY = 'keyway:routes';

let redis: RedisServer;
let client: Redis;
const routers: Router[] = [];

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  client.on('error', () => undefined);
});
afterAll(async () => {
  client.disconnect();
  await redis.close();
});
afterEach(async () => {
  await Promise.all(routers.splice(0).map((r) => r.close()));
});

const until = async (what: () => boolean, deadlineMs = 10_000): Promise<void> => {
  await waitFor('the route table to change', what, deadlineMs, 10);
};

async function newRouter(url = redis.url) {
  const config = parseConfig(
    {
      revocation: { redis_url: url },
      routing: { redis: true, resync_interval: '1h', health: { enabled: false } },
    },
    'test',
    { readFile: () => '' },
  );
  const deps = testDeps(config, fakeHealthFetch(new Set()));
  const router = createRouter(config.routing, deps);
  routers.push(router);
  await router.start();
  const pick = (version: string) => {
    try {
      return router.select({ instance: undefined, version }, 'alice', 'deny').upstream;
    } catch {
      return undefined;
    }
  };
  return { router, deps, pick };
}

describe('Redis route table', () => {
  it('loads the hash at start and follows every change published on <key>:changed, on every instance', async () => {
    await writeRouteTable(client, KEY, { routes: { 't1/svc/v1': [A] }, default: D });
    const one = await newRouter();
    const two = await newRouter();
    expect(one.pick('t1/svc/v1')).toBe(A);
    expect(one.pick('t1/svc/v2')).toBe(D);
    expect(one.router.readiness.check().ok).toBe(true);
    await writeRouteTable(client, KEY, { routes: { 't1/svc/v1': [B], 't1/svc/v2': A } });
    await until(() => one.pick('t1/svc/v1') === B && two.pick('t1/svc/v1') === B);
    expect(two.pick('t1/svc/v2')).toBe(A);
    expect(two.pick('t1/svc/v3')).toBeUndefined(); // no default any more
  });

  it('accepts a plain HSET + PUBLISH with comma-separated values', async () => {
    await writeRouteTable(client, KEY, { routes: { 't1/svc/v1': [A] } });
    const { router } = await newRouter();
    await client.hset(KEY, 't1/svc/v1', `${B}, ${A}`);
    await client.publish(changeChannel(KEY), '1');
    await until(() => router.snapshot().routes['t1/svc/v1']?.length === 2);
    expect(router.snapshot().routes['t1/svc/v1']?.map((u) => u.upstream)).toEqual([B, A]);
  });

  it('keeps the previous table when the hash disappears (Redis restarted empty, a wrong key) and says why', async () => {
    await writeRouteTable(client, KEY, { routes: { 't1/svc/v1': [A] } });
    const { router, pick } = await newRouter();
    await client.del(KEY);
    await client.publish(changeChannel(KEY), '1');
    await until(() => router.snapshot().source?.lastError !== undefined);
    expect(pick('t1/svc/v1')).toBe(A);
    expect(router.snapshot().source?.lastError).toBe(`the hash ${KEY} is missing or empty`);
    // A hash published again is read again.
    await writeRouteTable(client, KEY, { routes: { 't1/svc/v1': [B] } });
    await until(() => pick('t1/svc/v1') === B);
  });

  it('is not ready while no table was ever read (an empty hash is no table)', async () => {
    await client.del(KEY);
    const { router } = await newRouter();
    expect(router.readiness.check().ok).toBe(false);
  });

  it('keeps the previous table when a field is invalid and says why', async () => {
    await writeRouteTable(client, KEY, { routes: { 't1/svc/v1': [A] } });
    const { router, pick, deps } = await newRouter();
    await client.hset(KEY, 't1/svc/v1', 'http://evil.example/');
    await client.publish(changeChannel(KEY), '1');
    await until(() => router.snapshot().source?.lastError !== undefined);
    expect(pick('t1/svc/v1')).toBe(A);
    expect(router.snapshot().source?.lastError).toMatch(
      /^routes\["t1\/svc\/v1"\]\[0\]: expected "host:port"/,
    );
    expect(await deps.metrics.registry.metrics()).toContain(
      'keyway_route_table_reloads_total{source="redis",outcome="invalid"} 1',
    );
  });

  it('starts while Redis is down (not ready, nothing chosen), then loads once Redis is back', async () => {
    await writeRouteTable(client, KEY, { routes: { 't1/svc/v1': [A] } });
    await redis.save();
    await redis.stop();
    // start() resolves with Redis down (were it to wait for Redis, this test would time out, not pass).
    const { router, pick } = await newRouter();
    expect(router.readiness.check().ok).toBe(false);
    expect(pick('t1/svc/v1')).toBeUndefined();
    await redis.start({ keepData: true });
    await until(() => pick('t1/svc/v1') === A, 20_000);
    expect(router.readiness.check().ok).toBe(true);
    client.disconnect();
    client = new Redis(redis.url);
    client.on('error', () => undefined);
  });
});
