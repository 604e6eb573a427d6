import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileKeyTemplate } from '../../../src/lib/key-template.js';
import { toHeaderValue } from '../../../src/respond/header-value.js';

describe('toHeaderValue', () => {
  it.each([
    ['plain', 'alice', 'alice'],
    ['number', 42, '42'],
    ['array joined', ['a', 'b', 3], 'a,b,3'],
    ['CR/LF percent-encoded (no header splitting)', 'a\r\nX-Evil: 1', 'a%0D%0AX-Evil: 1'],
    ['NUL percent-encoded, not dropped ("ad\\0min" is not "admin")', 'ad\u0000min', 'ad%00min'],
    ['non-ASCII percent-encoded', 'Zoë', 'Zo%C3%AB'],
    ['"%" encoded, so "%61dmin" never decodes to "admin"', '%61dmin', '%2561dmin'],
    ['"," inside an element encoded, so it never reads as two', ['a,admin', 'b'], 'a%2Cadmin,b'],
    ['edge spaces encoded, not trimmed', ' admin ', '%20admin%20'],
    ['a lone surrogate → empty, never a throw', 'a\ud800', ''],
    ['object → empty', { a: 1 }, ''],
    ['nested array → empty', [['a']], ''],
    ['over the cap → empty, never truncated', 'x'.repeat(40), ''],
  ])('%s', (_n, value, expected) => {
    expect(toHeaderValue(value, 32)).toBe(expected);
  });
});

describe('compileKeyTemplate', () => {
  const t = compileKeyTemplate('{tenant}/{service}/{version}/{instance}');
  it('fills from claims, nested paths too', () => {
    expect(t({ tenant: 't1', service: 'svc', version: 'blue', instance: 'i1' })).toBe('t1/svc/blue/i1');
    expect(compileKeyTemplate('{org.id}:{v}')({ org: { id: 7 }, v: 'x' })).toBe('7:x');
  });
  it('is undefined when a claim is missing or could forge another key', () => {
    expect(t({ tenant: 't1', service: 'svc', version: 'blue' })).toBeUndefined();
    expect(t({ tenant: 't1', service: 'svc', version: 'blue', instance: 'a/b' })).toBeUndefined();
    expect(t({ tenant: 't1', service: 'svc', version: '..', instance: 'i' })).toBeUndefined();
  });
});

describe('toHeaderValue fast path', () => {
  it('a string claim gives what the general path gives for it (a one-element array takes that path)', () => {
    const chars = fc.constantFrom(
      'a',
      'Z',
      ' ',
      '%',
      ',',
      '~',
      '\x7f',
      '\x1f',
      '\n',
      'é',
      '\ud800',
      '😀',
      '"',
      ';',
    );
    const text = fc.array(chars, { maxLength: 12 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 20 }), (s, cap) => {
        expect(toHeaderValue(s, cap)).toBe(toHeaderValue([s], cap));
      }),
      { numRuns: 20_000 },
    );
  });
});
