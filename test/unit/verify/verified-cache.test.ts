// The verified-token cache is bounded in entries and in estimated heap bytes, CLOCK (LRU-like), never past a token's exp.
import { describe, expect, it } from 'vitest';
import type { Issuer } from '../../../src/config/types.js';
import type { VerificationKey } from '../../../src/keys/keys.js';
import { createVerifiedCache, entryBytes, type VerifiedEntry } from '../../../src/verify/verified-cache.js';

const entry = (expiresAt = 2_000): VerifiedEntry => ({
  issuer: {} as Issuer,
  alg: 'RS256',
  kid: 'k',
  claims: { sub: 'u' },
  key: {} as VerificationKey,
  expiresAt,
});
const token = (i: number, bytes = 600) => `${'x'.repeat(bytes)}.t${i}`;

describe('verified-token cache', () => {
  it('evicts the least recently used entries once the byte budget is spent', () => {
    const budget = entryBytes(token(0)) * 3;
    const cache = createVerifiedCache(1_000, budget);
    for (const i of [1, 2, 3]) cache.set(token(i), entry());
    expect(cache.get(token(1), 1_000)).toBeDefined(); // 1 is now the most recent
    cache.set(token(4), entry());
    expect(cache.get(token(2), 1_000)).toBeUndefined();
    expect(cache.get(token(1), 1_000)).toBeDefined();
    expect(cache.size()).toEqual({ entries: 3, bytes: entryBytes(token(0)) * 3 });
  });

  it('spares every entry used since the last eviction round before dropping a used one', () => {
    const cache = createVerifiedCache(3, 1_000_000);
    for (const i of [1, 2, 3]) cache.set(token(i), entry());
    for (const i of [1, 2, 3]) expect(cache.get(token(i), 1_000)).toBeDefined();
    cache.set(token(4), entry()); // all used: each is unmarked once, then the oldest (1) goes
    expect(cache.get(token(1), 1_000)).toBeUndefined();
    expect(cache.get(token(3), 1_000)).toBeDefined(); // 3 is marked again; 2 is not
    cache.set(token(5), entry()); // 2 goes
    cache.set(token(6), entry()); // 3 is spared (unmarked, moved back), 4 goes
    expect([2, 3, 4, 5, 6].map((i) => cache.get(token(i), 1_000) !== undefined)).toEqual([
      false,
      true,
      false,
      true,
      true,
    ]);
  });

  it('never takes one token for another that ends the same way (the Map slot is the tail; the whole token decides)', () => {
    const cache = createVerifiedCache(10, 1_000_000);
    const tail = 'S'.repeat(64);
    const a = `eyJhIjoxfQ.eyJzdWIiOiJhIn0.${tail}`;
    const b = `eyJhIjoxfQ.eyJzdWIiOiJiIn0.${tail}`;
    cache.set(a, entry());
    expect(cache.get(b, 1_000)).toBeUndefined();
    cache.delete(b); // not b's entry: a stays
    expect(cache.get(a, 1_000)).toBeDefined();
    cache.set(b, { ...entry(), kid: 'b' });
    expect(cache.get(a, 1_000)).toBeUndefined();
    expect(cache.get(b, 1_000)?.kid).toBe('b');
    expect(cache.size()).toEqual({ entries: 1, bytes: entryBytes(b) });
  });

  it('a token stored from a slice of its header is found by an equal string of its own', () => {
    const cache = createVerifiedCache(10, 1_000_000);
    const header = `Bearer ${token(7)}`;
    cache.set(header.slice(7), entry());
    expect(cache.get(token(7), 1_000)).toBeDefined();
  });

  it('holds fewer large tokens than small ones within the same budget', () => {
    const budget = 1_000_000;
    const small = createVerifiedCache(100_000, budget);
    const large = createVerifiedCache(100_000, budget);
    for (let i = 0; i < 2_000; i++) {
      small.set(token(i, 500), entry());
      large.set(token(i, 8_000), entry());
    }
    expect(large.size().bytes).toBeLessThanOrEqual(budget);
    expect(small.size().bytes).toBeLessThanOrEqual(budget);
    expect(large.size().entries).toBeLessThan(budget / (8_000 * 2.5));
    expect(small.size().entries).toBeGreaterThan(large.size().entries * 10);
  });

  it('bounds entries too, skips a token larger than the budget, and drops expired entries on read', () => {
    const cache = createVerifiedCache(2, 1_000_000);
    for (const i of [1, 2, 3]) cache.set(token(i), entry());
    expect(cache.size().entries).toBe(2);
    expect(cache.get(token(1), 1_000)).toBeUndefined();
    cache.set(token(9, 500_000), entry());
    expect(cache.get(token(9, 500_000), 1_000)).toBeUndefined();
    cache.set(token(5), entry(1_500));
    expect(cache.get(token(5), 1_500)).toBeUndefined();
    expect(cache.size().entries).toBe(1);
  });

  it('a re-set replaces the entry without counting its bytes twice; delete returns them', () => {
    const cache = createVerifiedCache(10, 1_000_000);
    cache.set(token(1), entry());
    cache.set(token(1), entry(3_000));
    expect(cache.size()).toEqual({ entries: 1, bytes: entryBytes(token(1)) });
    expect(cache.get(token(1), 2_500)?.expiresAt).toBe(3_000);
    cache.delete(token(1));
    expect(cache.size()).toEqual({ entries: 0, bytes: 0 });
  });

  it('is off when either bound is 0', () => {
    for (const cache of [createVerifiedCache(0, 1_000_000), createVerifiedCache(10, 0)]) {
      cache.set(token(1), entry());
      expect(cache.get(token(1), 1_000)).toBeUndefined();
    }
  });
});
