// /readyz means "this instance can decide the way its config says": one issuer's JWKS down or Redis down under
// fail: open keeps it ready (listed, not gating); a required issuer, no keys at all, Redis stale under fail: closed,
// or a mirror that never loaded make it unready. Real JWKS server, real redis-server.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestKey, type JwksServer, startJwksServer } from '../helpers/jwks-server.js';
import { createTestKeyway, type TestKeyway } from '../helpers/keyway.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { HS_SECRET } from '../helpers/tokens.js';
import { waitFor } from '../helpers/wait-for.js';

interface Readyz {
  status: string;
  checks: { name: string; ok: boolean; detail: string; gates: boolean }[];
}

let up: JwksServer;
let down: JwksServer;
let kw: TestKeyway | undefined;
beforeAll(async () => {
  up = await startJwksServer();
  up.setKeys([createTestKey('k-up').jwk]);
  down = await startJwksServer();
  down.fault('500');
});
afterEach(async () => {
  await kw?.close();
  kw = undefined;
});
afterAll(async () => {
  await up.close();
  await down.close();
});

const jwksIssuer = (name: string, server: JwksServer, extra: Record<string, unknown> = {}) => ({
  name,
  issuer: `https://${name}.test`,
  jwks_uri: server.jwksUrl,
  jwks: { retries: 0, timeout: '500ms' },
  ...extra,
});

async function readyz(k: TestKeyway): Promise<{ status: number; body: Readyz }> {
  const res = await k.app.request('/readyz');
  return { status: res.status, body: (await res.json()) as Readyz };
}

const check = (body: Readyz, name: string) => body.checks.find((c) => c.name === name);

describe('readiness across issuers', () => {
  it('one issuer down, another up: ready; the failing issuer is listed, not gating', async () => {
    kw = await createTestKeyway({
      issuers: [jwksIssuer('a', up), jwksIssuer('b', down)],
      policies: [{ name: 'p' }],
    });
    const { status, body } = await readyz(kw);
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    expect(check(body, 'keys:b')).toMatchObject({ ok: false, gates: false });
    expect(check(body, 'keys:a')).toMatchObject({ ok: true, gates: false });
    expect(check(body, 'keys:any')).toMatchObject({
      ok: true,
      gates: true,
      detail: '1/2 issuers have usable keys',
    });
  });

  it('the failing issuer marked required: not ready', async () => {
    kw = await createTestKeyway({
      issuers: [jwksIssuer('a', up), jwksIssuer('b', down, { required: true })],
      policies: [{ name: 'p' }],
    });
    const { status, body } = await readyz(kw);
    expect(status).toBe(503);
    expect(check(body, 'keys:b')).toMatchObject({ ok: false, gates: true });
  });

  it('no issuer has usable keys: not ready (keys:any)', async () => {
    kw = await createTestKeyway({
      issuers: [jwksIssuer('b', down), jwksIssuer('c', down)],
      policies: [{ name: 'p' }],
    });
    const { status, body } = await readyz(kw);
    expect(status).toBe(503);
    expect(check(body, 'keys:any')).toMatchObject({ ok: false, gates: true });
  });

  it('a single issuer that is down: not ready, as before', async () => {
    kw = await createTestKeyway({ issuers: [jwksIssuer('b', down)], policies: [{ name: 'p' }] });
    expect((await readyz(kw)).status).toBe(503);
  });
});

describe('readiness and the revocation fail mode', () => {
  const redises: RedisServer[] = [];
  afterAll(async () => {
    for (const r of redises) await r.close();
  });
  const freshRedis = async () => {
    const r = await startRedis();
    redises.push(r);
    return r;
  };

  const withRedis = (fail: 'open' | 'closed', url: string) => ({
    issuers: [{ issuer: 'https://hs.test', hs_secrets: [HS_SECRET] }],
    policies: [{ name: 'p' }],
    revocation: { redis_url: url, fail, max_staleness: '600ms', heartbeat: '100ms', start_timeout: '1s' },
  });

  const until = async (k: TestKeyway, want: (r: { status: number; body: Readyz }) => boolean) => {
    let r = await readyz(k);
    await waitFor(
      '/readyz to answer as expected',
      async () => {
        r = await readyz(k);
        return want(r);
      },
      5_000,
      50,
    );
    return r;
  };

  it.each([
    ['open', 200, false],
    ['closed', 503, true],
  ] as const)('fail: %s, Redis killed after the first load → /readyz %i', async (fail, expected, gates) => {
    const redis = await freshRedis();
    kw = await createTestKeyway(withRedis(fail, redis.url));
    expect((await readyz(kw)).status).toBe(200);
    await redis.stop();
    const r = await until(kw, (x) => check(x.body, 'revocation')?.ok === false);
    expect(check(r.body, 'revocation'), JSON.stringify(r.body)).toMatchObject({ ok: false, gates });
    expect(r.status).toBe(expected);
  });

  it.each(['open', 'closed'] as const)(
    'fail: %s, Redis down from the start (mirror never loaded) → not ready',
    async (fail) => {
      const redis = await freshRedis();
      await redis.stop();
      kw = await createTestKeyway(withRedis(fail, redis.url));
      const { status, body } = await readyz(kw);
      expect(check(body, 'revocation'), JSON.stringify(body)).toMatchObject({ ok: false, gates: true });
      expect(status).toBe(503);
    },
  );
});
