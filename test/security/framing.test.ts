// Request framing through app.request: the bearer grammar (RFC 6750 §2.1, RFC 9110 §11), token source precedence,
// ambiguous repeats, forged identity headers, and claim values that try to become headers. (Duplicate headers on a
// real socket, 431 and body-less Content-Length are in socket.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claims,
  craft,
  decide,
  expectAllow,
  expectDeny,
  HS_ISS,
  HS256_SECRET,
  type Suite,
  signer,
  startSuite,
} from './fixture.js';

let suite: Suite;
let tok: string;
beforeAll(async () => {
  suite = await startSuite();
  tok = craft({ alg: 'HS256' }, claims(HS_ISS), signer('HS256', HS256_SECRET));
});
afterAll(() => suite.close());

const hs = (extra: Record<string, unknown> = {}) =>
  craft({ alg: 'HS256' }, claims(HS_ISS, extra), signer('HS256', HS256_SECRET));
const GARBAGE = 'not.a.jwt';

describe('the Authorization bearer grammar', () => {
  it.each([
    ['lower-case "bearer"', (t: string) => `bearer ${t}`],
    ['upper-case "BEARER"', (t: string) => `BEARER ${t}`],
    ['mixed-case "bEaReR"', (t: string) => `bEaReR ${t}`],
    ['several spaces after the scheme', (t: string) => `Bearer   ${t}`],
  ])('%s → 200 (the scheme is case-insensitive)', async (_name, value) => {
    await expectAllow(await decide(suite, undefined, { authorization: value(tok) }));
  });

  it.each([
    ['two bearer credentials (two headers joined by the server)', (t: string) => `Bearer ${t}, Bearer ${t}`],
    ['a bearer credential, then a Basic one', (t: string) => `Bearer ${t}, Basic dXNlcjpwYXNz`],
    ['a Basic credential, then a bearer one', (t: string) => `Basic dXNlcjpwYXNz, Bearer ${t}`],
    ['a bearer credential and an empty second header', (t: string) => `Bearer ${t}, `],
    ['"Bearer" and no token', () => 'Bearer'],
    ['two tokens after one scheme', (t: string) => `Bearer ${t} ${t}`],
    ['a token with a comma', (t: string) => `Bearer ${t},x`],
    ['a quoted token', (t: string) => `Bearer "${t}"`],
    ['an auth-param instead of a token', () => 'Bearer token="abc"'],
  ])('%s → 401 malformed_token (never "pick one")', async (_name, value) => {
    await expectDeny(await decide(suite, undefined, { authorization: value(tok) }), 401, 'malformed_token');
  });

  it.each([
    ['a Basic credential only', 'Basic dXNlcjpwYXNz'],
    ['another scheme ("Token")', 'Token abc'],
    ['"Bearer" glued to the token', 'BearerX'],
    ['an empty Authorization header', ''],
  ])('%s → 401 missing_token (not our scheme: ignored)', async (_name, value) => {
    await expectDeny(await decide(suite, undefined, { authorization: value }), 401, 'missing_token');
  });

  it('another scheme carrying a valid JWT is not accepted as a bearer token → 401 missing_token', async () => {
    await expectDeny(await decide(suite, undefined, { authorization: `JWT ${tok}` }), 401, 'missing_token');
  });
});

describe('token sources: one token however many sources carry it; different tokens are refused', () => {
  it.each([
    [
      '[bearer, cookie]: valid bearer + garbage cookie',
      'bearer-then-cookie',
      `Bearer ${'T'}`,
      `session=${GARBAGE}`,
      'malformed_token',
    ],
    [
      '[bearer, cookie]: garbage bearer + valid cookie',
      'bearer-then-cookie',
      `Bearer ${GARBAGE}`,
      'session=T',
      'malformed_token',
    ],
    ['[bearer, cookie]: no bearer, valid cookie', 'bearer-then-cookie', undefined, 'session=T', 200],
    ['[bearer, cookie]: the same token in both', 'bearer-then-cookie', 'Bearer T', 'session=T', 200],
    ['[cookie, bearer]: the same token in both', 'cookie-then-bearer', 'Bearer T', 'session=T', 200],
    [
      '[bearer, cookie]: a Basic header (the backend would get it unchecked), valid cookie',
      'bearer-then-cookie',
      'Basic dXNlcjpwYXNz',
      'session=T',
      'malformed_token',
    ],
    [
      '[cookie, bearer]: valid cookie + garbage bearer',
      'cookie-then-bearer',
      `Bearer ${GARBAGE}`,
      'session=T',
      'malformed_token',
    ],
    [
      '[cookie, bearer]: garbage cookie + valid bearer',
      'cookie-then-bearer',
      'Bearer T',
      `session=${GARBAGE}`,
      'malformed_token',
    ],
    ['[bearer] only: a valid cookie is not a source', 'api', undefined, 'session=T', 'missing_token'],
  ] as const)('%s → %s', async (_name, policy, authorization, cookie, expected) => {
    const headers: Record<string, string> = { cookie: cookie.replace('T', tok) };
    if (authorization) headers['authorization'] = authorization.replace('T', tok);
    const res = await decide(suite, undefined, headers, `/auth/${policy}`);
    if (expected === 200) await expectAllow(res);
    else await expectDeny(res, 401, expected);
  });

  it.each([
    [
      'the session cookie twice',
      'bearer-then-cookie',
      { cookie: 'session=T; theme=dark; session=T' },
      'malformed_token',
    ],
    [
      'the session cookie twice, once empty',
      'bearer-then-cookie',
      { cookie: 'session=; session=T' },
      'malformed_token',
    ],
    [
      'a cookie whose name only ends with "session"',
      'bearer-then-cookie',
      { cookie: 'xsession=T' },
      'missing_token',
    ],
    [
      'access_token twice in the forwarded query',
      'query',
      { 'x-forwarded-uri': '/x?access_token=T&access_token=T' },
      'malformed_token',
    ],
    ['X-JWT with two values (two headers joined)', 'api-header', { 'x-jwt': 'T, T' }, 'malformed_token'],
  ] as const)('%s → 401 %s', async (_name, policy, headers, reason) => {
    const sent = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replaceAll('T', tok)]));
    await expectDeny(await decide(suite, undefined, sent, `/auth/${policy}`), 401, reason);
  });

  it('with X-Forwarded-Uri present, a token in the /auth request’s own query is ignored → 401 missing_token', async () => {
    const res = await suite.kw.app.request(`/auth/query?access_token=${tok}`, {
      headers: { 'x-forwarded-uri': '/x' },
    });
    await expectDeny(res, 401, 'missing_token');
  });
});

