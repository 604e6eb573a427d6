// parseStrictJsonObject: duplicate member names (in any spelling) and deep nesting refused, exactly as a reference
// scan that collects every object's names in a Set decides.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStrictJsonObject } from '../../../src/lib/strict-json.js';

/** The reference: every object's member names, unescaped, in a Set; a repeat or depth past 32 refuses. */
function referenceRefuses(text: string): boolean {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      stack.push(ch === '{' ? new Set() : null);
      if (stack.length > 32) return true;
      expectKey = ch === '{';
    } else if (ch === '}' || ch === ']') {
      stack.pop();
      expectKey = false;
    } else if (ch === ',') expectKey = stack.at(-1) instanceof Set;
    else if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (expectKey) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        const names = stack.at(-1) as Set<string>;
        if (names.has(name)) return true;
        names.add(name);
        expectKey = false;
      }
      i = end;
    }
  }
  return false;
}

const NAMES = ['a', 'b', '\\u0061', 'a\\"', '{', ',', '__proto__', '', 'sub'];
const name = fc.constantFrom(...NAMES).map((n) => `"${n}"`);
const json: fc.Arbitrary<string> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('1', '"x"', '"{\\"a\\":1,"', 'null', 'true', '12345678901234567890', '[]', '{}'),
    tie('object'),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
  ),
  object: fc
    .array(fc.tuple(name, tie('value')), { maxLength: 4 })
    .map((members) => `{${members.map(([k, v]) => `${k}:${v}`).join(',')}}`),
})).object as fc.Arbitrary<string>;

describe('parseStrictJsonObject', () => {
  it('refuses a repeated name, also when spelled with an escape, at any depth', () => {
    expect(parseStrictJsonObject('{"a":1,"a":2}')).toBeUndefined();
    expect(parseStrictJsonObject('{"a":1,"\\u0061":2}')).toBeUndefined();
    expect(parseStrictJsonObject('{"x":[{"b":1},{"c":{"d":1,"d":1}}]}')).toBeUndefined();
    expect(parseStrictJsonObject('{"__proto__":1,"__proto__":2}')).toBeUndefined();
    expect(parseStrictJsonObject('{"a":{"a":1},"b":[{"a":1},{"a":2}]}')).toEqual({
      a: { a: 1 },
      b: [{ a: 1 }, { a: 2 }],
    });
  });

  it('refuses nesting past 32 levels', () => {
    expect(parseStrictJsonObject(`${'{"a":'.repeat(32)}1${'}'.repeat(32)}`)).toBeDefined();
    expect(parseStrictJsonObject(`${'{"a":'.repeat(33)}1${'}'.repeat(33)}`)).toBeUndefined();
    expect(parseStrictJsonObject(`{"a":${'['.repeat(32)}${']'.repeat(32)}}`)).toBeUndefined();
  });

  it('decides as the reference scan does on generated objects', () => {
    let refused = 0;
    fc.assert(
      fc.property(json, (text) => {
        const expected = referenceRefuses(text);
        if (expected) refused++;
        expect(parseStrictJsonObject(text) === undefined).toBe(expected);
      }),
      { numRuns: 5_000 },
    );
    expect(refused).toBeGreaterThan(100);
  });
});
