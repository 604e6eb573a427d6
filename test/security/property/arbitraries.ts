// Shared fast-check arbitraries for the property tests: hostile strings, base64url segments, JSON-ish objects.
import fc from 'fast-check';

/** Any UTF-16 string, lone surrogates, controls and NUL included. */
export const anyString = (maxLength = 64): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)), maxLength });

/** Strings over the characters that matter to JWS and HTTP parsers, so near-misses are common. */
export const jwsish = (maxLength = 80): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.constantFrom(...'AZaz09-_.=+/ ,;\t"\'\\%eyJ{}[]:\u0000\r\n\u00e9\ud800'.split('')),
    maxLength,
  });

/** base64url text (canonical or not, any length). */
export const base64urlish = (maxLength = 60): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')),
    maxLength,
  });

/** A JSON value with hostile keys and values (deep, duplicate-prone, odd numbers). */
export const jsonValue: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4 });

/** A header object: usually with an alg (valid or not), sometimes kid/crit/b64/jwk, sometimes anything. */
export const headerObject: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record(
    {
      alg: fc.oneof(
        fc.constantFrom(
          'HS256',
          'HS384',
          'HS512',
          'RS256',
          'PS256',
          'ES256',
          'EdDSA',
          'none',
          'NONE',
          'ES256K',
          '',
        ),
        anyString(8),
        jsonValue,
      ),
      kid: fc.oneof(anyString(20), jsonValue, fc.constant('k1')),
      typ: fc.constantFrom('JWT', 'at+jwt', 'JWE'),
      crit: fc.array(anyString(6), { maxLength: 2 }),
      b64: fc.boolean(),
      jku: fc.constant('http://127.0.0.1:1/jwks'),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(anyString(6), jsonValue, { maxKeys: 4 }),
);

/** Claims: mostly well-typed, often wrong-typed. */
export const claimsObject: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    iss: fc.oneof(fc.constantFrom('https://hs.test', 'https://idp.test', 'https://evil.test'), jsonValue),
    sub: fc.oneof(anyString(20), jsonValue),
    aud: fc.oneof(fc.constant('api'), fc.array(anyString(6)), jsonValue),
    exp: fc.oneof(fc.integer(), fc.double(), jsonValue),
    nbf: fc.oneof(fc.integer(), jsonValue),
    iat: fc.oneof(fc.integer(), jsonValue),
    jti: fc.oneof(anyString(20), jsonValue),
    name: anyString(30),
    groups: fc.array(anyString(10), { maxLength: 4 }),
  },
  { requiredKeys: [] },
);

export const b64u = (text: string | Buffer): string => Buffer.from(text).toString('base64url');