describe('claim values mapped to headers', () => {
  it.each([
    [
      'CR/LF + a header line in a mapped claim',
      { name: 'Mallory\r\nX-Auth-Subject: admin' },
      'x-user-name',
      'Mallory%0D%0AX-Auth-Subject: admin',
    ],
    [
      'CR/LF in sub',
      { sub: 'alice\r\nX-Auth-Subject: admin' },
      'x-auth-subject',
      'alice%0D%0AX-Auth-Subject: admin',
    ],
    ['a bare LF', { name: 'a\nb' }, 'x-user-name', 'a%0Ab'],
    ['NUL', { name: 'ad\u0000min' }, 'x-user-name', 'ad%00min'],
    ['a percent-encoded impersonation ("%61dmin")', { name: '%61dmin' }, 'x-user-name', '%2561dmin'],
    ['a comma inside one group', { groups: ['staff,admin'] }, 'x-user-groups', 'staff%2Cadmin'],
    ['two groups', { groups: ['staff', 'admin'] }, 'x-user-groups', 'staff,admin'],
    ['non-ASCII', { name: 'Zoë' }, 'x-user-name', 'Zo%C3%AB'],
    ['a lone surrogate', { name: 'a\ud800' }, 'x-user-name', ''],
    ['an object claim', { name: { first: 'a' } }, 'x-user-name', ''],
    ['a value over max_header_value_bytes (1024)', { name: 'x'.repeat(1025) }, 'x-user-name', ''],
  ])('%s → 200, the header is %j, no other header appears', async (_name, extra, header, value) => {
    const res = await decide(suite, hs(extra as Record<string, unknown>));
    expect(res.status).toBe(200);
    expect(res.headers.get(header)).toBe(value);
    expect([...res.headers.keys()].filter((k) => k.startsWith('x-injected') || k === 'x-evil')).toEqual([]);
    if (header !== 'x-auth-subject') expect(res.headers.get('x-auth-subject')).toBe('alice');
  });

  it('client-sent X-Auth-* / X-Route-* / mapped headers are never echoed: keyway sets or clears each one', async () => {
    const res = await decide(suite, hs(), {
      'x-auth-subject': 'admin',
      'x-auth-token-id': 'forged',
      'x-route-upstream': 'evil.example:80',
      'x-user-name': 'forged',
    });
    await expectAllow(res);
    expect(res.headers.get('x-auth-token-id')).toBe('');
    expect(res.headers.get('x-route-upstream')).toBe('');
    expect(res.headers.get('x-user-name')).toBe('');
  });
});

describe('large forwarded headers (app.request: no Node header limit in the way)', () => {
  it.each([
    ['a 256 KiB X-Forwarded-Uri', { 'x-forwarded-uri': `/${'a'.repeat(262_144)}` }],
    ['a 256 KiB X-Forwarded-Host', { 'x-forwarded-host': `${'a'.repeat(262_144)}.test` }],
    ['a 256 KiB Cookie with no session', { cookie: `a=${'b'.repeat(262_144)}` }],
  ])('%s → a normal decision (200), never a 500', async (_name, headers) => {
    await expectAllow(await decide(suite, tok, headers));
  });

  it('10,000 path segments of ".." → a normal decision (403 ambiguous_request: dot segments), never a 500', async () => {
    await expectDeny(
      await decide(suite, tok, { 'x-forwarded-uri': '/..'.repeat(10_000) }),
      403,
      'ambiguous_request',
    );
  });
});
