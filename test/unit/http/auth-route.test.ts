// The /auth route without a socket (app.fetch, Fetch headers): answered without a promise when nothing had to wait
// (a verified-cache hit, keys held in memory, a deny before verification); response header names sent once each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKeyway, type TestKeyway } from '../../helpers/keyway.js';
import { HS_SECRET, mint } from '../../helpers/tokens.js';

const ISS = 'https://hs.route.test';
let kw: TestKeyway;
let token: string;
beforeAll(async () => {
  kw = await createTestKeyway({
    issuers: [{ issuer: ISS, hs_secrets: [HS_SECRET] }],
    policies: [
      { name: 'p', headers: { 'X-Tenant': 'tenant' } },
      { name: 'q', headers: { 'x-tenant': 'tenant' } },
    ],
  });
  token = await mint({ iss: ISS, sub: 'alice', tenant: 'acme' }, { secret: HS_SECRET });
});
afterAll(() => kw.close());

/** The main app's fetch with the given headers (no socket: the Fetch Request's headers are read). */
const fetchAuth = (headers: Record<string, string>, path = '/auth') =>
  kw.app.fetch(new Request(`http://keyway${path}`, { headers }));

describe('mountAuthRoutes', () => {
  it('a deny before verification is answered at once (no promise)', () => {
    const res = fetchAuth({});
    expect(res).not.toBeInstanceOf(Promise);
    const answer = res as Response;
    expect({ status: answer.status, reason: answer.headers.get('x-auth-reason') }).toEqual({
      status: 401,
      reason: 'missing_token',
    });
    expect(answer.headers.get('content-type')).toBe('application/json');
  });

  it('a verified-cache hit is answered at once; the first sight of the token too, with a key held in memory', async () => {
    const fresh = await mint({ iss: ISS, sub: 'bob', tenant: 'acme' }, { secret: HS_SECRET });
    const first = fetchAuth({ authorization: `Bearer ${fresh}` });
    expect(first).not.toBeInstanceOf(Promise);
    const hit = fetchAuth({ authorization: `Bearer ${fresh}` });
    expect(hit).not.toBeInstanceOf(Promise);
    expect((hit as Response).status).toBe(200);
    expect((hit as Response).headers.get('x-auth-subject')).toBe('bob');
  });

  it('a header two policies spell in two cases is sent once, with the value', async () => {
    const res = await fetchAuth({ authorization: `Bearer ${token}` }, '/auth/p');
    expect(res.status).toBe(200);
    expect([...res.headers].filter(([n]) => n === 'x-tenant')).toEqual([['x-tenant', 'acme']]);
    const other = await fetchAuth({ authorization: `Bearer ${token}` }, '/auth/q');
    expect(other.headers.get('x-tenant')).toBe('acme');
  });
});
