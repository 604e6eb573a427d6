// Signature attacks: truncated, empty, zeroed, DER-encoded, re-spelled or borrowed signatures, and another key that
// reuses a published kid. Every one is a 401 with its exact reason, never a 200 and never a 500.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  type Alg,
  claims,
  craft,
  decide,
  expectAllow,
  expectDeny,
  HS_ISS,
  HS256_SECRET,
  holdKey,
  ISS,
  type Signer,
  type Suite,
  signer,
  startSuite,
} from './fixture.js';

let suite: Suite;
beforeAll(async () => {
  suite = await startSuite();
});
afterAll(() => suite.close());

/** P-256 group order n: (r, s) = (n, n) is (0, 0) mod n — the "psychic signature" (CVE-2022-21449) shape. */
const P256_N = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

/** A P1363 (r‖s) ECDSA signature re-encoded as ASN.1 DER, as OpenSSL would emit it by default. */
function toDer(p1363: Buffer): Buffer {
  const int = (b: Buffer) => {
    let x = b;
    while (x.length > 1 && x[0] === 0 && !((x[1] ?? 0) & 0x80)) x = x.subarray(1);
    if ((x[0] ?? 0) & 0x80) x = Buffer.concat([Buffer.from([0]), x]);
    return Buffer.concat([Buffer.from([0x02, x.length]), x]);
  };
  const half = p1363.length / 2;
  const body = Buffer.concat([int(p1363.subarray(0, half)), int(p1363.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** Sign with `sign`, then transform the signature bytes. */
const mangled =
  (sign: Signer, f: (sig: Buffer) => Buffer): Signer =>
  (input) =>
    f(sign(input));

const keyOf = (s: Suite, alg: Alg) =>
  alg === 'RS256' ? s.keys.rsa : alg === 'ES256' ? s.keys.ec : alg === 'EdDSA' ? s.keys.ed : undefined;

describe('signature attacks', () => {
  const real = (alg: Alg): Signer => {
    if (alg === 'HS256') return signer('HS256', HS256_SECRET);
    return signer(alg, keyOf(suite, alg)!.privateKey);
  };
  const issOf = (alg: Alg) => (alg === 'HS256' ? HS_ISS : ISS);
  const kidOf = (alg: Alg) => keyOf(suite, alg)?.kid;

  const perAlg: [string, (sig: Buffer) => Buffer, string][] = [
    ['truncated to half', (sig) => sig.subarray(0, Math.floor(sig.length / 2)), 'bad_signature'],
    ['truncated by one byte', (sig) => sig.subarray(0, sig.length - 1), 'bad_signature'],
    ['one extra byte', (sig) => Buffer.concat([sig, Buffer.from([0])]), 'bad_signature'],
    ['one bit flipped', (sig) => Buffer.from(sig.map((b, i) => (i === 0 ? b ^ 1 : b))), 'bad_signature'],
    ['all zero bytes', (sig) => Buffer.alloc(sig.length), 'bad_signature'],
    ['a single byte', () => Buffer.from([0]), 'bad_signature'],
    ['doubled', (sig) => Buffer.concat([sig, sig]), 'bad_signature'],
  ];
  for (const alg of ['RS256', 'ES256', 'EdDSA', 'HS256'] as const) {
    it.each(perAlg)(`${alg}: signature %s → 401 %s`, async (_name, f, reason) => {
      const token = craft({ alg, kid: kidOf(alg) }, claims(issOf(alg)), mangled(real(alg), f));
      await expectDeny(await decide(suite, token), 401, reason);
    });

    it(`${alg}: zero-length signature → 401 malformed_token`, async () => {
      await expectDeny(
        await decide(suite, craft({ alg, kid: kidOf(alg) }, claims(issOf(alg)), '')),
        401,
        'malformed_token',
      );
    });

    it(`${alg}: the signature of another token (same key) → 401 bad_signature`, async () => {
      const other = craft({ alg, kid: kidOf(alg) }, claims(issOf(alg), { sub: 'root' }), real(alg));
      const mine = craft({ alg, kid: kidOf(alg) }, claims(issOf(alg)), real(alg));
      const borrowed = `${mine.split('.').slice(0, 2).join('.')}.${other.split('.')[2]}`;
      await expectDeny(await decide(suite, borrowed), 401, 'bad_signature');
    });

    it(`${alg}: a valid signature re-spelled with non-zero unused base64url bits → 401 malformed_token`, async () => {
      const token = craft({ alg, kid: kidOf(alg) }, claims(issOf(alg)), real(alg));
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(token.at(-1)!);
      // Every signature length here leaves unused bits in the last character; flipping the lowest one keeps the bytes.
      const respelled = `${token.slice(0, -1)}${alphabet[last ^ 1]}`;
      await expectDeny(await decide(suite, respelled), 401, 'malformed_token');
      await expectAllow(await decide(suite, token));
    });
  }

  it.each([
    ['r = 0, s = 0', Buffer.alloc(64)],
    ['r = n, s = n (the group order)', Buffer.concat([P256_N, P256_N])],
    ['r = 0, s = n', Buffer.concat([Buffer.alloc(32), P256_N])],
    ['r = 1, s = 1', Buffer.concat([Buffer.alloc(31), Buffer.from([1]), Buffer.alloc(31), Buffer.from([1])])],
  ])('ES256: %s → 401 bad_signature', async (_name, sig) => {
    const token = craft({ alg: 'ES256', kid: 'ec-1' }, claims(ISS), sig);
    await expectDeny(await decide(suite, token), 401, 'bad_signature');
  });

  it('ES256: a correct signature DER-encoded instead of r‖s (RFC 7518 §3.4) → 401 bad_signature', async () => {
    const token = craft({ alg: 'ES256', kid: 'ec-1' }, claims(ISS), mangled(real('ES256'), toDer));
    await expectDeny(await decide(suite, token), 401, 'bad_signature');
  });

  it.each([
    ['RS256', 'rsa-1'],
    ['ES256', 'ec-1'],
    ['EdDSA', 'ed-1'],
  ] as const)(
    '%s: another key published nowhere, signing with the real kid %s → 401 bad_signature',
    async (alg, kid) => {
      const type = alg === 'RS256' ? 'rsa' : alg === 'ES256' ? 'ec' : 'ed25519';
      const impostor = holdKey(kid, type);
      await expectDeny(
        await decide(suite, craft({ alg, kid }, claims(ISS), signer(alg, impostor.privateKey))),
        401,
        'bad_signature',
      );
    },
  );

  it('HS256: the right claims signed with another secret → 401 bad_signature', async () => {
    const token = craft({ alg: 'HS256' }, claims(HS_ISS), signer('HS256', `${HS256_SECRET}-but-not-quite`));
    await expectDeny(await decide(suite, token), 401, 'bad_signature');
  });

  it('HS256: a signature that is the SHA-256 of the signing input (no key) → 401 bad_signature', async () => {
    const token = craft({ alg: 'HS256' }, claims(HS_ISS), (input) =>
      createHash('sha256').update(input).digest(),
    );
    await expectDeny(await decide(suite, token), 401, 'bad_signature');
  });

  it('a valid HS256 signature spelled in standard base64 (+ and /) → 401 malformed_token', async () => {
    for (let i = 0; ; i++) {
      const token = craft({ alg: 'HS256' }, claims(HS_ISS, { n: i }), real('HS256'));
      const [h, p, sig] = token.split('.') as [string, string, string];
      const std = Buffer.from(sig, 'base64url').toString('base64').replace(/=+$/, '');
      if (!/[+/]/.test(std)) continue; // about 1 in 4 signatures has neither character
      await expectDeny(await decide(suite, `${h}.${p}.${std}`), 401, 'malformed_token');
      await expectAllow(await decide(suite, token));
      return;
    }
  });
});
