// parseJws refuses a header or payload that is not UTF-8 exactly where a fatal TextDecoder would (the reference).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeywayError } from '../../../src/errors.js';
import { parseJws } from '../../../src/verify/parse-jws.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const decodes = (bytes: Uint8Array) => {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
};
const segment = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const header = segment(Buffer.from('{"alg":"HS256"}'));

describe('UTF-8 in JWS segments', () => {
  it('a payload string is refused as not UTF-8 exactly when the fatal decoder refuses its bytes', () => {
    // Bytes inside a JSON string: valid UTF-8 then parses, invalid UTF-8 must be refused before any JSON parse.
    const inner = fc
      .uint8Array({ maxLength: 8 })
      .map((b) => b.map((x) => (x === 0x22 || x === 0x5c || x < 0x20 ? 0x61 : x)));
    fc.assert(
      fc.property(inner, (bytes) => {
        const payload = Buffer.concat([Buffer.from('{"s":"'), bytes, Buffer.from('"}')]);
        let reason: string | undefined;
        try {
          parseJws(`${header}.${segment(payload)}.c2ln`, 10_000);
        } catch (err) {
          expect(err).toBeInstanceOf(KeywayError);
          reason = (err as Error).message;
        }
        expect(reason === 'payload is not valid UTF-8').toBe(!decodes(payload));
      }),
      { numRuns: 5_000 },
    );
  });
});
