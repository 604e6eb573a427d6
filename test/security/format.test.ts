// Token format attacks (RFC 7515 §7.1, RFC 7519 §7.2, RFC 8725 §3.11): wrong shapes, encodings, JSON tricks and
// extension headers. Every payload below is validly signed unless the case says otherwise, so the answer is the
// parser's, not the signature check's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  b64u,
  claims,
  craft,
  decide,
  expectAllow,
  expectDeny,
  HS_ISS,
  HS256_SECRET,
  type Part,
  type Suite,
  signer,
  startSuite,
} from './fixture.js';

let suite: Suite;
beforeAll(async () => {
  suite = await startSuite();
});
afterAll(() => suite.close());

const hs = () => signer('HS256', HS256_SECRET);
const HEADER = { alg: 'HS256', typ: 'JWT' };
/** A validly signed HS256 token for the hs issuer with this header and payload. */
const signed = (payload: Part, header: Part = HEADER) => craft(header, payload, hs());
const valid = () => signed(claims(HS_ISS));
const seg = (t: string, i: number) => t.split('.')[i]!;
/** The claims as JSON text with `extra` spliced in raw (for duplicate names and odd numbers). */
const rawClaims = (extra: string) => JSON.stringify(claims(HS_ISS)).replace(/}$/, `,${extra}}`);

describe('shape', () => {
  it.each([
    [
      'JWE compact serialization (5 parts)',
      () => `${b64u('{"alg":"RSA-OAEP","enc":"A256GCM"}')}.AAAA.AAAA.AAAA.AAAA`,
    ],
    ['JWE-shaped: a valid JWS with two extra segments', () => `${valid()}.AAAA.AAAA`],
    ['two segments (no signature)', () => valid().split('.').slice(0, 2).join('.')],
    ['one segment', () => seg(valid(), 1)],
    ['four segments (an extra dot at the end)', () => `${valid()}.`],
    ['an extra dot between header and payload', () => valid().replace('.', '..')],
    ['a leading dot', () => `.${valid()}`],
    ['empty header segment', () => `.${seg(valid(), 1)}.${seg(valid(), 2)}`],
    ['empty payload segment', () => `${seg(valid(), 0)}..${seg(valid(), 2)}`],
    ['only dots', () => '..'],
    ['JWS JSON serialization instead of compact', () => JSON.stringify({ payload: 'x', signatures: [] })],
  ])('%s → 401 malformed_token', async (_name, token) => {
    await expectDeny(
      await decide(suite, undefined, { 'x-jwt': token() }, '/auth/api-header'),
      401,
      'malformed_token',
    );
  });
});

describe('base64url', () => {
  const pad = (s: string) => s + '='.repeat((4 - (s.length % 4)) % 4 || 1);
  it.each([
    ['"=" padding on the header', (t: string) => t.replace(/^[^.]+/, (h) => pad(h))],
    ['"=" padding on the payload', (t: string) => `${seg(t, 0)}.${pad(seg(t, 1))}.${seg(t, 2)}`],
    ['"=" padding on the signature', (t: string) => `${t}=`],
    [
      'a space inside the payload',
      (t: string) => `${seg(t, 0)}.${seg(t, 1).slice(0, 5)} ${seg(t, 1).slice(5)}.${seg(t, 2)}`,
    ],
    [
      'a tab inside the header',
      (t: string) => `${seg(t, 0).slice(0, 4)}\t${seg(t, 0).slice(4)}.${seg(t, 1)}.${seg(t, 2)}`,
    ],
    ['"+" (standard base64) in the payload', (t: string) => `${seg(t, 0)}.${seg(t, 1)}+.${seg(t, 2)}`],
    ['"/" (standard base64) in the header', (t: string) => `/${t}`],
    ['"~" (token68, not base64url) in the signature', (t: string) => `${t}~`],
    ['a non-ASCII letter in the payload', (t: string) => `${seg(t, 0)}.${seg(t, 1)}é.${seg(t, 2)}`],
    [
      'an impossible length (4n+1) payload',
      (t: string) =>
        `${seg(t, 0)}.${seg(t, 1)}A${'A'.repeat((5 - ((seg(t, 1).length + 1) % 4)) % 4)}.${seg(t, 2)}`,
    ],
    ['percent-encoding in the payload', (t: string) => `${seg(t, 0)}.${seg(t, 1)}%41.${seg(t, 2)}`],
  ])('%s → 401 malformed_token', async (_name, f) => {
    // Sent in a header source: the Authorization grammar would already refuse most of these.
    await expectDeny(
      await decide(suite, undefined, { 'x-jwt': f(valid()) }, '/auth/api-header'),
      401,
      'malformed_token',
    );
  });

  it('a header whose unused base64url bits are not zero (same bytes, other spelling) → 401 malformed_token', async () => {
    // {"alg":"HS256"} is 15 bytes: 20 characters, no unused bits; add a byte so the last character has spare bits.
    const header = '{"alg":"HS256"} ';
    const token = signed(claims(HS_ISS), header);
    const h = seg(token, 0);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = h.slice(0, -1) + alphabet[alphabet.indexOf(h.at(-1)!) ^ 1];
    await expectDeny(
      await decide(suite, `${respelled}.${seg(token, 1)}.${seg(token, 2)}`),
      401,
      'malformed_token',
    );
    await expectAllow(await decide(suite, token));
  });
});

