// The request each proxy really sends (examples/<proxy>/README.md, "What … sends keyway") → the right decision and the
// set-or-clear header contract.
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKeyway, type TestKeyway } from '../helpers/keyway.js';
import { createKeyPair, HS_SECRET, mint, type TestKeyPair } from '../helpers/tokens.js';

let kw: TestKeyway;
let rsa: TestKeyPair;
const claims = {
  iss: 'https://idp.test',
  aud: 'api',
  sub: 'alice',
  jti: 'jti-1',
  tenant: 't1',
  service: 'svc',
  version: 'blue',
  instance: 'i1',
  email: 'alice@test',
  org: { roles: ['admin', 'dev'] },
};

beforeAll(async () => {
  rsa = await createKeyPair('RS256', 'rsa-1');
  kw = await createTestKeyway({
    issuers: [
      {
        name: 'main',
        issuer: 'https://idp.test',
        hs_secrets: [HS_SECRET],
        keys: [{ jwk: rsa.publicJwk }],
        audiences: ['api'],
      },
    ],
    policies: [
      { name: 'public', match: { paths: ['/public'] }, anonymous: true },
      {
        name: 'api',
        match: { hosts: ['app.example.com'], paths: ['/api'] },
        token_sources: ['bearer', 'header:X-JWT-Token', 'cookie:session'],
        headers: { 'X-User-Email': 'email', 'X-User-Roles': 'org.roles', 'X-User-Team': 'team' },
      },
      { name: 'admin-only', match: { paths: ['/admin'] }, claims: { 'org.roles': ['root'] } },
      { name: 'forms', match: { paths: ['/forms'], methods: ['POST'] }, anonymous: true },
    ],
  });
});
afterAll(() => kw.close());

const traefik = (token: string, uri = '/api/items?page=2') => ({
  'x-forwarded-method': 'GET',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'app.example.com',
  'x-forwarded-uri': uri,
  'x-forwarded-for': '203.0.113.7',
  authorization: `Bearer ${token}`,
});
const caddy = (token: string) => ({
  host: 'app.example.com',
  'x-forwarded-method': 'GET',
  'x-forwarded-uri': '/api/items',
  'x-forwarded-host': 'app.example.com',
  'x-forwarded-proto': 'https',
  'x-forwarded-for': '203.0.113.7',
  cookie: `theme=dark; session=${token}`,
  // A client-forged identity header that Caddy passes to keyway verbatim: keyway must not echo it.
  'x-auth-subject': 'mallory',
});
const nginx = (token: string) => ({
  host: 'keyway',
  'x-original-uri': '/api/items?x=1',
  'x-original-method': 'POST',
  'x-forwarded-host': 'app.example.com',
  'x-jwt-token': token,
});

