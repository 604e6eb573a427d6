// Every reason code keyway can answer with is reached through /auth, with its exact status and challenge.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASON_CODES, REASONS, type Reason } from '../../src/errors.js';
import { createTestKeyway, type TestKeyway } from '../helpers/keyway.js';
import { unusedPort } from '../helpers/ports.js';
import { reasonsWithoutTest } from '../helpers/reason-coverage.js';
import { startRedis } from '../helpers/redis-server.js';
import { createKeyPair, HS_SECRET, mint, nowSeconds, type TestKeyPair } from '../helpers/tokens.js';
import { waitFor } from '../helpers/wait-for.js';

const AGED_SECRET = 'aged-issuer-secret-0123456789-abcdefgh';
const TYPED_SECRET = 'typed-issuer-secret-0123456789-abcdefg';
let kw: TestKeyway;
let rsa: TestKeyPair;
let stranger: TestKeyPair;

const good = {
  iss: 'https://idp.test',
  aud: 'api',
  sub: 'alice',
  email: 'a@test',
  project: 'captionacc',
  scope: 'read',
};
const hs = { secret: HS_SECRET };

beforeAll(async () => {
  rsa = await createKeyPair('RS256', 'rsa-1');
  stranger = await createKeyPair('RS256', 'rsa-1');
  const closedPort = await unusedPort();
  kw = await createTestKeyway({
    issuers: [
      {
        name: 'main',
        issuer: 'https://idp.test',
        hs_secrets: [HS_SECRET],
        keys: [{ jwk: rsa.publicJwk }],
        audiences: ['api', 'admin-console'],
        algorithms: ['HS256', 'RS256'],
      },
      { name: 'typed', issuer: 'https://typed.test', hs_secrets: [TYPED_SECRET], typ: 'at+jwt' },
      { name: 'aged', issuer: 'https://aged.test', hs_secrets: [AGED_SECRET], max_token_age: '1h' },
      {
        name: 'down',
        issuer: 'https://down.test',
        jwks_uri: `http://127.0.0.1:${closedPort}/jwks.json`,
        jwks: { retries: 0, timeout: '200ms' },
      },
      { name: 'other', issuer: 'https://other.test', hs_secrets: [AGED_SECRET] },
    ],
    policies: [
      {
        name: 'api',
        match: { hosts: ['api.test'] },
        issuers: ['main', 'aged', 'down', 'typed'],
        required_claims: ['email'],
        claims: { project: ['captionacc'] },
        scopes: ['read'],
      },
      {
        name: 'limited',
        match: { hosts: ['limited.test'] },
        issuers: ['main'],
        rate_limit: { requests: 1, per: '1m' },
      },
      { name: 'public', match: { hosts: ['public.test'] }, anonymous: true, issuers: ['main'] },
      { name: 'console', match: { hosts: ['console.test'] }, issuers: ['main'], audiences: 'admin-console' },
    ],
  });
});
afterAll(() => kw.close());

interface Case {
  readonly reason: Reason | 'ok';
  readonly host?: string;
  readonly token?: () => Promise<string> | string;
  readonly repeat?: number;
  readonly challenge?: string;
}

const challenge = (reason: Reason) => {
  const error = REASONS[reason].bearerError;
  if (error === null) return 'Bearer realm="keyway"';
  const scope = reason === 'insufficient_scope' ? ', scope="read"' : '';
  return `Bearer realm="keyway", error="${error}", error_description="${reason}"${scope}`;
};

