// The guard with the in-memory store (no Redis configured): checks, listing, the single-instance warning, readiness.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { createManualClock } from '../../../src/lib/clock.js';
import { createRevocationGuard } from '../../../src/revocation/guard.js';
import { createTestDeps } from '../../helpers/test-deps.js';

const T0 = 1_700_000_000;

function memoryGuard() {
  const config = parseConfig({ revocation: { leeway: '10s', max_token_lifetime: '1h' } }, 'test', {
    readFile: () => '',
  });
  const clock = createManualClock(T0 * 1000);
  const deps = createTestDeps(config, { clock });
  return { guard: createRevocationGuard(config.revocation, deps), clock, logs: deps.logs, deps, config };
}

describe('revocation guard, in-memory store', () => {
  it('warns at start that it is single-instance, and is ready and fresh', async () => {
    const { guard, logs } = memoryGuard();
    await guard.start();
    expect(
      logs.entries().some((e) => e['level'] === 'warn' && String(e['msg']).includes('single instance')),
    ).toBe(true);
    expect(guard.readiness.check().ok).toBe(true);
    expect(guard.stats()).toEqual({ size: 0, stalenessSeconds: 0, connected: true, mode: 'memory' });
    expect(guard.check({ jti: 'a' }, 'closed')).toBe('ok');
    await guard.close();
  });

  it('denies revoked jtis and subjects with KeywayError("revoked") in both fail modes', async () => {
    const { guard } = memoryGuard();
    await guard.revokeJti({ jti: 'j', exp: T0 + 60 });
    await guard.revokeSubject({ sub: 's', before: T0 });
    for (const mode of ['closed', 'open'] as const) {
      expect(() => guard.check({ jti: 'j' }, mode)).toThrow(expect.objectContaining({ reason: 'revoked' }));
      expect(() => guard.check({ sub: 's', iat: T0 }, mode)).toThrow(
        expect.objectContaining({ reason: 'revoked' }),
      );
      expect(guard.check({ sub: 's', iat: T0 + 1 }, mode)).toBe('ok');
    }
  });

  it('entries expire with the token (manual clock)', async () => {
    const { guard, clock } = memoryGuard();
    await guard.revokeJti({ jti: 'j', exp: T0 + 60 });
    clock.set((T0 + 70) * 1000);
    expect(() => guard.check({ jti: 'j' }, 'closed')).toThrow();
    clock.set((T0 + 71) * 1000);
    expect(guard.check({ jti: 'j' }, 'closed')).toBe('ok');
    expect(guard.stats().size).toBe(0);
  });

  it('lists with audit details, pages, and un-revokes', async () => {
    const { guard } = memoryGuard();
    for (let i = 0; i < 5; i++)
      await guard.revokeJti({ jti: `j${i}`, exp: T0 + 100 + i, reason: 'r', actor: 'a' });
    await guard.revokeSubject({ sub: 's', before: T0 });
    const first = await guard.list(undefined, 4);
    expect(first.items.map((e) => (e.type === 'jti' ? e.jti : e.sub))).toEqual(['j0', 'j1', 'j2', 'j3']);
    expect(first.items[0]).toEqual({
      type: 'jti',
      jti: 'j0',
      exp: T0 + 100,
      expiresAt: T0 + 110,
      reason: 'r',
      actor: 'a',
      at: T0,
    });
    const second = await guard.list(first.next, 4);
    expect(second.items.map((e) => (e.type === 'jti' ? e.jti : e.sub))).toEqual(['j4', 's']);
    expect(second.next).toBeUndefined();
    expect(await guard.unrevokeJti('j0')).toBe(true);
    expect(await guard.unrevokeJti('j0')).toBe(false);
    expect(guard.check({ jti: 'j0' }, 'closed')).toBe('ok');
  });

  it('registers its metrics once on the shared registry (a second guard on it is a wiring bug, refused)', async () => {
    const { deps, config } = memoryGuard();
    const text = await deps.metrics.registry.metrics();
    expect(text).toContain('keyway_revocation_mirror_size 0');
    expect(text).toContain('keyway_revocation_redis_connected 0');
    expect(() => createRevocationGuard(config.revocation, deps)).toThrow(/already been registered/);
  });
});