describe('JSON', () => {
  it.each([
    ['a header that is not JSON', () => signed(claims(HS_ISS), 'not json')],
    ['a header that is a JSON array', () => signed(claims(HS_ISS), ['HS256'])],
    ['a header that is JSON null', () => signed(claims(HS_ISS), 'null')],
    ['a header that is a JSON string', () => signed(claims(HS_ISS), '"HS256"')],
    ['a header with trailing garbage', () => signed(claims(HS_ISS), '{"alg":"HS256"}x')],
    ['a header with a UTF-8 BOM', () => signed(claims(HS_ISS), Buffer.from('\ufeff{"alg":"HS256"}'))],
    [
      'a header duplicating alg ("HS256" then "none")',
      () => signed(claims(HS_ISS), '{"alg":"HS256","alg":"none"}'),
    ],
    ['a header duplicating kid', () => signed(claims(HS_ISS), '{"alg":"HS256","kid":"a","kid":"b"}')],
    ['a payload that is not JSON', () => signed('sub=alice')],
    ['a payload that is a JSON array', () => signed([claims(HS_ISS)])],
    ['a payload that is a JSON number', () => signed('42')],
    ['duplicate claim names (sub twice)', () => signed(rawClaims('"sub":"admin"'))],
    ['duplicate claim names spelled with an escape', () => signed(rawClaims('"\\u0073ub":"admin"'))],
    ['duplicate names in a nested object', () => signed(rawClaims('"org":{"role":"user","role":"admin"}'))],
    ['duplicate exp (the later one far in the future)', () => signed(rawClaims('"exp":99999999999'))],
    [
      'invalid UTF-8 in a claim',
      () =>
        signed(
          Buffer.concat([
            Buffer.from(rawClaims('"name":"').slice(0, -1)),
            Buffer.from([0xff, 0xfe]),
            Buffer.from('"}'),
          ]),
        ),
    ],
    [
      'a lone UTF-8 continuation byte in the header',
      () => signed(claims(HS_ISS), Buffer.from([0x7b, 0x80, 0x7d])),
    ],
    ['nesting 33 levels deep', () => signed(rawClaims(`"deep":${'['.repeat(32)}${']'.repeat(32)}`))],
    [
      'nesting 10,000 levels deep',
      () => signed(rawClaims(`"deep":${'['.repeat(5_000)}${']'.repeat(5_000)}`)),
    ],
    ['an nbf of 1e400 (parsed as Infinity)', () => signed(rawClaims('"nbf":1e400'))],
  ])('%s → 401 malformed_token', async (_name, token) => {
    await expectDeny(await decide(suite, token()), 401, 'malformed_token');
  });

  it('nesting exactly 32 levels deep (the limit) → 200', async () => {
    await expectAllow(await decide(suite, signed(rawClaims(`"deep":${'['.repeat(31)}${']'.repeat(31)}`))));
  });

  it('integers beyond 2^53 keep their exact digits in mapped headers (never rounded to another id)', async () => {
    const header = async (literal: string) =>
      (await decide(suite, signed(rawClaims(`"name":${literal}`)))).headers.get('x-user-name');
    expect(await header('9876543210987654321')).toBe('9876543210987654321');
    expect(await header('9876543210987654322')).toBe('9876543210987654322');
    expect(await header('-9007199254740993')).toBe('-9007199254740993');
    expect(await header('9007199254740991')).toBe('9007199254740991');
  });

  it('an exp beyond 2^53 is not a number keyway can compare → 401 malformed_token', async () => {
    const withoutExp = JSON.stringify({ ...claims(HS_ISS), exp: undefined });
    const token = signed(withoutExp.replace(/}$/, ',"exp":99999999999999999999}'));
    await expectDeny(await decide(suite, token), 401, 'malformed_token');
    expect(suite.kw.logs.entries().at(-1)?.['detail']).toBe('exp is not a NumericDate');
  });

  it('JSON whitespace around the object is fine → 200', async () => {
    await expectAllow(
      await decide(suite, signed(` ${JSON.stringify(claims(HS_ISS))}\n`, ' {"alg":"HS256"} ')),
    );
  });
});

