// Property: the Authorization bearer grammar returns a token68, undefined (another scheme) or throws malformed_token.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeywayError } from '../../../src/errors.js';
import { parseBearer } from '../../../src/extract/bearer.js';
import { anyString, jwsish } from './arbitraries.js';

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const token68 = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...'AZaz09-._~+/'.split('')), minLength: 1, maxLength: 60 }),
    fc.string({ unit: fc.constant('='), maxLength: 2 }),
  )
  .map(([t, pad]) => t + pad);
const anyCaseBearer = fc
  .array(fc.boolean(), { minLength: 6, maxLength: 6 })
  .map((upper) => [...'bearer'].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));

function attempt(value: string): string | undefined | KeywayError {
  try {
    return parseBearer(value);
  } catch (err) {
    if (!(err instanceof KeywayError)) throw err;
    return err;
  }
}

describe('parseBearer (property)', () => {
  it('any header value: a token68 it contains, undefined, or KeywayError(malformed_token)', () => {
    fc.assert(
      fc.property(fc.oneof(anyString(120), jwsish(120)), (value) => {
        const out = attempt(value);
        if (out instanceof KeywayError) expect(out.reason).toBe('malformed_token');
        else if (out !== undefined) {
          expect(out).toMatch(TOKEN68);
          expect(value).toContain(out);
          expect(value.trimStart().toLowerCase().startsWith('bearer ')).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('"Bearer" in any case, one or more spaces, a token68 → exactly that token', () => {
    fc.assert(
      fc.property(anyCaseBearer, fc.integer({ min: 1, max: 4 }), token68, (scheme, spaces, token) => {
        expect(parseBearer(`${scheme}${' '.repeat(spaces)}${token}`)).toBe(token);
      }),
      { numRuns: 500 },
    );
  });

  it('two credentials joined by ", " (two Authorization headers), one of them bearer → always malformed_token', () => {
    fc.assert(
      fc.property(
        anyCaseBearer,
        token68,
        fc.oneof(
          token68.map((t) => `Bearer ${t}`),
          fc.constant('Basic dXNlcg=='),
          jwsish(30),
        ),
        fc.boolean(),
        (scheme, token, other, bearerFirst) => {
          const mine = `${scheme} ${token}`;
          const value = bearerFirst ? `${mine}, ${other}` : `${other}, ${mine}`;
          const out = attempt(value);
          expect(out).toBeInstanceOf(KeywayError);
        },
      ),
      { numRuns: 500 },
    );
  });
});
