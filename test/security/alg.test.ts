// RFC 8725 §2.1/§3.1-3.2: alg "none", algorithm confusion (HS* keyed with a public key), HS algs stronger than the
// secret allows, and keys used with an alg their JWK alg/use/key_ops forbids — through the real pipeline.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  b64u,
  claims,
  craft,
  decide,
  expectAllow,
  expectDeny,
  HS_ISS,
  HS64_SECRET,
  HS256_SECRET,
  ISS,
  MIXED_HS_SECRET,
  MIXED_ISS,
  type Signer,
  type Suite,
  signer,
  spkiPem,
  startSuite,
} from './fixture.js';

let suite: Suite;
beforeAll(async () => {
  suite = await startSuite();
});
afterAll(() => suite.close());

const garbageSig: Signer = (input) => createHash('sha256').update(input).digest();

describe('alg "none" in every spelling, with and without a signature', () => {
  const spellings = [
    'none',
    'None',
    'NONE',
    'nOnE',
    'NoNe',
    ' none',
    'none ',
    'none\u0000',
    'nonе' /* Cyrillic е */,
  ];
  const cases = spellings.flatMap((alg) =>
    [ISS, HS_ISS, MIXED_ISS].flatMap((iss) => [
      [`alg ${JSON.stringify(alg)}, ${iss}, empty signature`, alg, iss, ''] as const,
      [`alg ${JSON.stringify(alg)}, ${iss}, with a signature`, alg, iss, garbageSig] as const,
    ]),
  );
  it.each(cases)('%s → 401 alg_not_allowed', async (_name, alg, iss, sig) => {
    const token = craft({ alg, typ: 'JWT' }, claims(iss), sig);
    await expectDeny(await decide(suite, token), 401, 'alg_not_allowed');
  });

  it.each([
    ['alg missing', { typ: 'JWT' }],
    ['alg null', { alg: null }],
    ['alg empty', { alg: '' }],
    ['alg a number', { alg: 256 }],
    ['alg an array', { alg: ['HS256'] }],
    ['alg an object', { alg: { name: 'HS256' } }],
    ['alg "none" with the kid of a real key', { alg: 'none', kid: 'rsa-1' }],
  ])('%s → 401 alg_not_allowed', async (_name, header) => {
    await expectDeny(await decide(suite, craft(header, claims(ISS), '')), 401, 'alg_not_allowed');
    await expectDeny(await decide(suite, craft(header, claims(ISS), garbageSig)), 401, 'alg_not_allowed');
  });
});