describe('proxy request shapes', () => {
  it.each([
    ['Traefik forwardAuth', traefik],
    ['Caddy forward_auth (token in cookie, forged X-Auth-Subject)', caddy],
    ['nginx auth_request (X-Original-*, X-JWT-Token)', nginx],
  ])('%s → 200 with identity, mapped claims and routing keys', async (_name, shape) => {
    const res = await kw.auth(shape(await mint(claims, { secret: HS_SECRET })));
    expect(res.status).toBe(200);
    expect(
      Object.fromEntries(
        [...res.headers].filter(
          ([k]) => k.startsWith('x-auth') || k.startsWith('x-route') || k.startsWith('x-user'),
        ),
      ),
    ).toEqual({
      'x-auth-subject': 'alice',
      'x-auth-issuer': 'https://idp.test',
      'x-auth-token-id': 'jti-1',
      'x-route-instance-key': 't1/svc/blue/i1',
      'x-route-version-key': 't1/svc/blue',
      'x-route-upstream': '',
      'x-route-match': '',
      'x-user-email': 'alice@test',
      'x-user-roles': 'admin,dev',
      'x-user-team': '',
    });
    expect(await res.text()).toBe('');
  });

  it('set-or-clear: an anonymous 2xx still carries every header, empty', async () => {
    const res = await kw.auth({
      'x-forwarded-host': 'app.example.com',
      'x-forwarded-uri': '/public/x',
      'x-auth-subject': 'mallory',
    });
    expect(res.status).toBe(200);
    for (const name of [
      'x-auth-subject',
      'x-auth-issuer',
      'x-auth-token-id',
      'x-route-instance-key',
      'x-route-upstream',
      'x-user-email',
    ]) {
      expect(res.headers.get(name)).toBe('');
    }
  });

  it('anonymous: a presented token is still verified', async () => {
    const res = await kw.auth({ 'x-forwarded-uri': '/public/x', authorization: 'Bearer not.a.jwt' });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-auth-reason')).toBe('malformed_token');
    const ok = await kw.auth({
      'x-forwarded-uri': '/public/x',
      authorization: `Bearer ${await mint(claims, rsa)}`,
    });
    expect(ok.headers.get('x-auth-subject')).toBe('alice');
  });

  // Dot segments: backends resolve them in incompatible ways — Tomcat drops `;` before decoding, nginx and Caddy
  // decode %2F into a separator, Node's URL parser lets `..` remove an empty segment, Express and many Go routers do
  // not resolve them at all — so any path with one, in any reading, is refused rather than guessed at.
  it.each([
    '/public/../admin/users',
    '/public/%2e%2e/admin/users',
    '/public;/../admin/users',
    '/public/..;/admin/users',
    '/public/..;x=1/admin/users',
    '/admin/..;/public/x',
    '/admin\\..\\public/x',
    '/admin/x%5c..%5c..%5cpublic',
    '/admin/x%2f..%2f..%2fpublic',
    '/admin//../public/x',
    '/public;%5Cx%2F..%2Fadmin/users',
    '/public;%2Ffoo/..;/admin/users',
    '/admin/..',
    '/public/%252e%252e/admin',
    '/public/./x',
  ])('a URI with a dot segment in some reading (%s) → 403 ambiguous_request', async (uri) => {
    const res = await kw.auth({ 'x-forwarded-uri': uri });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-auth-reason')).toBe('ambiguous_request');
  });

  it('a case-insensitive router would read /ADMIN as /admin: refused when that selects another policy', async () => {
    expect((await kw.auth({ 'x-forwarded-uri': '/ADMIN/users' })).headers.get('x-auth-reason')).toBe(
      'ambiguous_request',
    );
    // A mixed-case path that every reading keeps under one policy is an ordinary request.
    expect((await kw.auth({ 'x-forwarded-uri': '/public/ReadMe.TXT' })).status).toBe(200);
  });

  it('a `;` path parameter does not move a request out of its policy (both readings agree)', async () => {
    const res = await kw.auth({ 'x-forwarded-uri': '/public;jsessionid=1/x' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-auth-subject')).toBe('');
    expect((await kw.auth({ 'x-forwarded-uri': '/admin;jsessionid=1' })).headers.get('x-auth-reason')).toBe(
      'missing_token',
    );
  });

  it.each([
    [{ 'x-http-method-override': 'DELETE' }, '/forms/1'],
    [{ 'x-method-override': 'delete' }, '/forms/1'],
    [{ 'x-http-method': 'PUT' }, '/forms/1'],
    [{}, '/forms/1?_method=DELETE'],
    // Spring and Tomcat decode parameter names; PHP also turns a leading space, "." and "[" into "_".
    [{}, '/forms/1?%5Fmethod=DELETE'],
    [{}, '/forms/1?.method=DELETE'],
    [{}, '/forms/1?a=1&+_method=delete'],
  ])('a method override that selects another policy (%o %s) → 403 ambiguous_request', async (extra, uri) => {
    expect((await kw.auth({ 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/forms/1' })).status).toBe(200);
    const res = await kw.auth({ 'x-forwarded-method': 'POST', 'x-forwarded-uri': uri, ...extra });
    expect(res.headers.get('x-auth-reason')).toBe('ambiguous_request');
    // The same override on a path where every method selects the same policy is harmless.
    const same = await kw.auth({ 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/admin/x', ...extra });
    expect(same.headers.get('x-auth-reason')).toBe('missing_token');
  });

  it.each<[Record<string, string>, string]>([
    [{ 'x-forwarded-uri': '/public/x, /admin/x' }, 'several forwarded URIs'],
    [{ 'x-forwarded-method': 'GET, DELETE' }, 'several forwarded methods'],
    [{ 'x-forwarded-uri': '/public/%E0%A4%A' }, 'the forwarded path cannot be decoded'],
  ])('%o → 403 ambiguous_request (%s)', async (headers, why) => {
    const res = await kw.auth({ 'x-forwarded-uri': '/public/x', ...headers });
    expect(kw.logs.entries().some((e) => JSON.stringify(e).includes(why))).toBe(true);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-auth-reason')).toBe('ambiguous_request');
  });

  it('an empty X-Forwarded-Uri does not hide X-Original-URI', async () => {
    const res = await kw.auth({ 'x-forwarded-uri': '', 'x-original-uri': '/admin/x' });
    expect(res.headers.get('x-auth-reason')).toBe('missing_token');
  });

  it('/auth/{policy} picks the policy by name', async () => {
    const token = await mint(claims, rsa);
    const res = await kw.auth(
      { 'x-forwarded-uri': '/anything', authorization: `Bearer ${token}` },
      '/auth/admin-only',
    );
    expect(res.headers.get('x-auth-reason')).toBe('claim_mismatch');
    const unknown = await kw.auth({ authorization: `Bearer ${token}` }, '/auth/nope');
    expect(unknown.headers.get('x-auth-reason')).toBe('no_policy');
  });

  it('nginx without X-Original-URI matches no path policy (fails closed)', async () => {
    const res = await kw.auth({ authorization: `Bearer ${await mint(claims, rsa)}` });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-auth-reason')).toBe('no_policy');
  });
});

describe('alg confusion', () => {
  it('HS256 signed with the RSA public key (PEM) as the secret → 401, never 200', async () => {
    const pem = createPublicKey({ key: rsa.publicJwk as never, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    for (const secret of [String(pem), JSON.stringify(rsa.publicJwk)]) {
      const token = await mint(claims, { secret, kid: 'rsa-1' });
      const res = await kw.auth(traefik(token));
      expect(res.status).toBe(401);
      expect(['alg_not_allowed', 'bad_signature', 'unknown_key']).toContain(res.headers.get('x-auth-reason'));
    }
  });
});

describe('decision log and metrics', () => {
  it('logs one line per decision with request id, never the token', async () => {
    const token = await mint(claims, { secret: HS_SECRET });
    await kw.auth({ ...traefik(token), 'x-request-id': 'req-42' });
    const line = kw.logs.entries().find((e) => e['request_id'] === 'req-42');
    expect(line).toMatchObject({
      msg: 'decision',
      result: 'allow',
      reason: 'ok',
      policy: 'api',
      sub: 'alice',
      path: '/api/items',
    });
    expect(kw.logs.lines.join('\n')).not.toContain(token);
    expect(kw.logs.lines.join('\n')).not.toContain(HS_SECRET);
  });
  it('counts decisions by result, reason and policy', async () => {
    await kw.auth({ 'x-forwarded-host': 'app.example.com', 'x-forwarded-uri': '/api/x' });
    const text = await (await kw.app.request('/metrics')).text();
    expect(text).toMatch(/keyway_decisions_total\{result="deny",reason="missing_token",policy="api"\} \d+/);
    expect(text).toContain('keyway_decision_duration_seconds_bucket');
  });
});
