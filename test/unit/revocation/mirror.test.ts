// The mirror: jti and subject lookups, iat boundaries, lazy expiry, max-wins merging.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMirror } from '../../../src/revocation/mirror.js';

const retention = { leeway: 60, lifetime: 3600 };
const NOW = 1_700_000_000;

describe('createMirror', () => {
  it.each([
    { name: 'revoked jti', claims: { jti: 'j1' }, revoked: true },
    { name: 'other jti', claims: { jti: 'j2' }, revoked: false },
    { name: 'jti of the wrong type', claims: { jti: 1 }, revoked: false },
    { name: 'subject, iat before T', claims: { sub: 's1', iat: NOW - 10 }, revoked: true },
    { name: 'subject, iat exactly T', claims: { sub: 's1', iat: NOW }, revoked: true },
    { name: 'subject, iat after T', claims: { sub: 's1', iat: NOW + 1 }, revoked: false },
    { name: 'subject, no iat', claims: { sub: 's1' }, revoked: true },
    { name: 'subject, iat not a number', claims: { sub: 's1', iat: '0' }, revoked: true },
    { name: 'other subject', claims: { sub: 's2', iat: NOW - 10 }, revoked: false },
    { name: 'no claims', claims: {}, revoked: false },
  ])('$name → revoked=$revoked', ({ claims, revoked }) => {
    const m = createMirror(retention);
    m.setJti('j1', NOW + 600);
    m.setSubject('s1', NOW);
    expect(m.isRevoked(claims, NOW)).toBe(revoked);
  });

  it('keeps a jti until exp + leeway, then drops it on lookup', () => {
    const m = createMirror(retention);
    m.setJti('j', NOW);
    expect(m.isRevoked({ jti: 'j' }, NOW + 60)).toBe(true);
    expect(m.isRevoked({ jti: 'j' }, NOW + 61)).toBe(false);
    expect(m.size()).toBe(0);
  });

  it('keeps a subject for max_token_lifetime + leeway after T', () => {
    const m = createMirror(retention);
    m.setSubject('s', NOW);
    expect(m.isRevoked({ sub: 's', iat: NOW }, NOW + 3660)).toBe(true);
    expect(m.isRevoked({ sub: 's', iat: NOW }, NOW + 3661)).toBe(false);
    expect(m.size()).toBe(0);
  });

  it('merges by the later time, and prune drops only expired entries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: NOW - 10_000, max: NOW + 10_000 }), { minLength: 1 }),
        (exps) => {
          const m = createMirror(retention);
          for (const exp of exps) m.setJti('j', exp);
          for (const before of exps) m.setSubject('s', before);
          expect(m.jtis().get('j')).toBe(Math.max(...exps));
          expect(m.subjects().get('s')).toBe(Math.max(...exps));
          m.prune(NOW);
          expect(m.jtis().has('j')).toBe(Math.max(...exps) + retention.leeway >= NOW);
        },
      ),
    );
  });

  it('replace swaps in a snapshot and removeJti forgets one entry', () => {
    const m = createMirror(retention);
    m.setJti('old', NOW + 10);
    m.replace(new Map([['new', NOW + 10]]), new Map([['s', NOW]]));
    expect(m.isRevoked({ jti: 'old' }, NOW)).toBe(false);
    expect(m.isRevoked({ jti: 'new' }, NOW)).toBe(true);
    m.removeJti('new');
    expect(m.size()).toBe(1);
  });
});
