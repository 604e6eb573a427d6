// parseRevokeBody and applyRevokeRequest: every 400 reason code, token resolution, exp defaults.
import { describe, expect, it } from 'vitest';
import {
  applyRevokeRequest,
  knownIssuersOf,
  parseRevokeBody,
} from '../../../../src/revocation/admin/revoke-request.js';
import { AdminInputError } from '../../../../src/revocation/admin-input-error.js';
import type { JtiRevocation, SubjectRevocation } from '../../../../src/revocation/types.js';

const reasonOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'accepted';
  } catch (err) {
    return err instanceof AdminInputError ? err.reason : String(err);
  }
};

describe('parseRevokeBody', () => {
  it.each([
    { name: 'not an object', body: 'jti', reason: 'invalid_body' },
    { name: 'an array', body: [], reason: 'invalid_body' },
    { name: 'null', body: null, reason: 'invalid_body' },
    { name: 'no target', body: { reason: 'x' }, reason: 'missing_target' },
    { name: 'two targets', body: { jti: 'a', exp: 1, sub: 'b' }, reason: 'ambiguous_target' },
    { name: 'unknown key', body: { jti: 'a', exp: 1, foo: 1 }, reason: 'invalid_body' },
    { name: 'before with jti', body: { jti: 'a', exp: 1, before: 1 }, reason: 'invalid_body' },
    { name: 'empty jti', body: { jti: '', exp: 1 }, reason: 'invalid_jti' },
    { name: 'jti not a string', body: { jti: 5, exp: 1 }, reason: 'invalid_jti' },
    { name: 'jti with a newline', body: { jti: 'a\nb', exp: 1 }, reason: 'invalid_jti' },
    { name: 'jti too long', body: { jti: 'x'.repeat(1025), exp: 1 }, reason: 'invalid_jti' },
    { name: 'jti without exp', body: { jti: 'a' }, reason: 'invalid_exp' },
    { name: 'exp as a string', body: { jti: 'a', exp: '1700000000' }, reason: 'invalid_exp' },
    { name: 'exp fractional', body: { jti: 'a', exp: 1.5 }, reason: 'invalid_exp' },
    { name: 'exp negative', body: { jti: 'a', exp: -1 }, reason: 'invalid_exp' },
    { name: 'exp NaN', body: { jti: 'a', exp: Number.NaN }, reason: 'invalid_exp' },
    { name: 'exp in milliseconds', body: { jti: 'a', exp: 1_700_000_000_000 }, reason: 'invalid_exp' },
    { name: 'before past year 9999', body: { sub: 'a', before: 253_402_300_800 }, reason: 'invalid_before' },
    { name: 'empty token', body: { token: '' }, reason: 'invalid_token' },
    { name: 'sub not a string', body: { sub: 1 }, reason: 'invalid_sub' },
    { name: 'before in ms as a string', body: { sub: 'a', before: 'now' }, reason: 'invalid_before' },
    { name: 'reason not a string', body: { sub: 'a', reason: 1 }, reason: 'invalid_reason' },
    { name: 'reason too long', body: { sub: 'a', reason: 'r'.repeat(257) }, reason: 'invalid_reason' },
    { name: 'actor empty', body: { sub: 'a', actor: '' }, reason: 'invalid_actor' },
    { name: 'jti + exp', body: { jti: 'a', exp: 1_700_000_000 }, reason: 'accepted' },
    { name: 'token', body: { token: 'x.y.z', reason: 'leak' }, reason: 'accepted' },
    { name: 'sub without before', body: { sub: 'a', actor: 'ops' }, reason: 'accepted' },
    { name: 'iss + sub', body: { iss: 'https://idp', sub: 'a', before: 1 }, reason: 'accepted' },
    { name: 'iss without sub', body: { iss: 'https://idp' }, reason: 'missing_target' },
    { name: 'iss beside a jti', body: { jti: 'a', exp: 1, iss: 'https://idp' }, reason: 'invalid_body' },
    { name: 'iss empty', body: { iss: '', sub: 'a' }, reason: 'invalid_iss' },
    { name: 'iss not a string', body: { iss: ['x'], sub: 'a' }, reason: 'invalid_iss' },
    { name: 'iss with a control character', body: { iss: 'a\rb', sub: 'a' }, reason: 'invalid_iss' },
  ])('$name → $reason', ({ body, reason }) => {
    expect(reasonOf(() => parseRevokeBody(body))).toBe(reason);
  });
});

