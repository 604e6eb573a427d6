// importVerificationKey / importHsSecret: each key type → its algs, each weak or forbidden key → skipped with why.
import { constants, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import fc from 'fast-check';
import { calculateJwkThumbprint, type JWK, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  importHsSecret,
  importVerificationKey,
  isKeyRejection,
  type KeyImportInput,
  type SkipReason,
} from '../../../src/keys/key-import.js';
import { SIGNING_ALGS, type SigningAlg } from '../../../src/lib/jws-algs.js';

const ALL = SIGNING_ALGS;
const ASYM = ALL.filter((a) => !a.startsWith('HS'));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
const pss = generateKeyPairSync('rsa-pss', {
  modulusLength: 2048,
  hashAlgorithm: 'sha256',
  mgf1HashAlgorithm: 'sha256',
});
const pssAny = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const k256 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
const ed25519 = generateKeyPairSync('ed25519');
const ed448 = generateKeyPairSync('ed448');
const x25519 = generateKeyPairSync('x25519');

const jwkOf = (key: KeyObject, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...key.export({ format: 'jwk' }),
  ...extra,
});
const pemOf = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();
const rsaJwk = jwkOf(rsa.publicKey, { kid: 'r1' });

const accepted: { name: string; input: Omit<KeyImportInput, 'issuerAlgorithms'>; algs: SigningAlg[] }[] = [
  { name: 'RSA JWK', input: { jwk: rsaJwk }, algs: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] },
  { name: 'RSA JWK with alg', input: { jwk: { ...rsaJwk, alg: 'PS384' } }, algs: ['PS384'] },
  {
    name: 'RSA JWK with use sig + key_ops verify',
    input: { jwk: { ...rsaJwk, use: 'sig', key_ops: ['verify'] } },
    algs: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  },
  {
    name: 'RSA JWK, x5c ignored',
    input: { jwk: { ...rsaJwk, x5c: ['AAAA'], x5u: 'https://x.invalid/c' } },
    algs: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  },
  {
    name: 'RSA PEM',
    input: { pem: pemOf(rsa.publicKey) },
    algs: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  },
  {
    name: 'RSA PEM with key algorithms',
    input: { pem: pemOf(rsa.publicKey), keyAlgorithms: ['RS256'] },
    algs: ['RS256'],
  },
  { name: 'RSA-PSS PEM (sha256-bound)', input: { pem: pemOf(pss.publicKey) }, algs: ['PS256'] },
  {
    name: 'RSA-PSS PEM (unbound)',
    input: { pem: pemOf(pssAny.publicKey) },
    algs: ['PS256', 'PS384', 'PS512'],
  },
  { name: 'EC P-256', input: { jwk: jwkOf(p256.publicKey) }, algs: ['ES256'] },
  { name: 'EC P-384', input: { jwk: jwkOf(p384.publicKey) }, algs: ['ES384'] },
  { name: 'EC P-521 PEM', input: { pem: pemOf(p521.publicKey) }, algs: ['ES512'] },
  { name: 'OKP Ed25519', input: { jwk: jwkOf(ed25519.publicKey) }, algs: ['EdDSA', 'Ed25519'] },
  {
    name: 'OKP Ed25519 with alg EdDSA',
    input: { jwk: jwkOf(ed25519.publicKey, { alg: 'EdDSA' }) },
    algs: ['EdDSA'],
  },
];

