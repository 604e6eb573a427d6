// Time claims (RFC 7519 §4.1.4-4.1.6) at their boundaries, with a settable clock: exp, nbf, iat, leeway, max_token_age.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createManualClock } from '../../src/lib/clock.js';
import { createTestKeyway, type TestKeyway } from '../helpers/keyway.js';
import { craft, expectAllow, expectDeny, HS256_SECRET, NOW, signer } from './fixture.js';

const clock = createManualClock(NOW * 1000);
let kw: TestKeyway;
beforeAll(async () => {
  kw = await createTestKeyway(
    {
      issuers: [
        { name: 'lee', issuer: 'https://leeway30.test', hs_secrets: [HS256_SECRET] },
        { name: 'strict', issuer: 'https://strict.test', hs_secrets: [HS256_SECRET], leeway: 0 },
        { name: 'aged', issuer: 'https://aged.test', hs_secrets: [HS256_SECRET], max_token_age: '1h' },
        { name: 'noexp', issuer: 'https://noexp.test', hs_secrets: [HS256_SECRET], require_exp: false },
      ],
      policies: [{ name: 'api' }],
    },
    { clock },
  );
});
afterAll(() => kw.close());

/** A token for `iss` with exactly these time claims (no defaults added). */
const token = (iss: string, times: Record<string, number | undefined>) =>
  craft(
    { alg: 'HS256' },
    JSON.stringify({ iss: `https://${iss}.test`, sub: 'alice', ...times }),
    signer('HS256', HS256_SECRET),
  );
const auth = (t: string) => kw.auth({ authorization: `Bearer ${t}` });

describe('time claims at their boundaries (leeway 30 s unless named)', () => {
  it.each([
    ['exp 1 h ago', 'leeway30', { exp: NOW - 3600 }, 'expired'],
    ['exp = now − leeway − 1', 'leeway30', { exp: NOW - 31 }, 'expired'],
    ['exp = now − leeway (the boundary is exclusive)', 'leeway30', { exp: NOW - 30 }, 'expired'],
    ['exp = now, leeway 0', 'strict', { exp: NOW }, 'expired'],
    ['exp = 0', 'leeway30', { exp: 0 }, 'expired'],
    ['exp negative', 'leeway30', { exp: -1 }, 'expired'],
    ['nbf = now + leeway + 1', 'leeway30', { exp: NOW + 600, nbf: NOW + 31 }, 'not_yet_valid'],
    ['nbf = now + 1, leeway 0', 'strict', { exp: NOW + 600, nbf: NOW + 1 }, 'not_yet_valid'],
    ['nbf far in the future', 'leeway30', { exp: NOW + 600, nbf: NOW + 10 ** 9 }, 'not_yet_valid'],
    ['iat = now + leeway + 1', 'leeway30', { exp: NOW + 600, iat: NOW + 31 }, 'issued_in_future'],
    ['iat = now + 1, leeway 0', 'strict', { exp: NOW + 600, iat: NOW + 1 }, 'issued_in_future'],
    [
      'max_token_age 1 h: iat = now − 1 h − leeway − 1',
      'aged',
      { exp: NOW + 600, iat: NOW - 3631 },
      'token_too_old',
    ],
    ['max_token_age 1 h: iat = 0', 'aged', { exp: NOW + 600, iat: 0 }, 'token_too_old'],
    ['max_token_age without iat', 'aged', { exp: NOW + 600 }, 'missing_claim'],
    ['no exp (require_exp: true by default)', 'leeway30', {}, 'missing_claim'],
  ] as const)('%s → 401 %s', async (_name, iss, times, reason) => {
    await expectDeny(await auth(token(iss, times)), 401, reason);
  });

  it.each([
    ['exp = now − leeway + 1', 'leeway30', { exp: NOW - 29 }],
    ['exp = now + 1, leeway 0', 'strict', { exp: NOW + 1 }],
    ['nbf = now + leeway', 'leeway30', { exp: NOW + 600, nbf: NOW + 30 }],
    ['nbf = now, leeway 0', 'strict', { exp: NOW + 600, nbf: NOW }],
    ['iat = now + leeway', 'leeway30', { exp: NOW + 600, iat: NOW + 30 }],
    ['max_token_age 1 h: iat = now − 1 h − leeway', 'aged', { exp: NOW + 600, iat: NOW - 3630 }],
    ['no exp with require_exp: false', 'noexp', {}],
    ['fractional NumericDate exp', 'strict', { exp: NOW + 0.5 }],
  ] as const)('%s → 200', async (_name, iss, times) => {
    await expectAllow(await auth(token(iss, times)));
  });

  it('the same token flips from 200 to expired when the clock passes exp + leeway', async () => {
    const t = token('leeway30', { exp: NOW + 10 });
    await expectAllow(await auth(t));
    clock.set((NOW + 10 + 30) * 1000);
    try {
      await expectDeny(await auth(t), 401, 'expired');
    } finally {
      clock.set(NOW * 1000);
    }
  });
});
