// Paging across the jti list, the subject list and the issuer-subject list with opaque cursors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageAcross } from '../../../src/revocation/list-cursor.js';

describe('list cursor', () => {
  it('round-trips and rejects anything else with invalid_cursor', () => {
    expect(decodeCursor(encodeCursor({ type: 'sub', offset: 42 }))).toEqual({ type: 'sub', offset: 42 });
    expect(decodeCursor(encodeCursor({ type: 'isub', offset: 7 }))).toEqual({ type: 'isub', offset: 7 });
    expect(decodeCursor(undefined)).toEqual({ type: 'jti', offset: 0 });
    for (const bad of [
      'x',
      Buffer.from('jti:-1').toString('base64url'),
      Buffer.from('foo:1').toString('base64url'),
    ])
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ reason: 'invalid_cursor' }));
  });

  it('visits every entry of the three lists exactly once, in order, for any page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(12),
        fc.nat(12),
        fc.nat(12),
        fc.integer({ min: 1, max: 5 }),
        async (nj, ns, ni, limit) => {
          const lists = {
            jti: Array.from({ length: nj }, (_, i) => `j${i}`),
            sub: Array.from({ length: ns }, (_, i) => `s${i}`),
            isub: Array.from({ length: ni }, (_, i) => `i${i}`),
          };
          const read = async (type: 'jti' | 'sub' | 'isub', offset: number, count: number) =>
            lists[type].slice(offset, offset + count);
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages < 100; pages++) {
            const page = await pageAcross(decodeCursor(cursor), limit, read);
            expect(page.items.length).toBeLessThanOrEqual(limit);
            seen.push(...page.items);
            cursor = page.next;
            if (!cursor) break;
          }
          expect(seen).toEqual([...lists.jti, ...lists.sub, ...lists.isub]);
        },
      ),
    );
  });
});
