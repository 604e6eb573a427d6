// The key store as /auth sees it: rotation, unknown-kid floods, IdP down at start and after start (injected clock).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/lib/clock.js';
import { createTestKey, type JwksServer, json, startJwksServer } from '../helpers/jwks-server.js';
import { createTestKeyway, type TestKeyway } from '../helpers/keyway.js';
import { waitFor } from '../helpers/wait-for.js';

let idp: JwksServer | undefined;
let kw: TestKeyway | undefined;
afterEach(async () => {
  await kw?.close();
  await idp?.close();
  kw = undefined;
  idp = undefined;
});

const claims = (nowMs = Date.now()) => ({
  iss: 'https://idp.test',
  sub: 'u1',
  iat: Math.floor(nowMs / 1000),
  exp: Math.floor(nowMs / 1000) + 3_600,
});
const issuer = (jwksUrl: string, extra: Record<string, unknown> = {}) => ({
  issuer: 'https://idp.test',
  jwks_uri: jwksUrl,
  jwks: { retries: 0, timeout: '300ms', retry_backoff: '10ms', unknown_kid_cooldown: '30s' },
  ...extra,
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('a JWKS URL with user:password@', () => {
  it('is fetched with Authorization: Basic (fetch() refuses such URLs), and the keys verify', async () => {
    const k1 = createTestKey('k1');
    const expected = `Basic ${Buffer.from('svc user:p@ss').toString('base64')}`;
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== expected) return void res.writeHead(401).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [k1.jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      kw = await createTestKeyway({
        issuers: [issuer(`http://svc%20user:p%40ss@127.0.0.1:${port}/jwks`)],
        policies: [{ name: 'p' }],
      });
      expect((await kw.auth(bearer(await k1.sign(claims())))).status).toBe(200);
      expect(seen).toEqual([expected]);
    } finally {
      server.close();
    }
  });
});

describe('JWKS through /auth', () => {
  it('rotation: a token signed by a new key is accepted after exactly one refetch', async () => {
    idp = await startJwksServer();
    const k1 = createTestKey('k1');
    const k2 = createTestKey('k2');
    idp.setKeys([k1.jwk]);
    kw = await createTestKeyway({ issuers: [issuer(idp.jwksUrl)], policies: [{ name: 'p' }] });
    expect((await kw.auth(bearer(await k1.sign(claims())))).status).toBe(200);
    expect(idp.count()).toBe(1);
    idp.setKeys([k1.jwk, k2.jwk]);
    expect((await kw.auth(bearer(await k2.sign(claims())))).status).toBe(200);
    expect(idp.count()).toBe(2);
    expect((await kw.auth(bearer(await k2.sign(claims())))).status).toBe(200);
    expect(idp.count()).toBe(2);
  });

  it('1,000 tokens with random unknown kids cause at most a handful of fetches', async () => {
    idp = await startJwksServer();
    const k1 = createTestKey('k1');
    idp.setKeys([k1.jwk]);
    // The tokens are made first, so the flood is only the requests. 1,000 requests at once still keep the event loop
    // busy for a while: a 300 ms fetch timeout or request_wait could expire on the clock alone and answer
    // keys_unavailable (correctly), which is not what this test is about.
    const jwks = { retries: 0, timeout: '10s', request_wait: '10s', unknown_kid_cooldown: '30s' };
    kw = await createTestKeyway({ issuers: [issuer(idp.jwksUrl, { jwks })], policies: [{ name: 'p' }] });
    const tokens = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => createTestKey(`random-${i}-${Math.random()}`).sign(claims())),
    );
    const responses = await Promise.all(tokens.map((token) => kw!.auth(bearer(token))));
    expect(new Set(responses.map((r) => r.headers.get('x-auth-reason')))).toEqual(new Set(['unknown_key']));
    expect(idp.count()).toBeLessThanOrEqual(3);
    console.log(`1,000 unknown kids → ${idp.count()} JWKS fetches`);
  });

  it('IdP down at start with a static fallback key → accepted, and /readyz is ok', async () => {
    idp = await startJwksServer();
    idp.reply('/jwks', { status: 500 });
    const k1 = createTestKey('k1');
    kw = await createTestKeyway({
      issuers: [issuer(idp.jwksUrl, { keys: [{ jwk: k1.jwk }] })],
      policies: [{ name: 'p' }],
    });
    expect((await kw.auth(bearer(await k1.sign(claims())))).status).toBe(200);
    expect((await kw.app.request('/readyz')).status).toBe(200);
  });

  it('IdP down at start without a fallback → 503 keys_unavailable and /readyz fails, not the process', async () => {
    idp = await startJwksServer();
    idp.reply('/jwks', json({ not: 'a jwks' }));
    const k1 = createTestKey('k1');
    kw = await createTestKeyway({ issuers: [issuer(idp.jwksUrl)], policies: [{ name: 'p' }] });
    const res = await kw.auth(bearer(await k1.sign(claims())));
    expect(res.status).toBe(503);
    expect(res.headers.get('x-auth-reason')).toBe('keys_unavailable');
    expect((await kw.app.request('/readyz')).status).toBe(503);
  });

  it('IdP down after start: last good keys work within stale_if_error, then keys_unavailable', async () => {
    idp = await startJwksServer();
    const k1 = createTestKey('k1');
    idp.setKeys([k1.jwk], { 'cache-control': 'max-age=60' });
    const clock = createManualClock(Date.now());
    kw = await createTestKeyway(
      {
        issuers: [
          issuer(idp.jwksUrl, {
            jwks: { retries: 0, timeout: '300ms', stale_if_error: '10m', min_ttl: '30s' },
          }),
        ],
        policies: [{ name: 'p' }],
      },
      { clock },
    );
    const token = await k1.sign(claims(clock()));
    expect((await kw.auth(bearer(token))).status).toBe(200);
    idp.reply('/jwks', { status: 503 });
    clock.advance(5 * 60_000);
    // Let the background refresh triggered by the request run and fail.
    for (let i = 0; i < 3; i++) {
      expect((await kw.auth(bearer(token))).status).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(idp.count()).toBeGreaterThan(1);
    clock.advance(6 * 60_000);
    let last: Response | undefined;
    for (let i = 0; i < 20; i++) {
      last = await kw.auth(bearer(token));
      if (last.status === 503) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(last?.status).toBe(503);
    expect(last?.headers.get('x-auth-reason')).toBe('keys_unavailable');
    expect((await kw.app.request('/readyz')).status).toBe(503);
    const metrics = await (await kw.app.request('/metrics')).text();
    expect(metrics).toMatch(
      /keyway_jwks_fetches_total\{issuer="https:\/\/idp.test",outcome="http_error"\} [1-9]/,
    );
  });
});

describe('IdP faults through /auth', () => {
  const deny = async (res: Response) => ({ status: res.status, reason: res.headers.get('x-auth-reason') });

  it('a hung JWKS: a new kid is answered 503 keys_unavailable within request_wait (default) while the fetch goes on', async () => {
    idp = await startJwksServer();
    const k1 = createTestKey('k1');
    idp.setKeys([k1.jwk]);
    const jwks = { retries: 2, timeout: '20s' };
    kw = await createTestKeyway({ issuers: [issuer(idp.jwksUrl, { jwks })], policies: [{ name: 'p' }] });
    idp.fault('hang');
    const res = await kw.auth(bearer(await createTestKey('k2').sign(claims())));
    expect(await deny(res)).toEqual({ status: 503, reason: 'keys_unavailable' });
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(res.headers.get('retry-after')).toBe('1');
    expect(idp.inFlight).toBe(1);
    expect((await kw.auth(bearer(await k1.sign(claims())))).status).toBe(200);
  });

  it('before the first JWKS fetch completes, a request is answered 503 keys_unavailable, then 200', async () => {
    idp = await startJwksServer();
    const k1 = createTestKey('k1');
    idp.reply('/jwks', { ...json({ keys: [k1.jwk] }), delayMs: 1_500 });
    kw = await createTestKeyway(
      { issuers: [issuer(idp.jwksUrl, { jwks: { timeout: '20s' } })], policies: [{ name: 'p' }] },
      { noStart: true },
    );
    await kw.runtime.start(false);
    const token = await k1.sign(claims());
    expect(await deny(await kw.auth(bearer(token)))).toEqual({ status: 503, reason: 'keys_unavailable' });
    const store = kw.runtime.stores.get('https://idp.test');
    await waitFor('the keys to load', () => store?.status().ready === true);
    expect((await kw.auth(bearer(token))).status).toBe(200);
    expect(idp.count()).toBe(1);
  });

  it.each(['500', 'garbage', 'html', 'empty', 'unimportable'] as const)(
    'JWKS answers %s: known keys keep working, an unknown kid gets 503 keys_unavailable, not 401',
    async (fault) => {
      idp = await startJwksServer();
      const k1 = createTestKey('k1');
      idp.setKeys([k1.jwk]);
      kw = await createTestKeyway({ issuers: [issuer(idp.jwksUrl)], policies: [{ name: 'p' }] });
      idp.fault(fault);
      const stranger = await createTestKey('k2').sign(claims());
      expect(await deny(await kw.auth(bearer(stranger)))).toEqual({
        status: 503,
        reason: 'keys_unavailable',
      });
      expect(idp.count()).toBe(2);
      expect((await kw.auth(bearer(await k1.sign(claims())))).status).toBe(200);
      expect((await kw.app.request('/readyz')).status).toBe(200);
    },
  );

  it('counts a JWKS answer with no usable key as keyway_jwks_fetches_total{outcome="no_usable_keys"}', async () => {
    idp = await startJwksServer();
    const k1 = createTestKey('k1');
    idp.setKeys([k1.jwk]);
    kw = await createTestKeyway({ issuers: [issuer(idp.jwksUrl)], policies: [{ name: 'p' }] });
    idp.fault('empty');
    await kw.auth(bearer(await createTestKey('k2').sign(claims())));
    const metrics = await (await kw.app.request('/metrics')).text();
    expect(metrics).toContain(
      'keyway_jwks_fetches_total{issuer="https://idp.test",outcome="no_usable_keys"} 1',
    );
    expect(
      kw.logs.entries().some((e) => e['msg'] === 'JWKS answer has no usable key; serving the last good keys'),
    ).toBe(true);
  });
});
