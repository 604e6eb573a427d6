// Revocation on a real 3-master Redis Cluster: one slot, revoke → propagate, full load, re-seed after an empty restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisCluster, startRedisCluster } from '../helpers/redis-cluster.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  nowSec,
  outcome,
  resyncCount,
  startGuard,
  type TestGuard,
  waitForResync,
} from './revocation-helpers.js';

describe('revocation on Redis Cluster (3 masters)', () => {
  let cluster: RedisCluster;
  const guards: TestGuard[] = [];
  const guard = async () => {
    const g = await startGuard({ cluster: cluster.addresses, start_timeout: '10s' });
    guards.push(g);
    return g;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  });
  afterAll(async () => {
    await Promise.all(guards.map((g) => g.guard.close()));
    await cluster?.close();
  });

  it('keeps every revocation key in one slot (hash tag)', async () => {
    const slots = await Promise.all(
      ['jtis', 'subs', 'tombs', 'seq', 'gen', 'feed', 'meta:jti:x'].map((k) =>
        cluster.cli(0, 'cluster', 'keyslot', `{keyway:rev}:${k}`),
      ),
    );
    expect(new Set(slots).size).toBe(1);
  });

  it('revoke on A → B denies; a later instance loads it; subject revocation spares newer tokens', async () => {
    const a = await guard();
    const b = await guard();
    expect(a.guard.readiness.check().ok).toBe(true);
    const started = performance.now();
    await a.guard.revokeJti({ jti: 'cluster-1', exp: nowSec() + 600 });
    await waitFor(
      'B to deny cluster-1',
      () => outcome(b.guard, { jti: 'cluster-1' }) === 'revoked',
      5_000,
      1,
    );
    console.log(`revocation propagation on Redis Cluster: ${(performance.now() - started).toFixed(1)} ms`);
    const t = nowSec();
    await b.guard.revokeSubject({ sub: 'grace', before: t });
    await waitFor('A to deny grace', () => outcome(a.guard, { sub: 'grace', iat: t }) === 'revoked');
    expect(outcome(a.guard, { sub: 'grace', iat: t + 1 })).toBe('ok');
    const c = await guard();
    expect(outcome(c.guard, { jti: 'cluster-1' })).toBe('revoked');
    expect(outcome(c.guard, { sub: 'grace', iat: t - 1 })).toBe('revoked');
    expect((await c.guard.list(undefined, 10)).items.length).toBeGreaterThanOrEqual(2);
  });

  it('the slot owner restarted empty: the instances resync and re-seed it', async () => {
    const [a, b] = guards;
    const ownerIndex = await cluster.nodeFor('{keyway:rev}:jtis');
    const owner = cluster.nodes[ownerIndex]!;
    const before = [await resyncCount(a!), await resyncCount(b!)];
    await owner.stop();
    await owner.start(); // empty: same node id and slots (nodes.conf), no data
    await cluster.waitHealthy();
    await waitForResync([a!, b!], before, 20_000);
    for (const g of [a!, b!]) expect(outcome(g.guard, { jti: 'cluster-1' })).toBe('revoked');
    expect(await cluster.cli(ownerIndex, 'zscore', '{keyway:rev}:jtis', 'cluster-1')).not.toBe('');
    expect([...a!.logs.lines, ...b!.logs.lines].join('\n')).toContain(
      'Redis lost data; re-seeding it from this mirror',
    );
    const d = await guard();
    await waitFor(
      'a new instance to see the re-seeded entry',
      () => outcome(d.guard, { jti: 'cluster-1' }) === 'revoked',
      10_000,
      20,
    );
    expect(outcome(d.guard, { sub: 'grace', iat: nowSec() - 60 })).toBe('revoked');
  });
});
