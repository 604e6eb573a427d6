// Property: parseJws on any input returns a well-formed result or throws a KeywayError — nothing else, ever.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeywayError } from '../../../src/errors.js';
import { SIGNING_ALGS } from '../../../src/lib/jws-algs.js';
import { parseJws } from '../../../src/verify/parse-jws.js';
import {
  anyString,
  b64u,
  base64urlish,
  claimsObject,
  headerObject,
  jsonValue,
  jwsish,
} from './arbitraries.js';

const MAX = 16_384;

/** Run parseJws; a non-KeywayError throw fails the property. */
function attempt(token: string, max = MAX): ReturnType<typeof parseJws> | KeywayError {
  try {
    return parseJws(token, max);
  } catch (err) {
    if (!(err instanceof KeywayError)) throw err;
    return err;
  }
}

/** What a successful parse guarantees. */
function expectWellFormed(token: string, jws: ReturnType<typeof parseJws>): void {
  const parts = token.split('.');
  expect(parts).toHaveLength(3);
  for (const part of parts) {
    expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(part, 'base64url').toString('base64url')).toBe(part);
  }
  expect(SIGNING_ALGS as readonly string[]).toContain(jws.alg);
  expect(
    jws.kid === undefined || (typeof jws.kid === 'string' && jws.kid.length >= 1 && jws.kid.length <= 256),
  ).toBe(true);
  expect('crit' in jws.header || 'b64' in jws.header).toBe(false);
  expect(typeof jws.claims === 'object' && jws.claims !== null && !Array.isArray(jws.claims)).toBe(true);
}

const segment = fc.oneof(
  base64urlish(),
  jsonValue.map((v) => b64u(JSON.stringify(v) ?? '')),
  headerObject.map((h) => b64u(JSON.stringify(h))),
  claimsObject.map((c) => b64u(JSON.stringify(c))),
  anyString(20).map((s) => b64u(s)),
  jwsish(20),
);

describe('parseJws (property)', () => {
  it('any string: a well-formed result or a KeywayError', () => {
    fc.assert(
      fc.property(fc.oneof(anyString(300), jwsish(300)), (token) => {
        const out = attempt(token);
        if (!(out instanceof KeywayError)) expectWellFormed(token, out);
      }),
      { numRuns: 1000 },
    );
  });

  it('any three-ish segments of JSON, base64url and junk: a well-formed result or a KeywayError', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (segments) => {
        const token = segments.join('.');
        const out = attempt(token);
        if (!(out instanceof KeywayError)) expectWellFormed(token, out);
      }),
      { numRuns: 1000 },
    );
  });

  it('a valid shape with a hostile header: alg outside the implemented set is always alg_not_allowed', () => {
    fc.assert(
      fc.property(headerObject, claimsObject, base64urlish(), (header, claims, sig) => {
        const out = attempt(`${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}.${sig}`);
        const alg = header['alg'];
        if (typeof alg !== 'string' || !(SIGNING_ALGS as readonly string[]).includes(alg)) {
          expect(out).toBeInstanceOf(KeywayError);
          expect((out as KeywayError).reason).toBe('alg_not_allowed');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('longer than maxBytes: always token_too_large, before anything is decoded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), jwsish(400), (max, token) => {
        fc.pre(token.length > max);
        const out = attempt(token, max);
        expect(out).toBeInstanceOf(KeywayError);
        expect((out as KeywayError).reason).toBe('token_too_large');
      }),
      { numRuns: 300 },
    );
  });
});