describe('alg confusion: HS* keyed with the public key', () => {
  // Every spelling of a public key an attacker might try as the HMAC secret.
  const spellings = (s: Suite) => {
    const { rsa, mixedRsa, ec, mixedEc } = s.keys;
    const der = (k: typeof rsa) => k.publicKey.export({ type: 'spki', format: 'der' });
    return {
      'RSA SPKI PEM': [rsa, spkiPem(rsa.publicKey)],
      'RSA PKCS#1 PEM': [rsa, String(rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }))],
      'RSA SPKI DER (raw bytes)': [rsa, der(rsa)],
      'RSA SPKI DER (base64 text)': [rsa, der(rsa).toString('base64')],
      'RSA JWK JSON': [rsa, JSON.stringify(rsa.jwk)],
      'RSA modulus n (base64url text)': [rsa, String(rsa.jwk['n'])],
      'EC SPKI PEM': [ec, spkiPem(ec.publicKey)],
      'EC JWK JSON': [ec, JSON.stringify(ec.jwk)],
      'static RSA key PEM (mixed issuer)': [mixedRsa, spkiPem(mixedRsa.publicKey)],
      'static RSA key DER (mixed issuer)': [mixedRsa, der(mixedRsa)],
      'static EC key JWK JSON (mixed issuer)': [mixedEc, JSON.stringify(mixedEc.jwk)],
    } as const;
  };
  const NAMES = [
    'RSA SPKI PEM',
    'RSA PKCS#1 PEM',
    'RSA SPKI DER (raw bytes)',
    'RSA SPKI DER (base64 text)',
    'RSA JWK JSON',
    'RSA modulus n (base64url text)',
    'EC SPKI PEM',
    'EC JWK JSON',
    'static RSA key PEM (mixed issuer)',
    'static RSA key DER (mixed issuer)',
    'static EC key JWK JSON (mixed issuer)',
  ] as const;

  for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
    it.each(NAMES)(
      `${alg} with the %s as secret, JWKS issuer (HS* not allowed) → 401 alg_not_allowed`,
      async (name) => {
        const [key, secret] = spellings(suite)[name];
        for (const kid of [key.kid, undefined]) {
          const token = craft({ alg, kid }, claims(ISS), signer(alg, secret));
          await expectDeny(await decide(suite, token), 401, 'alg_not_allowed');
        }
      },
    );
  }

  it.each(NAMES)(
    'HS256 with the %s as secret and the key’s own kid, mixed issuer → 401 alg_not_allowed',
    async (name) => {
      const [key, secret] = spellings(suite)[name];
      const kid = key.kid.startsWith('mixed') ? key.kid : 'mixed-rsa';
      const token = craft({ alg: 'HS256', kid }, claims(MIXED_ISS), signer('HS256', secret));
      await expectDeny(await decide(suite, token), 401, 'alg_not_allowed');
    },
  );

  it.each(NAMES)(
    'HS256 with the %s as secret, no kid, mixed issuer (only the HS secret is tried) → 401 bad_signature',
    async (name) => {
      const [, secret] = spellings(suite)[name];
      const token = craft({ alg: 'HS256' }, claims(MIXED_ISS), signer('HS256', secret));
      await expectDeny(await decide(suite, token), 401, 'bad_signature');
    },
  );

  it('HS256 with the HS secret’s own kid but an RSA key’s algorithm (RS256 signed by the HMAC) → 401 alg_not_allowed', async () => {
    const token = craft(
      { alg: 'RS256', kid: 'mixed-hs' },
      claims(MIXED_ISS),
      signer('HS256', MIXED_HS_SECRET),
    );
    await expectDeny(await decide(suite, token), 401, 'alg_not_allowed');
  });

  it('control: the mixed issuer accepts its real HS256 and RS256 tokens', async () => {
    await expectAllow(
      await decide(
        suite,
        craft({ alg: 'HS256', kid: 'mixed-hs' }, claims(MIXED_ISS), signer('HS256', MIXED_HS_SECRET)),
      ),
    );
    const { mixedRsa } = suite.keys;
    await expectAllow(
      await decide(
        suite,
        craft({ alg: 'RS256', kid: 'mixed-rsa' }, claims(MIXED_ISS), signer('RS256', mixedRsa.privateKey)),
      ),
    );
  });
});

describe('HS algorithms stronger than the secret allows', () => {
  it.each([
    ['HS384 with the 44-byte HS256-only secret', 'HS384', HS_ISS, HS256_SECRET],
    ['HS512 with the 44-byte HS256-only secret', 'HS512', HS_ISS, HS256_SECRET],
    ['HS384 with a 64-byte secret configured algorithms: [HS256]', 'HS384', 'https://hs64.test', HS64_SECRET],
    ['HS512 with a 64-byte secret configured algorithms: [HS256]', 'HS512', 'https://hs64.test', HS64_SECRET],
  ] as const)('%s → 401 alg_not_allowed', async (_name, alg, iss, secret) => {
    const token = craft({ alg, typ: 'JWT' }, claims(iss), signer(alg, secret));
    await expectDeny(await decide(suite, token), 401, 'alg_not_allowed');
  });

  it('control: HS256 with the same secrets → 200', async () => {
    await expectAllow(
      await decide(suite, craft({ alg: 'HS256' }, claims(HS_ISS), signer('HS256', HS256_SECRET))),
    );
    await expectAllow(
      await decide(suite, craft({ alg: 'HS256' }, claims('https://hs64.test'), signer('HS256', HS64_SECRET))),
    );
  });
});

