// sectionKey: equal resolved sections get equal keys, any change of value gets another, secrets compare by bytes.
import { describe, expect, it } from 'vitest';
import { sectionKey } from '../../../src/lib/section-key.js';

describe('sectionKey', () => {
  it('ignores the order of object keys and members that are undefined', () => {
    expect(sectionKey({ a: 1, b: 'x', c: undefined })).toBe(sectionKey({ b: 'x', a: 1 }));
  });

  it.each([
    { name: 'a changed number', a: { n: 1 }, b: { n: 2 } },
    { name: 'a string and the number it spells', a: { n: 1 }, b: { n: '1' } },
    { name: 'array order', a: { list: ['a', 'b'] }, b: { list: ['b', 'a'] } },
    { name: 'a nested change', a: { h: { p: '/healthz' } }, b: { h: { p: '/health' } } },
    { name: 'null and absent', a: { v: null }, b: {} },
    { name: 'strings that would concatenate alike', a: { x: 'ab', y: 'c' }, b: { x: 'a', y: 'bc' } },
    {
      name: 'secret bytes that differ in one byte',
      a: { k: new Uint8Array([1, 2, 3]) },
      b: { k: new Uint8Array([1, 2, 4]) },
    },
    {
      name: 'bytes and a string of the same text',
      a: { k: new TextEncoder().encode('abc') },
      b: { k: 'abc' },
    },
    { name: 'bytes and an array of the same numbers', a: { k: new Uint8Array([1, 2]) }, b: { k: [1, 2] } },
  ])('tells apart $name', ({ a, b }) => {
    expect(sectionKey(a)).not.toBe(sectionKey(b));
  });

  it('keys equal secret bytes alike (a fresh Uint8Array of the same secret is the same key source)', () => {
    expect(sectionKey({ k: new Uint8Array([9, 8, 7]) })).toBe(sectionKey({ k: Uint8Array.from([9, 8, 7]) }));
  });

  it('is a digest: the secret does not appear in it', () => {
    const secret = 'a-very-secret-hs256-key-of-32-bytes!';
    const key = sectionKey({ hs: new TextEncoder().encode(secret), password: secret });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain(Buffer.from(secret).toString('hex'));
  });

  it('refuses what a resolved section never holds (a function, a cycle)', () => {
    expect(() => sectionKey({ f: () => 1 })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => sectionKey(cyclic)).toThrow(TypeError);
  });
});
