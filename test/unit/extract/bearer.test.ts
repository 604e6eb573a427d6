// matchBearer: the hand-written scan answers exactly as the RFC 6750 grammar's regular expression does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchBearer, parseBearer } from '../../../src/extract/bearer.js';

const GRAMMAR = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const CHARS = [
  'B',
  'b',
  'e',
  'E',
  'a',
  'r',
  'R',
  ' ',
  '\t',
  '=',
  '-',
  '.',
  '_',
  '~',
  '+',
  '/',
  ',',
  'x',
  '0',
  'é',
  'ſ',
  'K',
  '\0',
];
const text = fc.array(fc.constantFrom(...CHARS), { maxLength: 20 }).map((cs) => cs.join(''));

describe('matchBearer', () => {
  it('reads the token of ordinary values', () => {
    expect(matchBearer('Bearer abc.def-ghi_jkl')).toBe('abc.def-ghi_jkl');
    expect(matchBearer('bEaReR   a+b/c==  ')).toBe('a+b/c==');
    expect(matchBearer('Bearer a')).toBe('a');
  });

  it('refuses what the grammar refuses', () => {
    for (const v of [
      'Bearer',
      'Bearer ',
      'Bearer  ',
      'Bearer\tabc',
      'Bearerabc',
      'Bearer =abc',
      'Bearer a=b',
      'Bearer a b',
      'Bearer a,b',
      'Bearer a, Bearer b',
      'Basic abc',
      'Bearer ab\u00e9',
      'Bearer ab\0',
      'Bearer a\t',
      'ſearer abc',
    ])
      expect(matchBearer(v), JSON.stringify(v)).toBeUndefined();
  });

  it('agrees with the regular expression on generated values', () => {
    const prefix = fc.constantFrom('Bearer ', 'bearer  ', 'BEARER', 'Bearer\t', 'Bearer', '', 'Basic ');
    fc.assert(
      fc.property(prefix, text, (p, rest) => {
        const value = p + rest;
        expect(matchBearer(value)).toBe(GRAMMAR.exec(value)?.[1]);
      }),
      { numRuns: 20_000 },
    );
  });

  it('parseBearer still refuses a malformed Bearer and ignores other schemes', () => {
    expect(() => parseBearer('Bearer a b')).toThrow();
    expect(parseBearer('Basic dXNlcjpwdw==')).toBeUndefined();
  });
});
