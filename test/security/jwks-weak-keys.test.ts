// Weak or unusable keys in a JWKS (RFC 8725 §3.5, RFC 7518 §3.3/§6): each is skipped on its own, logged once and
// counted once; the rest of the set keeps verifying. Through /auth, against a real loopback JWKS server.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/lib/clock.js';
import { registerPrivateJwk, registerSecret } from '../helpers/audit.js';
import { type JwksServer, startJwksServer } from '../helpers/jwks-server.js';
import { createTestKeyway, type TestKeyway } from '../helpers/keyway.js';
import { createRocaKeyPair } from '../helpers/roca-key.js';
import {
  type Alg,
  b64u,
  claims,
  craft,
  expectAllow,
  expectDeny,
  holdKey,
  ISS,
  NOW,
  signer,
} from './fixture.js';

let jwks: JwksServer;
let kw: TestKeyway;
const clock = createManualClock(NOW * 1000);
const good = holdKey('good', 'rsa');
const goodEc = holdKey('good-ec', 'ec');
const rsa1024 = holdKey('rsa-1024', 'rsa', { modulusLength: 1024 });
const e3 = (() => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
  registerPrivateJwk(pair.privateKey.export({ format: 'jwk' }), 'e=3 key');
  return { kid: 'rsa-e3', ...pair, jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid: 'rsa-e3' } };
})();
const secp256k1 = holdKey('ec-secp256k1', 'ec', { namedCurve: 'secp256k1' });
// CVE-2017-15361: 2048 bits and e = 65537 like any good key, but its primes have Infineon RSALib's structure.
const roca = createRocaKeyPair('rsa-roca');
const encKey = holdKey('rsa-enc', 'rsa');
const opsKey = holdKey('ec-ops-sign', 'ec');
const OCT_K = b64u('a-symmetric-key-published-in-a-jwks-0123456789');
registerSecret(OCT_K, 'oct key published in the JWKS');

/** Each weak entry: the JWK served, the skip reason, and (when a private key exists) what signs a token for it. */
const WEAK: {
  name: string;
  jwk: Record<string, unknown>;
  why: string;
  sign?: [Alg, Parameters<typeof signer>[1]];
}[] = [
  { name: 'RSA 1024 bits', jwk: rsa1024.jwk, why: 'rsa_too_small', sign: ['RS256', rsa1024.privateKey] },
  { name: 'RSA e = 1', jwk: { ...good.jwk, kid: 'rsa-e1', e: 'AQ' }, why: 'rsa_weak_exponent' },
  { name: 'RSA e = 3', jwk: e3.jwk, why: 'rsa_weak_exponent', sign: ['RS256', e3.privateKey] },
  {
    name: 'RSA with the ROCA fingerprint',
    jwk: { ...roca.publicJwk, alg: 'RS256', use: 'sig' },
    why: 'rsa_roca',
    sign: ['RS256', roca.privateKey],
  },
  {
    name: 'RSA e = 65536 (even)',
    jwk: { ...good.jwk, kid: 'rsa-even', e: 'AQAA' },
    why: 'rsa_weak_exponent',
  },
  {
    name: 'use: "enc"',
    jwk: { ...encKey.jwk, use: 'enc' },
    why: 'use_not_sig',
    sign: ['RS256', encKey.privateKey],
  },
  {
    name: 'key_ops: ["sign"] (no verify)',
    jwk: { ...opsKey.jwk, key_ops: ['sign'] },
    why: 'key_ops_no_verify',
    sign: ['ES256', opsKey.privateKey],
  },
  { name: 'symmetric oct key', jwk: { kty: 'oct', kid: 'oct-1', k: OCT_K }, why: 'symmetric_key' },
  {
    name: 'private RSA JWK (d present)',
    jwk: { ...good.privateKey.export({ format: 'jwk' }), kid: 'rsa-private' },
    why: 'private_material',
    sign: ['RS256', good.privateKey],
  },
  { name: 'secp256k1', jwk: secp256k1.jwk, why: 'unknown_crv', sign: ['ES256', secp256k1.privateKey] },
  {
    name: 'EC point off the curve',
    jwk: { ...goodEc.jwk, kid: 'ec-off-curve', y: b64u(Buffer.alloc(32, 7)) },
    why: 'invalid_key',
  },
  {
    name: 'alg HS256 on an RSA key',
    jwk: { ...good.jwk, kid: 'rsa-hs', alg: 'HS256' },
    why: 'alg_not_for_kty',
  },
  { name: 'alg none', jwk: { ...good.jwk, kid: 'rsa-none', alg: 'none' }, why: 'alg_not_for_kty' },
  { name: 'unknown kty', jwk: { kty: 'DSA', kid: 'dsa-1', y: 'AQAB' }, why: 'unknown_kty' },
  { name: 'non-string kid', jwk: { ...goodEc.jwk, kid: 42 }, why: 'invalid_kid' },
];

