// End to end through /auth: two pipelines on one Redis; revoked via A's admin API → 401 on B; Redis gone → 503 or open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/http/admin-app.js';
import { createRevocationAdminRoutes } from '../../src/http/admin-revocations.js';
import type { RevocationGuard } from '../../src/revocation/guard.js';
import type { TestKeyway } from '../helpers/keyway.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { HS_SECRET, mint, nowSeconds } from '../helpers/tokens.js';
import { waitFor } from '../helpers/wait-for.js';
import { startKeywayWithGuard } from './revocation-helpers.js';

const ADMIN = 'pipeline-admin-token-0123456789';
const claims = { iss: 'https://idp.test', aud: 'api', sub: 'alice' };

describe('revocation through the /auth pipeline (two instances, real Redis)', () => {
  let redis: RedisServer;
  const instances: { kw: TestKeyway; guard: RevocationGuard }[] = [];
  const start = async () => {
    const started = await startKeywayWithGuard({
      issuers: [{ name: 'main', issuer: 'https://idp.test', hs_secrets: [HS_SECRET], audiences: ['api'] }],
      policies: [
        { name: 'strict', match: { hosts: ['strict.test'] } },
        { name: 'lenient', match: { hosts: ['lenient.test'] }, revocation_fail: 'open' },
      ],
      revocation: { redis_url: redis.url, heartbeat: '100ms', max_staleness: '1s' },
    });
    instances.push(started);
    return started;
  };
  const auth = async (kw: TestKeyway, token: string, host = 'strict.test') =>
    kw.auth({ 'x-forwarded-host': host, 'x-forwarded-uri': '/', authorization: `Bearer ${token}` });

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const { kw, guard } of instances) {
      await guard.close();
      await kw.close();
    }
    await redis?.close();
  });

  it('POST {token} on A’s admin API → B answers 401 revoked', async () => {
    const a = await start();
    const b = await start();
    const admin = buildAdminApp({ adminToken: ADMIN }, [
      {
        path: 'revocations',
        // The real server passes a verifier bound to the key stores; the pipeline itself verifies here.
        app: createRevocationAdminRoutes(a.guard, a.kw.deps, async () => ({
          jti: 'e2e-1',
          exp: nowSeconds() + 600,
        })),
      },
    ]);
    const token = await mint({ ...claims, jti: 'e2e-1' }, { secret: HS_SECRET });
    expect((await auth(b.kw, token)).status).toBe(200);
    const started = performance.now();
    const res = await admin.request('/admin/revocations', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(res.status).toBe(201);
    let denied: Response | undefined;
    await waitFor(
      'B to deny the token',
      async () => {
        const r = await auth(b.kw, token);
        if (r.status === 401) denied = r;
        return denied !== undefined;
      },
      5_000,
      2,
    );
    console.log(
      `revocation through /auth: admin POST on A → 401 on B after ${(performance.now() - started).toFixed(1)} ms`,
    );
    expect(denied?.headers.get('x-auth-reason')).toBe('revoked');
    expect(denied?.headers.get('www-authenticate')).toBe(
      'Bearer realm="keyway", error="invalid_token", error_description="revoked"',
    );
    expect((await auth(a.kw, token)).status).toBe(401);
  });

  it('subject revocation: older tokens 401, tokens issued after T pass', async () => {
    const [a, b] = instances;
    const old = await mint({ ...claims, sub: 'henry', iat: nowSeconds() - 30 }, { secret: HS_SECRET });
    await a!.guard.revokeSubject({ sub: 'henry', before: nowSeconds() - 10 });
    await waitFor('B to learn it', () => {
      try {
        b!.guard.check({ sub: 'henry', iat: nowSeconds() - 30 }, 'closed');
        return false;
      } catch {
        return true;
      }
    });
    expect((await auth(b!.kw, old)).headers.get('x-auth-reason')).toBe('revoked');
    const fresh = await mint({ ...claims, sub: 'henry' }, { secret: HS_SECRET });
    expect((await auth(b!.kw, fresh)).status).toBe(200);
  });

  it('Redis gone: closed policy 503 revocation_unavailable, open policy 200; a revoked token stays 401', async () => {
    const [, b] = instances;
    const token = await mint({ ...claims, jti: 'other' }, { secret: HS_SECRET });
    const revoked = await mint({ ...claims, jti: 'e2e-1' }, { secret: HS_SECRET });
    await redis.stop();
    await waitFor('B to go stale', () => !b!.guard.readiness.check().ok, 3_000, 10);
    const closed = await auth(b!.kw, token);
    expect(closed.status).toBe(503);
    expect(closed.headers.get('x-auth-reason')).toBe('revocation_unavailable');
    expect((await auth(b!.kw, token, 'lenient.test')).status).toBe(200);
    const still = await auth(b!.kw, revoked, 'lenient.test');
    expect(still.status).toBe(401);
    expect(still.headers.get('x-auth-reason')).toBe('revoked');
    await redis.start();
  });
});
