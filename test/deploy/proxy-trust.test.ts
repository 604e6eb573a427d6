// Only the proxy may call keyway (server.proxy_secret) and the client address comes from the one header the setup
// trusts (server.client_ip_header, e.g. Fly-Client-IP behind Fly's edge), through /auth of the production wiring.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecret } from '../helpers/audit.js';
import { createTestKeyway, type TestKeyway } from '../helpers/keyway.js';
import { HS_SECRET, mint } from '../helpers/tokens.js';

const SECRET = 'proxy-trust-secret-a1b2c3d4e5f6g7h8';
registerSecret(SECRET, 'proxy secret');
const issuer = { name: 'main', issuer: 'https://idp.test', hs_secrets: [HS_SECRET] };

describe('server.proxy_secret', () => {
  let kw: TestKeyway;
  beforeAll(async () => {
    kw = await createTestKeyway({
      server: { proxy_secret: SECRET },
      issuers: [issuer],
      policies: [{ name: 'api' }],
    });
  });
  afterAll(() => kw.close());

  const call = async (extra: Record<string, string>, path?: string) =>
    kw.auth(
      {
        'x-forwarded-uri': '/items',
        authorization: `Bearer ${await mint({ iss: 'https://idp.test', sub: 'alice' }, { secret: HS_SECRET })}`,
        ...extra,
      },
      path,
    );

  it.each([
    ['absent', {}],
    ['empty', { 'x-keyway-proxy-secret': '' }],
    ['a prefix of it', { 'x-keyway-proxy-secret': SECRET.slice(0, -1) }],
    ['longer', { 'x-keyway-proxy-secret': `${SECRET}0` }],
    ['in another case', { 'x-keyway-proxy-secret': SECRET.toUpperCase() }],
    ['sent twice (joined)', { 'x-keyway-proxy-secret': `${SECRET}, ${SECRET}` }],
  ])('%s → 401 proxy_secret_mismatch, even with a valid token, on /auth/{policy} too', async (_n, extra) => {
    for (const path of ['/auth', '/auth/api']) {
      const res = await call(extra, path);
      expect(res.status).toBe(401);
      expect(res.headers.get('x-auth-reason')).toBe('proxy_secret_mismatch');
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="keyway"');
      expect(res.headers.get('x-auth-subject')).toBeNull();
    }
  });

  it('the right value → the pipeline decides (200 with the subject); the secret is never logged', async () => {
    const res = await call({ 'x-keyway-proxy-secret': SECRET });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-auth-subject')).toBe('alice');
    const denied = kw.logs.entries().filter((e) => e['reason'] === 'proxy_secret_mismatch');
    expect(denied.length).toBeGreaterThan(0);
    expect(kw.logs.lines.join('\n')).not.toContain(SECRET);
  });

  it('probes stay reachable without it (platform health checks carry no secret)', async () => {
    expect((await kw.app.request('/healthz')).status).toBe(200);
  });
});

describe('server.client_ip_header', () => {
  let kw: TestKeyway;
  beforeAll(async () => {
    kw = await createTestKeyway({
      server: { client_ip_header: 'Fly-Client-IP' },
      issuers: [issuer],
      policies: [{ name: 'api', anonymous: true, rate_limit: { requests: 1, per: '1m', by: 'client_ip' } }],
    });
  });
  afterAll(() => kw.close());

  // Behind Fly's edge every request arrives from the edge's address: X-Forwarded-For is the same for all clients.
  const fromEdge = (flyClientIp?: string) => ({
    'x-forwarded-uri': '/items',
    'x-forwarded-for': '172.16.5.9',
    ...(flyClientIp === undefined ? {} : { 'fly-client-ip': flyClientIp }),
  });
  const loggedIp = () =>
    kw.logs
      .entries()
      .filter((e) => e['msg'] === 'decision')
      .at(-1)?.['client_ip'];

  it('rate limits and logs by the named header, not by the shared X-Forwarded-For', async () => {
    expect((await kw.auth(fromEdge('203.0.113.10'))).status).toBe(200);
    expect(loggedIp()).toBe('203.0.113.10');
    expect((await kw.auth(fromEdge('203.0.113.11'))).status).toBe(200);
    expect(loggedIp()).toBe('203.0.113.11');
    expect((await kw.auth(fromEdge('203.0.113.10'))).status).toBe(429);
  });

  it('absent, or holding several values, gives no client address (never the X-Forwarded-For one)', async () => {
    await kw.auth(fromEdge());
    expect(loggedIp()).toBeUndefined();
    await kw.auth(fromEdge('198.51.100.1, 203.0.113.10'));
    expect(loggedIp()).toBeUndefined();
  });
});

describe('server.proxy_secret_previous (rotation without a failed request)', () => {
  const NEXT = 'proxy-trust-next-secret-z9y8x7w6v5u4';
  registerSecret(NEXT, 'next proxy secret');
  let kw: TestKeyway;
  beforeAll(async () => {
    kw = await createTestKeyway({
      server: { proxy_secret: NEXT, proxy_secret_previous: SECRET },
      issuers: [issuer],
      policies: [{ name: 'api', anonymous: true }],
    });
  });
  afterAll(() => kw.close());

  it('accepts the new and the previous secret, nothing else', async () => {
    const status = async (sent?: string) =>
      (await kw.auth(sent === undefined ? {} : { 'x-keyway-proxy-secret': sent })).status;
    expect(await status(NEXT)).toBe(200);
    expect(await status(SECRET)).toBe(200);
    expect(await status(`${NEXT}${SECRET}`)).toBe(401);
    expect(await status()).toBe(401);
  });

  it('a previous secret without a current one is refused at start, by key', async () => {
    await expect(
      createTestKeyway({
        server: { proxy_secret_previous: SECRET },
        issuers: [issuer],
        policies: [{ name: 'a' }],
      }),
    ).rejects.toMatchObject({ issues: [{ path: 'server.proxy_secret_previous', code: 'requires' }] });
  });
});
