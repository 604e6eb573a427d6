// Redis killed mid-run, restarted empty, restored from an older snapshot: fail modes apply and nothing revoked comes back.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  nowSec,
  outcome,
  resyncCount,
  startGuard,
  type TestGuard,
  waitForResync,
} from './revocation-helpers.js';

describe('revocation when Redis fails (real redis-server, killed and restarted)', () => {
  let redis: RedisServer;
  const guards: TestGuard[] = [];
  const guard = async () => {
    const g = await startGuard({ redis_url: redis.url });
    guards.push(g);
    return g;
  };

  beforeEach(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(guards.splice(0).map((g) => g.guard.close()));
    await redis.close();
  });

  it('killed mid-run: within max_staleness closed answers revocation_unavailable, readiness fails, nothing revoked is allowed', async () => {
    const a = await guard();
    const b = await guard();
    const iat = nowSec();
    await a.guard.revokeJti({ jti: 'known', exp: nowSec() + 600 });
    await a.guard.revokeSubject({ sub: 'mallory', before: iat });
    await waitFor('B to know both', () => outcome(b.guard, { jti: 'known' }) === 'revoked');
    await waitFor('B to know the subject', () => outcome(b.guard, { sub: 'mallory', iat }) === 'revoked');

    const seen = { revokedAllowed: 0, closedAllowedWhileStale: 0 };
    await redis.stop();
    // Sample the request path while Redis is gone: a revoked token is never allowed, in either fail mode.
    const elapsed = await waitFor(
      'closed mode to refuse',
      () => {
        for (const g of [a, b]) {
          for (const mode of ['closed', 'open'] as const) {
            if (outcome(g.guard, { jti: 'known' }, mode) !== 'revoked') seen.revokedAllowed++;
            if (outcome(g.guard, { sub: 'mallory', iat }, mode) !== 'revoked') seen.revokedAllowed++;
          }
        }
        return outcome(b.guard, { jti: 'innocent' }, 'closed') === 'revocation_unavailable';
      },
      3_000,
      5,
    );
    console.log(
      `revocation: closed mode refused ${elapsed.toFixed(0)} ms after Redis was killed (max_staleness 1000 ms)`,
    );
    expect(seen.revokedAllowed).toBe(0);
    for (const g of [a, b]) {
      expect(g.guard.readiness.check().ok).toBe(false);
      expect(outcome(g.guard, { jti: 'innocent' }, 'closed')).toBe('revocation_unavailable');
      expect(outcome(g.guard, { jti: 'innocent' }, 'open')).toBe('stale_allowed');
      expect(outcome(g.guard, { jti: 'known' }, 'open')).toBe('revoked');
      expect(g.guard.stats()).toMatchObject({ connected: false, mode: 'redis' });
    }
    expect(await a.deps.metrics.registry.metrics()).toMatch(/keyway_revocation_stale_allowed_total [1-9]/);
    // Keep sampling: closed never allows anything until Redis is back.
    for (let i = 0; i < 50; i++) {
      if (outcome(a.guard, { jti: `any-${i}` }, 'closed') !== 'revocation_unavailable')
        seen.closedAllowedWhileStale++;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(seen.closedAllowedWhileStale).toBe(0);
    await redis.start();
    await waitFor(
      'A and B to be ready again',
      () => a.guard.readiness.check().ok && b.guard.readiness.check().ok,
    );
    expect(outcome(a.guard, { jti: 'known' }, 'closed')).toBe('revoked');
    expect(outcome(a.guard, { jti: 'innocent' }, 'closed')).toBe('ok');
  });

  it('restarted empty: the mirrors re-seed Redis, so no revoked jti or subject comes back', async () => {
    const a = await guard();
    const b = await guard();
    const iat = nowSec() - 5;
    await a.guard.revokeJti({ jti: 'stolen', exp: nowSec() + 600, reason: 'leak' });
    await b.guard.revokeSubject({ sub: 'fired', before: nowSec() });
    await waitFor('both to know', () =>
      [a, b].every(
        (g) =>
          outcome(g.guard, { jti: 'stolen' }) === 'revoked' &&
          outcome(g.guard, { sub: 'fired', iat }) === 'revoked',
      ),
    );
    const before = [await resyncCount(a), await resyncCount(b)];
    await redis.stop();
    await redis.start(); // empty: no RDB
    let resurrected = 0;
    const sampler = setInterval(() => {
      for (const g of [a, b]) {
        if (outcome(g.guard, { jti: 'stolen' }, 'open') !== 'revoked') resurrected++;
        if (outcome(g.guard, { sub: 'fired', iat }, 'open') !== 'revoked') resurrected++;
      }
    }, 2);
    await waitForResync([a, b], before).finally(() => clearInterval(sampler));
    expect(resurrected).toBe(0);
    // A new instance loads only from Redis: it proves Redis holds the entries again.
    const c = await guard();
    expect(c.guard.readiness.check().ok).toBe(true);
    expect(outcome(c.guard, { jti: 'stolen' })).toBe('revoked');
    expect(outcome(c.guard, { sub: 'fired', iat })).toBe('revoked');
    expect(outcome(c.guard, { sub: 'fired', iat: nowSec() + 5 })).toBe('ok');
    const logs = [...a.logs.lines, ...b.logs.lines].join('\n');
    expect(logs).toContain('Redis lost data; re-seeding it from this mirror');
  });

  it('restarted from an older snapshot: revocations written after it are restored from the mirrors', async () => {
    const a = await guard();
    const b = await guard();
    await a.guard.revokeJti({ jti: 'saved', exp: nowSec() + 600 });
    await a.guard.revokeJti({ jti: 'undone-later', exp: nowSec() + 600 });
    await redis.save();
    await a.guard.revokeJti({ jti: 'after-save', exp: nowSec() + 600 });
    await b.guard.revokeSubject({ sub: 'after-save-sub', before: nowSec() });
    await a.guard.unrevokeJti('undone-later');
    await waitFor(
      'B to see every change',
      () =>
        outcome(b.guard, { jti: 'after-save' }) === 'revoked' &&
        outcome(b.guard, { jti: 'undone-later' }) === 'ok',
    );
    const before = [await resyncCount(a), await resyncCount(b)];
    await redis.stop();
    await redis.start({ keepData: true });
    await waitForResync([a, b], before);
    const c = await guard();
    expect(outcome(c.guard, { jti: 'saved' })).toBe('revoked');
    expect(outcome(c.guard, { jti: 'after-save' })).toBe('revoked');
    expect(outcome(c.guard, { sub: 'after-save-sub', iat: nowSec() - 60 })).toBe('revoked');
    // The snapshot predates the un-revocation, so the restored Redis has it revoked again. Revocations win a merge:
    // it fails safe, shows in GET /admin/revocations, and an admin can delete it again.
    expect(outcome(c.guard, { jti: 'undone-later' })).toBe('revoked');
    for (const g of [a, b]) expect(outcome(g.guard, { jti: 'after-save' })).toBe('revoked');
  });

  it('start() with Redis down resolves within start_timeout, not ready, 503 in both fail modes; it loads once Redis comes up', async () => {
    await redis.stop();
    const started = performance.now();
    const a = await guard(); // start_timeout 3s: start() must come back (vitest's own timeout catches a hang)
    console.log(
      `revocation: start() with Redis down returned after ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(a.guard.readiness.check()).toMatchObject({ ok: false });
    // Never loaded is not "stale": the mirror knows nothing, so open mode refuses too.
    expect(outcome(a.guard, { jti: 'x' }, 'closed')).toBe('revocation_unavailable');
    expect(outcome(a.guard, { jti: 'x' }, 'open')).toBe('revocation_unavailable');
    expect(a.guard.status()).toMatchObject({ state: 'never_loaded', source: 'none', connected: false });
    await expect(a.guard.revokeJti({ jti: 'x', exp: nowSec() + 60 })).rejects.toMatchObject({
      reason: 'revocation_unavailable',
    });
    await redis.start();
    await waitFor('A to load', () => a.guard.readiness.check().ok, 10_000, 10);
    expect(outcome(a.guard, { jti: 'x' })).toBe('ok');
  });
});