beforeAll(async () => {
  jwks = await startJwksServer();
  jwks.setKeys([...WEAK.map((w) => w.jwk), good.jwk, goodEc.jwk]);
  kw = await createTestKeyway(
    {
      issuers: [
        {
          name: 'idp',
          issuer: ISS,
          jwks_uri: jwks.jwksUrl,
          jwks: { retries: 0, unknown_kid_cooldown: '30s' },
        },
      ],
      policies: [{ name: 'api' }],
    },
    { clock },
  );
});
afterAll(async () => {
  await kw.close();
  await jwks.close();
});

const auth = (token: string) => kw.auth({ authorization: `Bearer ${token}` });
const skipLines = () => kw.logs.entries().filter((e) => e['msg'] === 'key skipped');

describe('weak keys in a JWKS', () => {
  it.each(WEAK.filter((w) => w.sign))('$name: its token → 401 unknown_key', async ({ jwk, sign }) => {
    const [alg, key] = sign!;
    const token = craft({ alg, kid: jwk['kid'] }, claims(ISS), signer(alg, key));
    await expectDeny(await auth(token), 401, 'unknown_key');
  });

  it('symmetric oct key: an HS256 token made with its k → 401 alg_not_allowed (never an HMAC key)', async () => {
    const token = craft(
      { alg: 'HS256', kid: 'oct-1' },
      claims(ISS),
      signer('HS256', Buffer.from(OCT_K, 'base64url')),
    );
    await expectDeny(await auth(token), 401, 'alg_not_allowed');
  });

  it('the rest of the set still verifies (RSA and EC)', async () => {
    await expectAllow(
      await auth(craft({ alg: 'RS256', kid: 'good' }, claims(ISS), signer('RS256', good.privateKey))),
    );
    await expectAllow(
      await auth(craft({ alg: 'ES256', kid: 'good-ec' }, claims(ISS), signer('ES256', goodEc.privateKey))),
    );
  });

  it.each(WEAK)('$name is skipped as $why, logged once with its kid', ({ jwk, why }) => {
    const kid = typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined;
    const lines = skipLines().filter((e) => e['why'] === why && e['kid'] === kid);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', issuer: 'idp', origin: 'jwks' });
  });

  it('refetches do not log or count a skipped key again', async () => {
    const before = jwks.count();
    const lines = skipLines().length;
    clock.advance(31_000); // past unknown_kid_cooldown: an unknown kid refetches
    const token = craft(
      { alg: 'ES256', kid: 'never-published' },
      claims(ISS),
      signer('ES256', goodEc.privateKey),
    );
    await expectDeny(await auth(token), 401, 'unknown_key');
    expect(jwks.count()).toBe(before + 1);
    expect(skipLines()).toHaveLength(lines);
    const metrics = await kw.deps.metrics.keysSkipped.get();
    const counted = Object.fromEntries(metrics.values.map((v) => [String(v.labels.why), v.value]));
    const expected: Record<string, number> = {};
    for (const w of WEAK) expected[w.why] = (expected[w.why] ?? 0) + 1;
    expect(counted).toEqual(expected);
  });

  it('key material never reaches the log', () => {
    const text = kw.logs.lines.join('\n');
    for (const secret of [OCT_K, String(good.privateKey.export({ format: 'jwk' }).d)])
      expect(text).not.toContain(secret);
  });
});
