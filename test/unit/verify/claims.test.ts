import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import type { Issuer } from '../../../src/config/types.js';
import { KeywayError } from '../../../src/errors.js';
import { createMirror } from '../../../src/revocation/mirror.js';
import { checkClaims } from '../../../src/verify/claims.js';

const SECRET = 'a-test-secret-that-is-long-enough-32b';
function issuer(extra: Record<string, unknown> = {}): Issuer {
  const config = parseConfig(
    {
      issuers: [
        { issuer: 'https://idp.test', hs_secrets: [SECRET], audiences: ['api'], leeway: 30, ...extra },
      ],
    },
    'test',
    { readFile: () => '' },
  );
  return config.issuers[0]!;
}

const NOW = 1_700_000_000;
const base = { iss: 'https://idp.test', aud: 'api', sub: 'u1', iat: NOW - 10, exp: NOW + 600 };

function check(claims: Record<string, unknown>, iss: Issuer = issuer(), nowSec = NOW): string {
  try {
    checkClaims(claims, iss, nowSec * 1000, 86_400_000);
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(KeywayError);
    return (err as KeywayError).reason;
  }
}

describe('checkClaims with 30 s leeway at the boundaries (injected clock)', () => {
  it.each([
    ['valid', base, 'ok'],
    ['exp just inside leeway', { ...base, exp: NOW - 29 }, 'ok'],
    ['exp exactly at now - leeway', { ...base, exp: NOW - 30 }, 'expired'],
    ['exp long past', { ...base, exp: NOW - 3600 }, 'expired'],
    ['exp missing', { ...base, exp: undefined }, 'missing_claim'],
    ['exp as string', { ...base, exp: String(NOW + 600) }, 'malformed_token'],
    ['nbf within leeway', { ...base, nbf: NOW + 30 }, 'ok'],
    ['nbf beyond leeway', { ...base, nbf: NOW + 31 }, 'not_yet_valid'],
    ['iat within leeway', { ...base, iat: NOW + 30 }, 'ok'],
    ['iat beyond leeway', { ...base, iat: NOW + 31 }, 'issued_in_future'],
    ['aud array containing api', { ...base, aud: ['other', 'api'] }, 'ok'],
    ['aud other', { ...base, aud: 'other' }, 'bad_audience'],
    ['aud missing', { ...base, aud: undefined }, 'bad_audience'],
    ['aud as object', { ...base, aud: { api: true } }, 'malformed_token'],
    ['sub as number', { ...base, sub: 7 }, 'malformed_token'],
  ])('%s → %s', (_name, claims, reason) => {
    expect(check(claims as Record<string, unknown>)).toBe(reason);
  });

  it('max_token_age: iat required, boundary at age - leeway', () => {
    const aged = issuer({ max_token_age: '1h' });
    expect(check({ ...base, iat: NOW - 3600 - 30 }, aged)).toBe('ok');
    expect(check({ ...base, iat: NOW - 3600 - 31 }, aged)).toBe('token_too_old');
    expect(check({ ...base, iat: undefined }, aged)).toBe('missing_claim');
  });

  it('lifetime cap (revocation.max_token_lifetime, 24 h here): exp − iat, or exp − now (+ leeway) without iat', () => {
    expect(check({ ...base, iat: NOW, exp: NOW + 86_400 })).toBe('ok');
    expect(check({ ...base, iat: NOW, exp: NOW + 86_400 + 1 })).toBe('lifetime_too_long');
    expect(check({ ...base, iat: undefined, exp: NOW + 86_400 + 30 })).toBe('ok');
    expect(check({ ...base, iat: undefined, exp: NOW + 86_400 + 31 })).toBe('lifetime_too_long');
    expect(check({ ...base, iat: NOW - 86_000, exp: NOW + 600 })).toBe('lifetime_too_long');
  });

  it('a token the lifetime cap admits never outlives a subject revocation of its iat (leeway counted once)', () => {
    // The guard keeps a subject entry until before + lifetime + leeway (revocation/types.ts subjectExpiresAt).
    const mirror = createMirror({ leeway: 30, lifetime: 86_400 });
    mirror.setSubject('u1', NOW);
    const iss = issuer();
    for (const exp of [NOW + 86_400, NOW + 86_400 + 30]) {
      const token = { ...base, iat: NOW, exp };
      for (let t = NOW + 86_400 - 5; t <= NOW + 86_400 + 90; t++) {
        if (check(token, iss, t) === 'ok') expect(mirror.isRevoked(token, t)).toBe(true);
      }
    }
  });

  it('require_exp: false accepts a token without exp; required_claims are enforced (nested too)', () => {
    expect(check({ ...base, exp: undefined }, issuer({ require_exp: false }))).toBe('ok');
    const strict = issuer({ required_claims: ['tenant', 'org.id'] });
    expect(check({ ...base, tenant: 't', org: { id: 1 } }, strict)).toBe('ok');
    expect(check({ ...base, tenant: 't' }, strict)).toBe('missing_claim');
  });

  it('required_claims: [iat] refuses a token without iat (what closes the subject-revocation gap)', () => {
    const withIat = issuer({ required_claims: ['iat'] });
    expect(check(base, withIat)).toBe('ok');
    expect(check({ ...base, iat: undefined }, withIat)).toBe('missing_claim');
  });
});
