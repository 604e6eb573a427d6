// parseJws refuses every non-canonical base64url spelling (unused trailing bits set), exactly where re-encoding the
// decoded bytes would not give the segment back — for signatures and for the header and payload segments.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeywayError } from '../../../src/errors.js';
import { parseJws } from '../../../src/verify/parse-jws.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const canonical = (s: string) => Buffer.from(s, 'base64url').toString('base64url') === s;
const accepts = (token: string) => {
  try {
    parseJws(token, 100_000);
    return true;
  } catch (err) {
    expect(err).toBeInstanceOf(KeywayError);
    expect((err as KeywayError).reason).toBe('malformed_token');
    return false;
  }
};

describe('canonical base64url', () => {
  it('a signature with any last character is accepted exactly when it is canonical', () => {
    const head = `${b64({ alg: 'HS256' })}.${b64({ sub: 'a' })}`;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 70 }),
        fc.constantFrom(...ALPHABET),
        (bytes, last) => {
          const sig = Buffer.from(bytes).toString('base64url');
          if (sig.length % 4 === 0) return;
          const spelled = sig.slice(0, -1) + last;
          expect(accepts(`${head}.${spelled}`)).toBe(canonical(spelled));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('a header or payload segment with unused bits set is refused', () => {
    const payload = b64({ sub: 'abc' }); // 4n+2 or 4n+3 characters
    expect(payload.length % 4).not.toBe(0);
    const flipped = payload.slice(0, -1) + ALPHABET[(ALPHABET.indexOf(payload.at(-1)!) | 1) % 64];
    expect(canonical(flipped)).toBe(false);
    expect(accepts(`${b64({ alg: 'HS256' })}.${payload}.c2ln`)).toBe(true);
    expect(accepts(`${b64({ alg: 'HS256' })}.${flipped}.c2ln`)).toBe(false);
  });
});