const CASES: Record<string, Case> = {
  'valid HS256 token': { reason: 'ok', token: () => mint(good, hs) },
  'valid RS256 token': { reason: 'ok', token: () => mint(good, rsa) },
  'no token': { reason: 'missing_token', token: undefined, challenge: 'Bearer realm="keyway"' },
  'not a JWT': { reason: 'malformed_token', token: () => 'abc', challenge: challenge('malformed_token') },
  'token over 16 KiB': {
    reason: 'token_too_large',
    token: () => mint({ ...good, pad: 'x'.repeat(17_000) }, hs),
  },
  'HS512 on an HS256-only issuer': {
    reason: 'alg_not_allowed',
    token: () => mint(good, { secret: `${HS_SECRET}${HS_SECRET}`, alg: 'HS512' }),
  },
  'unknown kid': {
    reason: 'unknown_key',
    token: async () => mint(good, await createKeyPair('RS256', 'nope')),
  },
  'another key with the same kid': { reason: 'bad_signature', token: () => mint(good, stranger) },
  'wrong HS secret': { reason: 'bad_signature', token: () => mint(good, { secret: `${HS_SECRET}-wrong` }) },
  expired: { reason: 'expired', token: () => mint({ ...good, exp: nowSeconds() - 120 }, hs) },
  'lives longer than max_token_lifetime': {
    reason: 'lifetime_too_long',
    token: () => mint({ ...good, exp: nowSeconds() + 3 * 86_400 }, hs),
  },
  'nbf in the future': {
    reason: 'not_yet_valid',
    token: () => mint({ ...good, nbf: nowSeconds() + 300 }, hs),
  },
  'iat in the future': {
    reason: 'issued_in_future',
    token: () => mint({ ...good, iat: nowSeconds() + 300 }, hs),
  },
  'older than max_token_age': {
    reason: 'token_too_old',
    token: () =>
      mint({ ...good, iss: 'https://aged.test', iat: nowSeconds() - 7200 }, { secret: AGED_SECRET }),
  },
  'unknown issuer': { reason: 'bad_issuer', token: () => mint({ ...good, iss: 'https://evil.test' }, hs) },
  'issuer not allowed by the policy': {
    reason: 'bad_issuer',
    token: () => mint({ ...good, iss: 'https://other.test' }, { secret: AGED_SECRET }),
  },
  'wrong audience': { reason: 'bad_audience', token: () => mint({ ...good, aud: 'web' }, hs) },
  'an audience of the issuer, not of the policy': {
    reason: 'bad_audience',
    host: 'console.test',
    token: () => mint(good, hs),
  },
  'typ JWT on an issuer requiring at+jwt': {
    reason: 'bad_type',
    token: () => mint({ ...good, iss: 'https://typed.test' }, { secret: TYPED_SECRET }),
  },
  'policy claim missing': { reason: 'missing_claim', token: () => mint({ ...good, email: undefined }, hs) },
  'claim not in allowlist': {
    reason: 'claim_mismatch',
    token: () => mint({ ...good, project: 'other' }, hs),
  },
  'scope missing': { reason: 'insufficient_scope', token: () => mint({ ...good, scope: 'write' }, hs) },
  'host matches no policy': { reason: 'no_policy', host: 'nowhere.test', token: () => mint(good, hs) },
  'two forwarded hosts (a proxy appended the client’s copy)': {
    reason: 'ambiguous_request',
    host: 'public.test, api.test',
    token: () => mint(good, hs),
  },
  'second request within the rate': {
    reason: 'rate_limited',
    host: 'limited.test',
    repeat: 2,
    token: () => mint(good, hs),
  },
  'IdP down, no fallback key': {
    reason: 'keys_unavailable',
    token: () => mint({ ...good, iss: 'https://down.test' }, rsa),
  },
};

