// The feed's consistency checks on a real Redis: a gap in the sequence (events trimmed or never delivered) and a
// sequence that went backwards (Redis restored from an older copy) each trigger a full resync, and nothing revoked
// is lost.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { nowSec, outcome, startGuard, type TestGuard } from './revocation-helpers.js';

let redis: RedisServer;
let admin: Redis;
const guards: TestGuard[] = [];
beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
afterEach(async () => {
  await Promise.all(guards.splice(0).map((g) => g.guard.close()));
  await admin.flushall();
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.close();
});

const guard = async () => {
  const g = await startGuard({ redis_url: redis.url });
  guards.push(g);
  return g;
};
async function resyncs(g: TestGuard, cause: string): Promise<number> {
  const data = await g.deps.metrics.registry.getSingleMetric('keyway_revocation_resyncs_total')?.get();
  return data?.values.find((v) => v.labels['cause'] === cause)?.value ?? 0;
}
const SEQ = '{keyway:rev}:seq';

describe('revocation feed consistency (real Redis)', () => {
  it('a gap in the feed sequence makes the follower resync (feed_gap) and apply what it missed', async () => {
    const a = await guard();
    const b = await guard();
    await b.guard.revokeJti({ jti: 'before-gap', exp: nowSec() + 600 });
    await waitFor('A to follow the feed', () => outcome(a.guard, { jti: 'before-gap' }) === 'revoked');
    // Five events A never sees: as if they were trimmed from the stream before A read them.
    await admin.incrby(SEQ, 5);
    await b.guard.revokeJti({ jti: 'after-gap', exp: nowSec() + 600 });
    await waitFor('A to resync after the gap', () => outcome(a.guard, { jti: 'after-gap' }) === 'revoked');
    expect(await resyncs(a, 'feed_gap')).toBeGreaterThanOrEqual(1);
    expect(outcome(a.guard, { jti: 'before-gap' })).toBe('revoked');
    expect(outcome(a.guard, { jti: 'never' })).toBe('ok');
  });

  it('a sequence that went backwards makes every instance resync (regression); nothing revoked comes back', async () => {
    const a = await guard();
    await a.guard.revokeJti({ jti: 'kept', exp: nowSec() + 600 });
    await a.guard.revokeSubject({ sub: 'alice', before: nowSec() });
    await a.guard.revokeJti({ jti: 'kept-2', exp: nowSec() + 600 });
    // Redis now claims an older history than the one A followed (a restore from an older copy).
    await admin.set(SEQ, 1);
    await waitFor('a regression resync', async () => (await resyncs(a, 'regression')) >= 1, 5_000, 25);
    await waitFor('A ready again', () => a.guard.readiness.check().ok);
    expect(outcome(a.guard, { jti: 'kept' })).toBe('revoked');
    expect(outcome(a.guard, { jti: 'kept-2' })).toBe('revoked');
    expect(outcome(a.guard, { sub: 'alice', iat: nowSec() - 60 })).toBe('revoked');
    // And a new instance reading Redis sees them too: the mirror re-seeded what Redis had lost, if anything.
    const fresh = await guard();
    expect(outcome(fresh.guard, { jti: 'kept' })).toBe('revoked');
    expect(outcome(fresh.guard, { sub: 'alice', iat: nowSec() - 60 })).toBe('revoked');
  });
});
