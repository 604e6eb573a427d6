// The mirror: jti and subject lookups, iat boundaries, lazy expiry, max-wins merging.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { issuerSubjectKey, parseIssuerSubjectKey } from '../../../src/revocation/keys.js';
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
    m.replace({
      jtis: new Map([['new', NOW + 10]]),
      subjects: new Map([['s', NOW]]),
      issuerSubjects: new Map(),
    });
    expect(m.isRevoked({ jti: 'old' }, NOW)).toBe(false);
    expect(m.isRevoked({ jti: 'new' }, NOW)).toBe(true);
    m.removeJti('new');
    expect(m.size()).toBe(1);
  });

  it("an issuer's subject denies only tokens of that iss; an issuer-wide subject denies every iss", () => {
    const m = createMirror(retention);
    m.setIssuerSubject(issuerSubjectKey('https://a.example', 'u1'), NOW);
    m.setSubject('u2', NOW);
    const old = NOW - 10;
    expect(m.isRevoked({ sub: 'u1', iss: 'https://a.example', iat: old }, NOW)).toBe(true);
    expect(m.isRevoked({ sub: 'u1', iss: 'https://b.example', iat: old }, NOW)).toBe(false);
    expect(m.isRevoked({ sub: 'u1', iat: old }, NOW)).toBe(false);
    expect(m.isRevoked({ sub: 'u1', iss: 'https://a.example', iat: NOW + 1 }, NOW)).toBe(false);
    for (const iss of ['https://a.example', 'https://b.example', undefined])
      expect(m.isRevoked({ sub: 'u2', iss, iat: old }, NOW)).toBe(true);
    m.prune(NOW + 3661);
    expect(m.size()).toBe(0);
  });

  it('the issuer-subject key is unambiguous whatever characters the issuer and subject hold', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (i1, s1, i2, s2) => {
        const same = issuerSubjectKey(i1, s1) === issuerSubjectKey(i2, s2);
        expect(same).toBe(i1 === i2 && s1 === s2);
        expect(parseIssuerSubjectKey(issuerSubjectKey(i1, s1))).toEqual({ iss: i1, sub: s1 });
      }),
    );
    // The split point cannot be moved: "a:" + "b" and "a" + ":b" differ, so do JSON-looking parts.
    expect(issuerSubjectKey('a:', 'b')).not.toBe(issuerSubjectKey('a', ':b'));
    expect(issuerSubjectKey('a","b', 'c')).not.toBe(issuerSubjectKey('a', 'b","c'));
    expect(parseIssuerSubjectKey('plain-sub')).toBeUndefined();
  });
});