describe('a key used with an alg its type or JWK alg/use/key_ops forbids', () => {
  it.each([
    ['JWK alg RS256, token PS256', 'rsaRs256Only', 'PS256', 'alg_not_allowed'],
    ['JWK alg RS256, token RS384', 'rsaRs256Only', 'RS384', 'alg_not_allowed'],
    ['EC P-256 key, token ES384', 'ec', 'ES384', 'alg_not_allowed'],
    ['Ed25519 key, token ES256 (signed with the EC key of another kid)', 'ed', 'ES256', 'alg_not_allowed'],
    ['RSA key, token EdDSA', 'rsa', 'EdDSA', 'alg_not_allowed'],
    ['use: "enc" key (skipped from the JWKS)', 'rsaEnc', 'RS256', 'unknown_key'],
    ['key_ops: ["encrypt"] key (skipped from the JWKS)', 'ecKeyOpsEncrypt', 'ES256', 'unknown_key'],
  ] as const)('%s → 401 %s', async (_name, keyName, alg, reason) => {
    const key = suite.keys[keyName];
    const signingKey = alg === 'ES256' && keyName === 'ed' ? suite.keys.ec.privateKey : key.privateKey;
    const sign = alg === 'ES384' || alg === 'EdDSA' ? (garbageSig as Signer) : signer(alg, signingKey);
    const token = craft({ alg, kid: key.kid }, claims(ISS), sign);
    await expectDeny(await decide(suite, token), 401, reason);
  });

  it('control: the same keys with the alg they allow → 200 (key_ops: ["verify"] too)', async () => {
    const { rsaRs256Only, ecKeyOpsVerify, ed } = suite.keys;
    await expectAllow(
      await decide(
        suite,
        craft({ alg: 'RS256', kid: rsaRs256Only.kid }, claims(ISS), signer('RS256', rsaRs256Only.privateKey)),
      ),
    );
    await expectAllow(
      await decide(
        suite,
        craft(
          { alg: 'ES256', kid: ecKeyOpsVerify.kid },
          claims(ISS),
          signer('ES256', ecKeyOpsVerify.privateKey),
        ),
      ),
    );
    await expectAllow(
      await decide(suite, craft({ alg: 'EdDSA', kid: ed.kid }, claims(ISS), signer('EdDSA', ed.privateKey))),
    );
  });

  it('an unknown kid never falls through to another key (the JWKS is refetched, not searched by alg)', async () => {
    const token = craft(
      { alg: 'RS256', kid: 'not-a-kid' },
      claims(ISS),
      signer('RS256', suite.keys.rsa.privateKey),
    );
    await expectDeny(await decide(suite, token), 401, 'unknown_key');
  });
});

describe('the signing input is what was signed', () => {
  it('a valid token whose header is swapped for another alg’s header → 401 (never verified under the new alg)', async () => {
    const real = craft(
      { alg: 'RS256', kid: 'rsa-1' },
      claims(ISS),
      signer('RS256', suite.keys.rsa.privateKey),
    );
    const [, payload, sig] = real.split('.');
    const swapped = `${b64u(JSON.stringify({ alg: 'PS256', kid: 'rsa-1' }))}.${payload}.${sig}`;
    await expectDeny(await decide(suite, swapped), 401, 'bad_signature');
  });

  it('metrics count every alg denial under alg_not_allowed', async () => {
    const text = await (await suite.kw.app.request('/metrics')).text();
    expect(text).toMatch(
      /keyway_decisions_total\{result="deny",reason="alg_not_allowed",policy="api"\} [1-9]\d*/,
    );
  });
});
