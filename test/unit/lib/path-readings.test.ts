// isSimplePath: the fast path of readPath must only take paths that every other reading leaves unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSimplePath, literalPath, normalisePath, readPath } from '../../../src/lib/path-readings.js';

/** Characters that matter to path readings, plus ordinary ones and non-ASCII (no `?`: readPath cuts there first). */
const PATH_CHARS = [
  '/',
  '.',
  '%',
  ';',
  '\\',
  '#',
  'a',
  'B',
  '2',
  'f',
  'e',
  '-',
  '_',
  '~',
  ' ',
  '\t',
  'ı',
  'é',
  '\0',
  '+',
];
const pathText = fc.array(fc.constantFrom(...PATH_CHARS), { maxLength: 16 }).map((cs) => cs.join(''));

describe('isSimplePath', () => {
  it('takes ordinary paths', () => {
    for (const p of ['/', '/api', '/api/', '/api/v1/items/1', '/a.b/c..d/e.', '/A/B-c_d~e', "/!$&'()*+,:=@"])
      expect(isSimplePath(p), p).toBe(true);
  });

  it('leaves every path with something to read to the full reading', () => {
    for (const p of [
      '',
      'api',
      '//api',
      '/api//x',
      '/.',
      '/./a',
      '/a/..',
      '/a/.hidden',
      '/a%2Fb',
      '/a;b',
      '/a\\b',
      '/a#b',
      '/a b',
      '/a\tb',
      '/ı',
      '/é',
      '/a\0',
    ])
      expect(isSimplePath(p), JSON.stringify(p)).toBe(false);
  });

  it('a path it takes is its own Tomcat-style and literal reading (what readPath answered before the fast path)', () => {
    fc.assert(
      fc.property(pathText, (p) => {
        if (!isSimplePath(p)) return;
        expect(normalisePath(p)).toBe(p);
        expect(literalPath(p)).toBe(p);
        expect(readPath(`${p}?x=1`)).toEqual({ path: p, others: [], problems: [] });
      }),
      { numRuns: 20_000 },
    );
  });

  it('covers a good share of generated paths both ways (the property above is not vacuous)', () => {
    const samples = fc.sample(
      pathText.map((p) => `/${p}`),
      2_000,
    );
    const taken = samples.filter(isSimplePath).length;
    expect(taken).toBeGreaterThan(20);
    expect(taken).toBeLessThan(samples.length);
  });
});
