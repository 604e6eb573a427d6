// The verified-token cache never outlives what made the token valid: its key, its exp, its policy's issuers.
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { createLogger } from '../../src/infra/log.js';
import { createManualClock } from '../../src/lib/clock.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { createTestKey, type JwksServer, startJwksServer } from '../helpers/jwks-server.js';
import { createTestKeyway, type TestKeyway } from '../helpers/keyway.js';
import { createLogCapture } from '../helpers/log-capture.js';
import { HS_SECRET, mint } from '../helpers/tokens.js';
import { waitFor } from '../helpers/wait-for.js';

const ADMIN = 'cache-admin-token-0123456789';
let idp: JwksServer | undefined;
let server: RunningServer | undefined;
let kw: TestKeyway | undefined;
afterEach(async () => {
  await server?.close();
  await idp?.close();
  await kw?.close();
  server = undefined;
  idp = undefined;
  kw = undefined;
});

const now = () => Math.floor(Date.now() / 1000);

describe('verified-token cache', () => {
  it('a key rotated out of the JWKS ends a cached verification', async () => {
    idp = await startJwksServer();
    const k1 = createTestKey('k1');
    const k2 = createTestKey('k2');
    idp.setKeys([k1.jwk]);
    const config = parseConfig(
      {
        server: { port: 0 },
        admin: { port: 0, token: ADMIN },
        issuers: [{ issuer: 'https://idp.test', jwks_uri: idp.jwksUrl, jwks: { retries: 0 } }],
        policies: [{ name: 'p' }],
      },
      'test',
      { readFile: () => '' },
    );
    server = await startServer(config, { deps: { log: createLogger('debug', createLogCapture()) } });
    const token = await k1.sign({ iss: 'https://idp.test', sub: 'u1', iat: now(), exp: now() + 600 });
    const auth = () =>
      fetch(`http://127.0.0.1:${server!.port}/auth`, { headers: { authorization: `Bearer ${token}` } });
    await waitFor('the first allow', async () => (await auth()).status === 200, 2_500, 50);
    expect((await auth()).status).toBe(200);
    idp.setKeys([k2.jwk]);
    const refresh = await fetch(`http://127.0.0.1:${server.adminPort}/admin/keys/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(refresh.status).toBe(200);
    const after = await auth();
    expect(after.status).toBe(401);
    expect(after.headers.get('x-auth-reason')).toBe('unknown_key');
  });

  it('claims are re-checked on every hit: a cached token still expires', async () => {
    const clock = createManualClock(Date.now());
    kw = await createTestKeyway(
      {
        issuers: [{ issuer: 'https://hs.test', hs_secrets: [HS_SECRET], leeway: 0 }],
        policies: [{ name: 'p' }],
      },
      { clock },
    );
    const iat = Math.floor(clock() / 1000);
    const token = await mint({ iss: 'https://hs.test', sub: 'u', iat, exp: iat + 60 }, { secret: HS_SECRET });
    expect((await kw.auth({ authorization: `Bearer ${token}` })).status).toBe(200);
    clock.advance(61_000);
    const res = await kw.auth({ authorization: `Bearer ${token}` });
    expect(res.headers.get('x-auth-reason')).toBe('expired');
  });

  it("a hit still honours the policy's issuers", async () => {
    kw = await createTestKeyway({
      issuers: [
        { name: 'a', issuer: 'https://a.test', hs_secrets: [HS_SECRET] },
        { name: 'b', issuer: 'https://b.test', hs_secrets: [`${HS_SECRET}-b`] },
      ],
      policies: [
        { name: 'any', match: { paths: ['/any'] } },
        { name: 'only-b', match: { paths: ['/b'] }, issuers: ['b'] },
      ],
    });
    const token = await mint({ iss: 'https://a.test', sub: 'u' }, { secret: HS_SECRET });
    const headers = (uri: string) => ({ authorization: `Bearer ${token}`, 'x-forwarded-uri': uri });
    expect((await kw.auth(headers('/any'))).status).toBe(200);
    expect((await kw.auth(headers('/b'))).headers.get('x-auth-reason')).toBe('bad_issuer');
  });
});