const rejected: { name: string; input: KeyImportInput; why: SkipReason }[] = [
  { name: 'RSA 1024', input: { jwk: jwkOf(rsa1024.publicKey), issuerAlgorithms: ALL }, why: 'rsa_too_small' },
  {
    name: 'RSA 1024 PEM',
    input: { pem: pemOf(rsa1024.publicKey), issuerAlgorithms: ALL },
    why: 'rsa_too_small',
  },
  {
    name: 'RSA e=1',
    input: { jwk: { ...rsaJwk, e: 'AQ' }, issuerAlgorithms: ALL },
    why: 'rsa_weak_exponent',
  },
  {
    name: 'RSA e=3',
    input: { jwk: { ...rsaJwk, e: 'Aw' }, issuerAlgorithms: ALL },
    why: 'rsa_weak_exponent',
  },
  {
    name: 'RSA e=65535 (not above 2^16)',
    input: { jwk: { ...rsaJwk, e: '__8' }, issuerAlgorithms: ALL },
    why: 'rsa_weak_exponent',
  },
  {
    name: 'RSA even e',
    input: { jwk: { ...rsaJwk, e: 'AQAA' }, issuerAlgorithms: ALL },
    why: 'rsa_weak_exponent',
  },
  { name: 'use enc', input: { jwk: { ...rsaJwk, use: 'enc' }, issuerAlgorithms: ALL }, why: 'use_not_sig' },
  {
    name: 'key_ops without verify',
    input: { jwk: { ...rsaJwk, key_ops: ['encrypt'] }, issuerAlgorithms: ALL },
    why: 'key_ops_no_verify',
  },
  {
    name: 'key_ops not an array',
    input: { jwk: { ...rsaJwk, key_ops: 'verify' }, issuerAlgorithms: ALL },
    why: 'key_ops_no_verify',
  },
  {
    name: 'oct key',
    input: { jwk: { kty: 'oct', k: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' }, issuerAlgorithms: ALL },
    why: 'symmetric_key',
  },
  {
    name: 'private RSA JWK',
    input: { jwk: jwkOf(rsa.privateKey), issuerAlgorithms: ALL },
    why: 'private_material',
  },
  {
    name: 'private EC JWK',
    input: { jwk: jwkOf(p256.privateKey), issuerAlgorithms: ALL },
    why: 'private_material',
  },
  {
    name: 'private PEM',
    input: { pem: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), issuerAlgorithms: ALL },
    why: 'private_material',
  },
  {
    name: 'unknown kty',
    input: { jwk: { kty: 'AKP', alg: 'ML-DSA-44', pub: 'AAAA' }, issuerAlgorithms: ALL },
    why: 'unknown_kty',
  },
  {
    name: 'missing kty',
    input: { jwk: { n: 'AAAA', e: 'AQAB' }, issuerAlgorithms: ALL },
    why: 'unknown_kty',
  },
  { name: 'EC secp256k1', input: { jwk: jwkOf(k256.publicKey), issuerAlgorithms: ALL }, why: 'unknown_crv' },
  {
    name: 'EC secp256k1 PEM',
    input: { pem: pemOf(k256.publicKey), issuerAlgorithms: ALL },
    why: 'unknown_crv',
  },
  { name: 'OKP Ed448', input: { jwk: jwkOf(ed448.publicKey), issuerAlgorithms: ALL }, why: 'unknown_crv' },
  {
    name: 'OKP X25519 (not a signing key)',
    input: { jwk: jwkOf(x25519.publicKey), issuerAlgorithms: ALL },
    why: 'unknown_crv',
  },
  {
    name: 'RSA with alg HS256',
    input: { jwk: { ...rsaJwk, alg: 'HS256' }, issuerAlgorithms: ALL },
    why: 'alg_not_for_kty',
  },
  {
    name: 'RSA with alg RSA-OAEP',
    input: { jwk: { ...rsaJwk, alg: 'RSA-OAEP' }, issuerAlgorithms: ALL },
    why: 'alg_not_for_kty',
  },
  {
    name: 'RSA with alg none',
    input: { jwk: { ...rsaJwk, alg: 'none' }, issuerAlgorithms: ALL },
    why: 'alg_not_for_kty',
  },
  {
    name: 'P-256 with alg ES384',
    input: { jwk: jwkOf(p256.publicKey, { alg: 'ES384' }), issuerAlgorithms: ALL },
    why: 'alg_not_for_kty',
  },
  {
    name: 'RSA-PSS with alg RS256',
    input: { pem: pemOf(pss.publicKey), keyAlgorithms: ['RS256'], issuerAlgorithms: ALL },
    why: 'alg_not_for_kty',
  },
  {
    name: 'static RSA with algorithms [ES256]',
    input: { pem: pemOf(rsa.publicKey), keyAlgorithms: ['ES256'], issuerAlgorithms: ALL },
    why: 'alg_not_for_kty',
  },
  {
    name: 'RSA for an ES256-only issuer',
    input: { jwk: rsaJwk, issuerAlgorithms: ['ES256'] },
    why: 'no_allowed_alg',
  },
  {
    name: 'RSA for an HS-only issuer',
    input: { jwk: rsaJwk, issuerAlgorithms: ['HS256', 'HS384', 'HS512'] },
    why: 'no_allowed_alg',
  },
  {
    name: 'EC point off the curve',
    input: { jwk: { ...jwkOf(p256.publicKey), y: jwkOf(p256.publicKey)['x'] }, issuerAlgorithms: ALL },
    why: 'invalid_key',
  },
  {
    name: 'EC crv/coordinates mismatch',
    input: { jwk: { ...jwkOf(p256.publicKey), crv: 'P-384' }, issuerAlgorithms: ALL },
    why: 'invalid_key',
  },
  {
    name: 'RSA without n',
    input: { jwk: { kty: 'RSA', e: 'AQAB' }, issuerAlgorithms: ALL },
    why: 'invalid_key',
  },
  {
    name: 'garbage PEM',
    input: { pem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', issuerAlgorithms: ALL },
    why: 'invalid_key',
  },
  { name: 'no key at all', input: { issuerAlgorithms: ALL }, why: 'invalid_key' },
  { name: 'numeric kid', input: { jwk: { ...rsaJwk, kid: 7 }, issuerAlgorithms: ALL }, why: 'invalid_kid' },
];

describe('importVerificationKey', () => {
  it.each(accepted)('binds $name to $algs', ({ input, algs }) => {
    const key = importVerificationKey({ ...input, issuerAlgorithms: ALL }, 'static');
    if (isKeyRejection(key)) throw new Error(`rejected: ${key.why}`);
    expect([...key.algorithms].sort()).toEqual([...algs].sort());
    expect(key.origin).toBe('static');
  });

  it.each(rejected)('skips $name: $why', ({ input, why }) => {
    const result = importVerificationKey(input, 'jwks');
    expect(isKeyRejection(result) && result.why).toBe(why);
  });

  it('intersects the key type with the issuer algorithms', () => {
    const key = importVerificationKey({ jwk: rsaJwk, issuerAlgorithms: ['RS256', 'ES256', 'HS256'] }, 'jwks');
    expect(isKeyRejection(key) ? key.why : [...key.algorithms]).toEqual(['RS256']);
  });

  it('keeps the JWK kid, lets a configured kid win, and reports the kid of a skipped key', () => {
    const fromJwk = importVerificationKey({ jwk: rsaJwk, issuerAlgorithms: ALL }, 'jwks');
    const configured = importVerificationKey({ jwk: rsaJwk, kid: 'mine', issuerAlgorithms: ALL }, 'static');
    const skipped = importVerificationKey({ jwk: { ...rsaJwk, use: 'enc' }, issuerAlgorithms: ALL }, 'jwks');
    expect(isKeyRejection(fromJwk) ? undefined : fromJwk.kid).toBe('r1');
    expect(isKeyRejection(configured) ? undefined : configured.kid).toBe('mine');
    expect(skipped).toEqual({ why: 'use_not_sig', kid: 'r1' });
  });

  it('ids a key by its RFC 7638 thumbprint, the same for its JWK and PEM forms', async () => {
    const a = importVerificationKey({ jwk: rsaJwk, issuerAlgorithms: ALL }, 'jwks');
    const b = importVerificationKey({ pem: pemOf(rsa.publicKey), issuerAlgorithms: ALL }, 'static');
    const expected = await calculateJwkThumbprint(rsaJwk as JWK);
    expect(isKeyRejection(a) ? undefined : a.id).toBe(expected);
    expect(isKeyRejection(b) ? undefined : b.id).toBe(expected);
  });

  const signers: {
    alg: SigningAlg;
    privateKey: KeyObject;
    input: Omit<KeyImportInput, 'issuerAlgorithms'>;
  }[] = [
    { alg: 'RS256', privateKey: rsa.privateKey, input: { jwk: rsaJwk } },
    { alg: 'PS512', privateKey: rsa.privateKey, input: { pem: pemOf(rsa.publicKey) } },
    { alg: 'PS256', privateKey: pss.privateKey, input: { pem: pemOf(pss.publicKey) } },
    { alg: 'ES256', privateKey: p256.privateKey, input: { jwk: jwkOf(p256.publicKey) } },
    { alg: 'ES384', privateKey: p384.privateKey, input: { jwk: jwkOf(p384.publicKey) } },
    { alg: 'ES512', privateKey: p521.privateKey, input: { pem: pemOf(p521.publicKey) } },
    { alg: 'EdDSA', privateKey: ed25519.privateKey, input: { jwk: jwkOf(ed25519.publicKey) } },
    { alg: 'Ed25519', privateKey: ed25519.privateKey, input: { jwk: jwkOf(ed25519.publicKey) } },
  ];

  it.each(signers)('yields a key jose verifies $alg with', async ({ alg, privateKey, input }) => {
    const key = importVerificationKey({ ...input, issuerAlgorithms: ALL }, 'jwks');
    if (isKeyRejection(key)) throw new Error(`rejected: ${key.why}`);
    // The RSA-PSS key signs with its own PSS-typed private key: the re-encoded public key must verify that.
    const token =
      privateKey === pss.privateKey
        ? signPs256WithPssKey()
        : await new SignJWT({ sub: 'a' }).setProtectedHeader({ alg }).sign(privateKey);
    const { payload } = await jwtVerify(token, key.key, { algorithms: [alg] });
    expect(payload.sub).toBe('a');
  });

  it('never binds an asymmetric key to an HS alg and never throws, whatever the JWK (property)', () => {
    const member = fc.constantFrom(
      'kty',
      'crv',
      'n',
      'e',
      'x',
      'y',
      'alg',
      'use',
      'key_ops',
      'kid',
      'd',
      'x5c',
    );
    const value = fc.oneof(
      fc.constantFrom('RSA', 'EC', 'OKP', 'oct', 'P-256', 'Ed25519', 'HS256', 'RS256', 'sig', 'AQAB'),
      fc.constant(rsaJwk['n']),
      fc.string(),
      fc.integer(),
      fc.array(fc.string()),
    );
    fc.assert(
      fc.property(fc.dictionary(member, value), (jwk) => {
        const result = importVerificationKey({ jwk: { ...rsaJwk, ...jwk }, issuerAlgorithms: ALL }, 'jwks');
        if (!isKeyRejection(result)) expect([...result.algorithms].every((a) => ASYM.includes(a))).toBe(true);
      }),
    );
  });
});

describe('importHsSecret', () => {
  const secret = {
    kid: 'h1',
    key: new Uint8Array(64).fill(7),
    algorithms: ['HS256', 'HS384', 'HS512'] as const,
  };

  it('binds a secret to its algorithms that the issuer allows, with an id that is not the secret', () => {
    const key = importHsSecret({ ...secret, algorithms: [...secret.algorithms] }, 0, ['HS256', 'RS256']);
    if (isKeyRejection(key)) throw new Error(`rejected: ${key.why}`);
    expect([...key.algorithms]).toEqual(['HS256']);
    expect(key).toMatchObject({ origin: 'hs', kid: 'h1', id: 'hs:h1' });
    expect(key.key).toBe(secret.key);
  });

  it('skips a secret none of whose algorithms the issuer allows', () => {
    expect(importHsSecret({ ...secret, algorithms: ['HS512'] }, 3, ['HS256'])).toEqual({
      why: 'no_allowed_alg',
      kid: 'h1',
    });
  });

  it('names a kid-less secret by its config position', () => {
    const key = importHsSecret({ kid: undefined, key: secret.key, algorithms: ['HS256'] }, 2, ['HS256']);
    expect(isKeyRejection(key) ? key.why : key.id).toBe('hs#2');
  });
});

/** A PS256 JWS signed by node:crypto with the RSA-PSS-typed private key (jose cannot export that key type on Node 20). */
function signPs256WithPssKey(): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'PS256' })}.${b64({ sub: 'a' })}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: pss.privateKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  });
  return `${input}.${signature.toString('base64url')}`;
}
