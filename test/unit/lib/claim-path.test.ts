// compileClaimPath answers exactly as readClaim: an exact top-level name first, then the dotted path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileClaimPath, readClaim } from '../../../src/lib/claim-path.js';

const key = fc.constantFrom('a', 'b', 'a.b', 'c', '__proto__', 'roles');
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(1, 'x', null, true),
    fc.array(tie('v'), { maxLength: 2 }),
    fc.dictionary(key, tie('v'), { maxKeys: 3 }),
  ),
})).v;
const claims = fc.dictionary(key, value, { maxKeys: 4 }) as fc.Arbitrary<Record<string, unknown>>;
const path = fc
  .array(fc.constantFrom('a', 'b', 'c', 'roles', ''), { minLength: 1, maxLength: 3 })
  .map((p) => p.join('.'));

describe('compileClaimPath', () => {
  it('reads nested and exact names as readClaim does', () => {
    const c = { 'a.b': 1, a: { b: 2, c: { d: 3 } }, n: null };
    for (const p of ['a.b', 'a.c.d', 'a.x', 'n', 'missing', 'a'])
      expect(compileClaimPath(p)(c)).toEqual(readClaim(c, p));
    expect(compileClaimPath('a.b')(c)).toBe(1);
    expect(compileClaimPath('a.c.d')(c)).toBe(3);
  });

  it('agrees with readClaim on generated claims and paths', () => {
    fc.assert(
      fc.property(claims, path, (c, p) => {
        expect(compileClaimPath(p)(c)).toEqual(readClaim(c, p));
      }),
      { numRuns: 10_000 },
    );
  });
});
