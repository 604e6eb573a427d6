import { describe, expect, it } from 'vitest';
import { policySchema } from '../../../src/config/schema.js';
import type { KeywayError } from '../../../src/errors.js';
import { createManualClock } from '../../../src/lib/clock.js';
import { parseStrictJsonObject } from '../../../src/lib/strict-json.js';
import { compileAuthorizer, scopesOf } from '../../../src/policy/authorize.js';
import { compileMatcher } from '../../../src/policy/matcher.js';
import { createRateLimiter } from '../../../src/policy/rate-limit.js';
import { parseForwardedRequest } from '../../../src/request/request.js';

const req = (host: string, uri: string, method = 'GET') =>
  parseForwardedRequest(
    { method, query: '', header: (n) => ({ 'x-forwarded-host': host, 'x-forwarded-uri': uri })[n] },
    () => 'id',
  );
const policy = (extra: Record<string, unknown>) => policySchema.parse({ name: 'p', ...extra });
const reason = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as KeywayError).reason;
  }
};

describe('compileMatcher', () => {
  const m = compileMatcher(
    policy({ match: { hosts: ['api.example.com', '*.apps.test'], paths: ['/api'], methods: ['GET'] } }).match,
  );
  it.each([
    ['api.example.com', '/api', 'GET', true],
    ['api.example.com:8443', '/api/x', 'GET', true],
    ['a.apps.test', '/api/x', 'GET', true],
    ['a.b.apps.test', '/api/x', 'GET', false],
    ['apps.test', '/api/x', 'GET', false],
    ['evil-api.example.com', '/api', 'GET', false],
    ['api.example.com', '/apix', 'GET', false],
    ['api.example.com', '/api/../admin', 'GET', false],
    ['api.example.com', '/api', 'POST', false],
  ])('%s %s %s → %s', (host, uri, method, expected) => {
    expect(m(req(host, uri, method))).toBe(expected);
  });
  it('an empty match block matches everything', () => {
    expect(compileMatcher(policy({}).match)(req('x', '/'))).toBe(true);
  });
});

describe('compileAuthorizer', () => {
  const authorize = compileAuthorizer(
    policy({
      required_claims: ['email'],
      claims: { project: ['captionacc'], service: ['prefect', 'api'], roles: ['admin'] },
      scopes: ['read', 'write'],
    }),
  );
  const ok = {
    email: 'a@b',
    project: 'captionacc',
    service: 'api',
    roles: ['user', 'admin'],
    scope: 'read write',
  };
  it.each([
    ['all present', ok, 'ok'],
    ['scp array', { ...ok, scope: undefined, scp: ['write', 'read'] }, 'ok'],
    ['required claim missing', { ...ok, email: undefined }, 'missing_claim'],
    ['allowlisted claim missing', { ...ok, project: undefined }, 'missing_claim'],
    ['scalar not allowed', { ...ok, service: 'modal' }, 'claim_mismatch'],
    ['array without allowed value', { ...ok, roles: ['user'] }, 'claim_mismatch'],
    ['object where scalar expected', { ...ok, service: { api: 1 } }, 'claim_mismatch'],
    ['scope missing', { ...ok, scope: 'read' }, 'insufficient_scope'],
  ])('%s → %s', (_n, claims, expected) => {
    expect(reason(() => authorize(claims as Record<string, unknown>))).toBe(expected);
  });
  it('a 64-bit id allowlist matches only the exact digits (the token parser keeps them as a string)', () => {
    const big = compileAuthorizer(policy({ claims: { uid: ['9007199254740993'] } }));
    const uid = (text: string) => parseStrictJsonObject(`{"uid":${text}}`)!;
    expect(reason(() => big(uid('9007199254740993')))).toBe('ok');
    expect(reason(() => big(uid('9007199254740992')))).toBe('claim_mismatch');
    expect(reason(() => big(uid('"9007199254740993"')))).toBe('ok');
  });
  it('scopesOf merges scope and scp', () => {
    expect([...scopesOf({ scope: 'a  b', scp: 'c' })].sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('createRateLimiter', () => {
  it('allows a burst, then rate_limited with Retry-After, then refills', () => {
    const clock = createManualClock(0);
    const take = createRateLimiter(2, 10_000, clock);
    take('u');
    take('u');
    let error: KeywayError | undefined;
    try {
      take('u');
    } catch (err) {
      error = err as KeywayError;
    }
    expect(error?.reason).toBe('rate_limited');
    expect(error?.retryAfter).toBe(5);
    take('other');
    clock.advance(5_000);
    expect(reason(() => take('u'))).toBe('ok');
  });
});