describe('every reason code is reachable through /auth', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name} → ${c.reason}`, async () => {
      const headers: Record<string, string> = {
        'x-forwarded-host': c.host ?? 'api.test',
        'x-forwarded-uri': '/items',
        'x-forwarded-method': 'GET',
      };
      if (c.token) headers['authorization'] = `Bearer ${await c.token()}`;
      let res = await kw.auth(headers);
      for (let i = 1; i < (c.repeat ?? 1); i++) res = await kw.auth(headers);
      if (c.reason === 'ok') {
        expect(res.status).toBe(200);
        expect(res.headers.get('x-auth-subject')).toBe('alice');
        return;
      }
      const info = REASONS[c.reason];
      expect(res.status).toBe(info.status);
      expect(res.headers.get('x-auth-reason')).toBe(c.reason);
      expect(await res.json()).toEqual({ error: expect.any(String), reason: c.reason });
      if (info.status === 401 || info.status === 403) {
        expect(res.headers.get('www-authenticate')).toBe(c.challenge ?? challenge(c.reason));
      }
      if (info.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  }
});

// Reasons that need the revocation store, the route table, or a fault: real components, each its own keyway.
describe('stateful reasons through /auth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-reasons-'));
  const base = (extra: Record<string, unknown> = {}) => ({
    issuers: [{ name: 'main', issuer: 'https://idp.test', hs_secrets: [HS_SECRET], audiences: ['api'] }],
    policies: [{ name: 'api' }],
    ...extra,
  });
  const headers = async (claims: Record<string, unknown> = good) => ({
    'x-forwarded-uri': '/items',
    authorization: `Bearer ${await mint(claims, hs)}`,
  });
  const expectDeny = async (res: Response, reason: Reason) => {
    expect(res.status).toBe(REASONS[reason].status);
    expect(res.headers.get('x-auth-reason')).toBe(reason);
    expect(await res.json()).toEqual({ error: expect.any(String), reason });
  };
  const until = async (fn: () => Promise<Response>, done: (r: Response) => boolean) => {
    let res = await fn();
    await waitFor(
      'the answer to change',
      async () => {
        res = await fn();
        return done(res);
      },
      10_000,
      100,
    );
    return res;
  };

  it('revoked jti → revoked (in-memory store)', async () => {
    const k = await createTestKeyway(base());
    const h = await headers({ ...good, jti: 'leaked-1' });
    expect((await k.auth(h)).status).toBe(200);
    await k.runtime.revocation.revokeJti({ jti: 'leaked-1', exp: nowSeconds() + 600 });
    await expectDeny(await k.auth(h), 'revoked');
    await k.close();
  });

  it('Redis gone past max_staleness, fail closed → revocation_unavailable', async () => {
    const redis = await startRedis();
    const input = base({ revocation: { redis_url: redis.url, max_staleness: '1s', heartbeat: '200ms' } });
    const k = await createTestKeyway(input);
    const h = await headers();
    expect((await k.auth(h)).status).toBe(200);
    await redis.stop();
    await expectDeny(
      await until(
        () => k.auth(h),
        (r) => r.status !== 200,
      ),
      'revocation_unavailable',
    );
    await k.close();
    await redis.close();
  });

  it('only upstream unhealthy, on_no_upstream deny → no_upstream', async () => {
    const dead = await unusedPort();
    const table = join(dir, 'routes.yaml');
    writeFileSync(table, `routes:\n  t1/svc/blue: 127.0.0.1:${dead}\ndefault: 127.0.0.1:${dead}\n`);
    const input = base({
      routing: { table_file: table, health: { interval: '100ms', timeout: '50ms', unhealthy_threshold: 1 } },
    });
    const k = await createTestKeyway(input);
    const h = await headers({ ...good, tenant: 't1', service: 'svc', version: 'blue' });
    await expectDeny(
      await until(
        () => k.auth(h),
        (r) => r.status === 503,
      ),
      'no_upstream',
    );
    await k.close();
  });

  it('a bug in a stage → 500 internal_error, logged, never a crash', async () => {
    // Fault injection: a route selector that throws a plain TypeError stands for any unexpected bug.
    const k = await createTestKeyway(base(), {
      router: {
        enabled: true,
        select: () => {
          throw new TypeError('boom');
        },
        readiness: { name: 'routes', check: () => ({ ok: true, detail: '' }) },
        start: async () => {},
        close: async () => {},
        snapshot: () => {
          throw new TypeError('not used');
        },
      },
    });
    await expectDeny(await k.auth(await headers()), 'internal_error');
    expect(k.logs.entries().some((e) => e['msg'] === 'internal error')).toBe(true);
    await k.close();
  });

  it('server.proxy_secret set, the subrequest without it or with another → 401 proxy_secret_mismatch', async () => {
    const secret = 'proxy-secret-for-reasons-0123456789';
    const k = await createTestKeyway(base({ server: { proxy_secret: secret } }));
    const h = await headers();
    await expectDeny(await k.auth(h), 'proxy_secret_mismatch');
    await expectDeny(await k.auth({ ...h, 'x-keyway-proxy-secret': `${secret}x` }), 'proxy_secret_mismatch');
    expect((await k.auth({ ...h, 'x-keyway-proxy-secret': secret })).status).toBe(200);
    await k.close();
  });
});

// Computed from the test files, not kept by hand: a code added to REASONS fails here until a test expects it.
describe('every reason code has a test that expects it', () => {
  it('each code of REASONS is expected by some test file (reason: …, .toBe(…), expect…(…, code))', () => {
    expect(reasonsWithoutTest(REASON_CODES)).toEqual([]);
  });

  it('a code no test expects is reported (the guard can fail)', () => {
    const sources = [{ text: "expectDeny(res, 'a_tested_code');\nnew KeywayError('not_asserted_code');" }];
    expect(reasonsWithoutTest(['a_tested_code', 'not_asserted_code'], sources)).toEqual([
      'not_asserted_code',
    ]);
  });
});
