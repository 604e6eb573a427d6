// Property: toHeaderValue never throws, never emits anything but visible ASCII (so it can never split a header), stays
// under the cap, and is reversible: splitting on "," and percent-decoding gives back exactly the claim.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHeaderValue } from '../../../src/respond/header-value.js';
import { anyString, jsonValue } from './arbitraries.js';

const wellFormed = (s: string) => !/\p{Cs}/u.test(s);
const claimValue = fc.oneof(
  anyString(40),
  fc.array(anyString(12), { maxLength: 5 }),
  jsonValue,
  fc.double(),
  fc.boolean(),
);

describe('toHeaderValue (property)', () => {
  it('any claim value: visible ASCII only, no edge spaces, never over the cap, never a throw', () => {
    fc.assert(
      fc.property(claimValue, fc.integer({ min: 16, max: 2048 }), (value, cap) => {
        const out = toHeaderValue(value, cap);
        expect(out).toMatch(/^[\x21-\x7e]?(?:[\x20-\x7e]*[\x21-\x7e])?$/);
        expect(out.length).toBeLessThanOrEqual(cap);
      }),
      { numRuns: 2000 },
    );
  });

  it('a well-formed string claim decodes back to exactly itself', () => {
    fc.assert(
      fc.property(anyString(60), (s) => {
        fc.pre(wellFormed(s));
        const out = toHeaderValue(s, 8192);
        expect(decodeURIComponent(out)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('an array claim splits on "," and decodes back to exactly its elements', () => {
    fc.assert(
      fc.property(fc.array(anyString(12), { minLength: 2, maxLength: 6 }), (list) => {
        fc.pre(list.every(wellFormed));
        const out = toHeaderValue(list, 8192);
        expect(out.split(',').map(decodeURIComponent)).toEqual(list);
      }),
      { numRuns: 2000 },
    );
  });

  it('two different well-formed claims never map to the same non-empty header value', () => {
    fc.assert(
      fc.property(anyString(20), anyString(20), (a, b) => {
        fc.pre(a !== b && wellFormed(a) && wellFormed(b));
        const [x, y] = [toHeaderValue(a, 8192), toHeaderValue(b, 8192)];
        if (x !== '' || y !== '') expect(x).not.toBe(y);
      }),
      { numRuns: 2000 },
    );
  });
});
