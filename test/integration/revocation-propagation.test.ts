// Two guards (two instances) on one real Redis: propagation, subjects, expiry, un-revoke, changes missed while cut off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { nowSec, outcome, startGuard, startTcpProxy, type TestGuard } from './revocation-helpers.js';

describe('revocation across instances (real Redis)', () => {
  let redis: RedisServer;
  let a: TestGuard;
  let b: TestGuard;

  beforeAll(async () => {
    redis = await startRedis();
    a = await startGuard({ redis_url: redis.url });
    b = await startGuard({ redis_url: redis.url });
  });
  afterAll(async () => {
    await a?.guard.close();
    await b?.guard.close();
    await redis?.close();
  });

  it('is ready after the first load and reports Redis mode', () => {
    expect(a.guard.readiness.check().ok).toBe(true);
    expect(b.guard.stats()).toMatchObject({ mode: 'redis', connected: true, size: 0 });
  });

  it('revoke on A → B denies; prints the measured propagation time', async () => {
    const claims = { jti: 'prop-1', sub: 'alice', iat: nowSec() };
    expect(outcome(b.guard, claims)).toBe('ok');
    const started = performance.now();
    await a.guard.revokeJti({ jti: 'prop-1', exp: nowSec() + 600, reason: 'leaked', actor: 'test' });
    expect(outcome(a.guard, claims)).toBe('revoked');
    await waitFor('B to deny prop-1', () => outcome(b.guard, claims) === 'revoked', 5_000, 1);
    const ms = performance.now() - started;
    console.log(`revocation propagation A → B: ${ms.toFixed(1)} ms (write acknowledged + feed delivery)`);
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await a.guard.revokeJti({ jti: `prop-sample-${i}`, exp: nowSec() + 600 });
      await waitFor(
        'B to deny the sample',
        () => outcome(b.guard, { jti: `prop-sample-${i}` }) === 'revoked',
        5_000,
        0,
      );
      samples.push(performance.now() - t0);
    }
    samples.sort((x, y) => x - y);
    console.log(
      `revocation propagation over 20 writes: median ${samples[10]!.toFixed(1)} ms, max ${samples[19]!.toFixed(1)} ms`,
    );
  });

  it('subject revocation denies tokens issued at or before T and spares those issued after', async () => {
    const t = nowSec();
    await b.guard.revokeSubject({ sub: 'bob', before: t, actor: 'test' });
    await waitFor(
      'A to learn the subject revocation',
      () => outcome(a.guard, { sub: 'bob', iat: t }) === 'revoked',
    );
    expect(outcome(a.guard, { sub: 'bob', iat: t - 100 })).toBe('revoked');
    expect(outcome(a.guard, { sub: 'bob' })).toBe('revoked'); // no iat: cannot prove it is newer
    expect(outcome(a.guard, { sub: 'bob', iat: t + 1 })).toBe('ok');
    expect(outcome(a.guard, { sub: 'carol', iat: t - 100 })).toBe('ok');
  });

  it('un-revoking on B lets the token through on A again', async () => {
    await a.guard.revokeJti({ jti: 'undo-1', exp: nowSec() + 600 });
    await waitFor('B to deny undo-1', () => outcome(b.guard, { jti: 'undo-1' }) === 'revoked');
    expect(await b.guard.unrevokeJti('undo-1')).toBe(true);
    expect(await b.guard.unrevokeJti('undo-1')).toBe(false);
    await waitFor('A to allow undo-1 again', () => outcome(a.guard, { jti: 'undo-1' }) === 'ok');
  });

  it('a far-future exp or before (e.g. a verified token with a huge exp) is written whole: entry, feed event, audit', async () => {
    const far = Number.MAX_SAFE_INTEGER;
    await a.guard.revokeJti({ jti: 'far-future', exp: far, reason: 'forever' });
    await a.guard.revokeSubject({ sub: 'far-future-sub', before: far });
    await waitFor(
      'B to learn both far-future entries from the feed',
      () =>
        outcome(b.guard, { jti: 'far-future' }) === 'revoked' &&
        outcome(b.guard, { sub: 'far-future-sub', iat: nowSec() }) === 'revoked',
    );
    const listed = (await b.guard.list(undefined, 1000)).items.find(
      (e) => e.type === 'jti' && e.jti === 'far-future',
    );
    expect(listed).toMatchObject({ reason: 'forever' });
    await a.guard.unrevokeJti('far-future');
  });

  it('jti entries expire after exp + leeway, in Redis and in the mirror', async () => {
    const short = await startGuard({ redis_url: redis.url, leeway: '1s', key_prefix: 'short' });
    try {
      // One exp for both: two nowSec() calls can straddle a second, and the later entry would outlive the first by 1 s.
      const exp = nowSec() + 1;
      await short.guard.revokeJti({ jti: 'short-lived', exp });
      await short.guard.revokeJti({ jti: 'never-looked-up', exp });
      expect(outcome(short.guard, { jti: 'short-lived' })).toBe('revoked');
      expect((await short.guard.list(undefined, 10)).items).toHaveLength(2);
      // Kept until exp + leeway (≤ 2 s from now), then gone: the token itself has expired by then.
      await waitFor(
        'the entry to expire',
        () => outcome(short.guard, { jti: 'short-lived' }) === 'ok',
        6_000,
        50,
      );
      expect((await short.guard.list(undefined, 10)).items).toHaveLength(0);
      // Dropped from the mirror too, also an entry no request looked up: its size does not grow with every revocation.
      await waitFor('the mirror to drop both', () => short.guard.stats().size === 0, 3_000, 50);
      // Pruned from the ZSET by the next heartbeat; the audit key expired by its own TTL.
      await waitFor('Redis to prune it', () => zcard(redis.port, '{short:rev}:jtis') === 0, 3_000, 50);
      await waitFor(
        'the audit key to expire',
        () => redisKeys(redis.port, '{short:rev}:meta:*').length === 0,
        3_000,
        50,
      );
    } finally {
      await short.guard.close();
    }
  });

  it('applies revocations made while an instance was cut off from Redis once it reconnects', async () => {
    const proxy = await startTcpProxy(redis.port);
    const c = await startGuard({ redis_url: proxy.url });
    try {
      expect(c.guard.readiness.check().ok).toBe(true);
      proxy.cut();
      await a.guard.revokeJti({ jti: 'while-away', exp: nowSec() + 600 });
      await a.guard.revokeSubject({ sub: 'dave', before: nowSec() });
      await a.guard.unrevokeJti('prop-1');
      await waitFor('C to go stale', () => !c.guard.readiness.check().ok, 3_000, 10);
      expect(outcome(c.guard, { jti: 'while-away' })).toBe('revocation_unavailable');
      proxy.restore();
      await waitFor('C to resync', () => c.guard.readiness.check().ok, 10_000, 10);
      expect(outcome(c.guard, { jti: 'while-away' })).toBe('revoked');
      expect(outcome(c.guard, { sub: 'dave', iat: nowSec() - 10 })).toBe('revoked');
      expect(outcome(c.guard, { jti: 'prop-1' })).toBe('ok');
    } finally {
      await c.guard.close();
      await proxy.close();
    }
  });

  it('exports the revocation metrics on the shared registry', async () => {
    const text = await a.deps.metrics.registry.metrics();
    for (const name of [
      'keyway_revocation_mirror_size',
      'keyway_revocation_staleness_seconds',
      'keyway_revocation_feed_lag_seconds',
      'keyway_revocation_redis_connected 1',
      'keyway_revocation_stale_allowed_total',
      'keyway_revocation_resyncs_total{cause="start"} 1',
    ])
      expect(text).toContain(name);
  });
});

import { execFileSync } from 'node:child_process';
import { waitFor } from '../helpers/wait-for.js';

function redisKeys(port: number, pattern: string): string[] {
  return execFileSync('redis-cli', ['-p', String(port), '--scan', '--pattern', pattern], {
    encoding: 'utf8',
    timeout: 10_000,
  })
    .split('\n')
    .filter(Boolean);
}

function zcard(port: number, key: string): number {
  return Number(
    execFileSync('redis-cli', ['-p', String(port), 'zcard', key], {
      encoding: 'utf8',
      timeout: 10_000,
    }).trim(),
  );
}