describe('registered claims of the wrong type', () => {
  it.each([
    ['exp as a string', { exp: String(claims(HS_ISS)['exp']) }],
    ['exp as a boolean', { exp: true }],
    ['exp as null', { exp: null }],
    ['exp as an array', { exp: [claims(HS_ISS)['exp']] }],
    ['nbf as a string', { nbf: '0' }],
    ['iat as an object', { iat: { t: 1 } }],
    ['aud as an object', { aud: { api: true } }],
    ['aud as a number', { aud: 1 }],
    ['aud as an array with a number', { aud: ['api', 1] }],
    ['sub as a number', { sub: 42 }],
    ['sub as an object', { sub: { id: 'alice' } }],
    ['jti as an array', { jti: ['a', 'b'] }],
    ['iss as a number', { iss: 1 }],
    ['iss as an array', { iss: [HS_ISS] }],
  ])('%s → 401 malformed_token', async (_name, extra) => {
    await expectDeny(await decide(suite, signed(claims(HS_ISS, extra))), 401, 'malformed_token');
  });
});

describe('extension headers', () => {
  it.each([
    [
      'crit with an unknown name',
      { ...HEADER, crit: ['urn:x:never-heard-of-it'], 'urn:x:never-heard-of-it': 1 },
    ],
    ['crit naming a registered claim', { ...HEADER, crit: ['exp'] }],
    ['crit empty', { ...HEADER, crit: [] }],
    ['crit not an array', { ...HEADER, crit: 'b64' }],
    ['b64: false with crit (RFC 7797 unencoded payload)', { ...HEADER, b64: false, crit: ['b64'] }],
    ['b64: false without crit', { ...HEADER, b64: false }],
    ['b64: true', { ...HEADER, b64: true, crit: ['b64'] }],
  ])('%s → 401 malformed_token', async (_name, header) => {
    await expectDeny(await decide(suite, signed(claims(HS_ISS), header)), 401, 'malformed_token');
  });

  it('b64: false with the payload really unencoded → 401 malformed_token', async () => {
    const header = b64u(JSON.stringify({ alg: 'HS256', b64: false, crit: ['b64'] }));
    const payload = JSON.stringify(claims(HS_ISS));
    const sig = b64u(hs()(Buffer.concat([Buffer.from(`${header}.`), Buffer.from(payload)])));
    await expectDeny(
      await decide(suite, undefined, { 'x-jwt': `${header}.${payload}.${sig}` }, '/auth/api-header'),
      401,
      'malformed_token',
    );
  });
});

describe('size', () => {
  /** A validly signed token of exactly `length` characters (searching the padding claim's length, signing once). */
  const tokenOfLength = (length: number) => {
    const fixed = `${b64u(JSON.stringify(HEADER))}..${b64u(hs()(Buffer.from('x')))}`.length;
    for (let n = 0; n < length; n++) {
      const payload = JSON.stringify(claims(HS_ISS, { pad: 'x'.repeat(n) }));
      if (fixed + Math.ceil((Buffer.byteLength(payload) * 4) / 3) === length) return signed(payload);
    }
    throw new Error(`no token of length ${length}`);
  };

  it('a 64 KiB token → 401 token_too_large', async () => {
    const token = signed(claims(HS_ISS, { pad: 'x'.repeat(48_000) }));
    expect(token.length).toBeGreaterThan(64_000);
    await expectDeny(await decide(suite, token), 401, 'token_too_large');
  });

  it('a 1 MiB token → 401 token_too_large', async () => {
    const token = signed(claims(HS_ISS, { pad: 'x'.repeat(786_432) }));
    await expectDeny(await decide(suite, token), 401, 'token_too_large');
  });

  it('exactly limits.max_token_bytes (16384) → 200; one byte more → 401 token_too_large', async () => {
    await expectAllow(await decide(suite, tokenOfLength(16_384)));
    await expectDeny(await decide(suite, tokenOfLength(16_385)), 401, 'token_too_large');
  });
});