describe('applyRevokeRequest', () => {
  const now = 1_700_000_000;
  const writer = () => {
    const writes: (JtiRevocation | SubjectRevocation)[] = [];
    return {
      writes,
      revokeJti: async (i: JtiRevocation) => void writes.push(i),
      revokeSubject: async (i: SubjectRevocation) => void writes.push(i),
    };
  };
  const never = async () => {
    throw new Error('not called');
  };

  it('a subject without before is revoked as of now', async () => {
    const w = writer();
    const r = await applyRevokeRequest(parseRevokeBody({ sub: 'alice', actor: 'ops' }), w, never, now);
    expect(r).toEqual({ type: 'sub', sub: 'alice', before: now });
    expect(w.writes).toEqual([{ sub: 'alice', before: now, actor: 'ops' }]);
  });

  it('a subject with iss is written scoped to that issuer', async () => {
    const w = writer();
    const r = await applyRevokeRequest(parseRevokeBody({ iss: 'https://idp', sub: 'alice' }), w, never, now);
    expect(r).toEqual({ type: 'sub', iss: 'https://idp', sub: 'alice', before: now });
    expect(w.writes).toEqual([{ iss: 'https://idp', sub: 'alice', before: now }]);
  });

  it('an iss that is no configured issuer is refused unwritten (unknown_issuer), naming the issuers', async () => {
    const known = ['https://idp.example/', 'https://other.example'];
    // Every spelling a token's exact iss would not match: slash, scheme, case, whitespace, a lookalike letter.
    for (const iss of [
      'https://idp.example',
      'http://idp.example/',
      'https://IDP.example/',
      'https://idp.example/ ',
      'https://ıdp.example/',
      'https://other.example/',
    ]) {
      const w = writer();
      const err = await applyRevokeRequest(
        parseRevokeBody({ iss, sub: 'alice' }),
        w,
        never,
        now,
        known,
      ).catch((e: unknown) => e);
      expect([iss, (err as AdminInputError).reason]).toEqual([iss, 'unknown_issuer']);
      expect((err as Error).message).toContain('"https://idp.example/", "https://other.example"');
      expect(w.writes).toEqual([]);
    }
    const w = writer();
    await applyRevokeRequest(parseRevokeBody({ iss: known[0], sub: 'alice' }), w, never, now, known);
    // A subject of every issuer (no iss) needs no check.
    await applyRevokeRequest(parseRevokeBody({ sub: 'bob' }), w, never, now, known);
    expect(w.writes).toHaveLength(2);
  });

  it('knownIssuersOf: the issuers’ iss values; undefined (any) with an issuer that accepts every iss, or none', () => {
    const issuer = (value: string | undefined) => ({ issuer: value }) as never;
    expect(knownIssuersOf({ issuers: [issuer('https://a'), issuer('https://b')] })).toEqual([
      'https://a',
      'https://b',
    ]);
    expect(knownIssuersOf({ issuers: [issuer('https://a'), issuer(undefined)] })).toBeUndefined();
    expect(knownIssuersOf({ issuers: [] })).toBeUndefined();
  });

  it('a token is resolved: its jti and exp are written', async () => {
    const w = writer();
    const r = await applyRevokeRequest(
      parseRevokeBody({ token: 't' }),
      w,
      async () => ({ jti: 'j', exp: 1_700_000_100 }),
      now,
    );
    expect(r).toEqual({ type: 'jti', jti: 'j', exp: 1_700_000_100 });
  });

  it('a token without exp never expires, so neither does its revocation (kept until 9999-12-31)', async () => {
    const w = writer();
    const r = await applyRevokeRequest(parseRevokeBody({ token: 't' }), w, async () => ({ jti: 'j' }), now);
    expect(r).toMatchObject({ exp: 253_402_300_799 });
  });

  it.each([
    { name: 'resolver throws', resolve: never, reason: 'token_not_verified' },
    { name: 'no jti', resolve: async () => ({ exp: 1 }), reason: 'token_without_jti' },
    { name: 'jti with control characters', resolve: async () => ({ jti: 'a\u0000' }), reason: 'invalid_jti' },
  ])('$name → $reason, nothing written', async ({ resolve, reason }) => {
    const w = writer();
    await expect(applyRevokeRequest(parseRevokeBody({ token: 't' }), w, resolve, now)).rejects.toMatchObject({
      reason,
    });
    expect(w.writes).toEqual([]);
  });
});
