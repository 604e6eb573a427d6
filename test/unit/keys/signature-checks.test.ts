// compileSignatureChecks: every alg × key type — valid, wrong key, wrong alg for the key, tampered input or signature,
// wrong length, DER-encoded ECDSA, weak keys — and agreement with jose on random valid and corrupted tokens.
import {
  constants,
  createHmac,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  type SignKeyObjectInput,
  sign,
  verify,
} from 'node:crypto';
import fc from 'fast-check';
import { CompactSign, compactVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileSignatureChecks } from '../../../src/keys/signature-checks.js';
import { SIGNING_ALGS, type SigningAlg } from '../../../src/lib/jws-algs.js';

interface Pair {
  readonly name: string;
  /** What the verifier is given: a public KeyObject or the HS secret. */
  readonly verifyKey: KeyObject | Uint8Array;
  /** What signs: the private key or the secret. */
  readonly signKey: KeyObject | Uint8Array;
  /** Exactly the algs this key may verify. */
  readonly algs: readonly SigningAlg[];
}

const RSA: readonly SigningAlg[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const hashOf = (alg: SigningAlg) =>
  alg.startsWith('E') && !alg.startsWith('ES') ? null : `sha${alg.slice(2)}`;

function asymmetric(
  name: string,
  pair: { publicKey: KeyObject; privateKey: KeyObject },
  algs: readonly SigningAlg[],
): Pair {
  return { name, verifyKey: pair.publicKey, signKey: pair.privateKey, algs };
}

function secret(bytes: number): Pair {
  const key = new Uint8Array(randomBytes(bytes));
  const algs = (['HS256', 'HS384', 'HS512'] as const).filter((a) => bytes >= Number(a.slice(2)) / 8);
  return { name: `HS secret ${bytes} bytes`, verifyKey: key, signKey: key, algs };
}

/** A JWS signature of `input` with `alg`, made with node's signing side (as an IdP would). */
function signWith(alg: SigningAlg, key: KeyObject | Uint8Array, input: Buffer): Buffer {
  if (key instanceof Uint8Array) return createHmac(hashOf(alg)!, key).update(input).digest();
  const bits = Number(alg.slice(2));
  let opts: SignKeyObjectInput = { key };
  if (alg.startsWith('PS')) opts = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: bits / 8 };
  if (alg.startsWith('ES')) opts = { key, dsaEncoding: 'ieee-p1363' };
  return sign(hashOf(alg), input, opts);
}

/** The P1363 (r‖s) signature re-encoded as ASN.1 DER (OpenSSL's default form). */
function toDer(p1363: Buffer): Buffer {
  const int = (b: Buffer) => {
    let x = b;
    while (x.length > 1 && x[0] === 0 && !((x[1] ?? 0) & 0x80)) x = x.subarray(1);
    if ((x[0] ?? 0) & 0x80) x = Buffer.concat([Buffer.from([0]), x]);
    return Buffer.concat([Buffer.from([0x02, x.length]), x]);
  };
  const half = p1363.length / 2;
  const body = Buffer.concat([int(p1363.subarray(0, half)), int(p1363.subarray(half))]);
  const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x30]), len, body]);
}

const flip = (b: Buffer, at: number) => {
  const out = Buffer.from(b);
  out[at % out.length] = (out[at % out.length] ?? 0) ^ 0x01;
  return out;
};

let pairs: Pair[];
let others: Pair[];
beforeAll(() => {
  const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  const make = (): Pair[] => [
    asymmetric('RSA 2048', rsa(), RSA),
    asymmetric('RSA 3072', generateKeyPairSync('rsa', { modulusLength: 3072 }), RSA),
    asymmetric('EC P-256', generateKeyPairSync('ec', { namedCurve: 'P-256' }), ['ES256']),
    asymmetric('EC P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' }), ['ES384']),
    asymmetric('EC P-521', generateKeyPairSync('ec', { namedCurve: 'P-521' }), ['ES512']),
    asymmetric('Ed25519', generateKeyPairSync('ed25519'), ['EdDSA', 'Ed25519']),
    secret(32),
    secret(48),
    secret(64),
  ];
  pairs = make();
  // A second key of each kind: a valid signature by it is a signature by the wrong key.
  others = make();
});

const INPUT = Buffer.from('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9', 'latin1');

describe('compileSignatureChecks: alg × key type', () => {
  it('binds each key type to exactly its algs: every other alg has no check', () => {
    for (const pair of pairs) {
      const checks = compileSignatureChecks(pair.verifyKey, SIGNING_ALGS);
      expect([...checks.keys()].sort(), pair.name).toEqual([...pair.algs].sort());
    }
  });

  it('a valid signature verifies; the wrong key, a tampered input or signature, or another length does not', () => {
    for (const [i, pair] of pairs.entries()) {
      const other = others[i]!;
      const checks = compileSignatureChecks(pair.verifyKey, pair.algs);
      for (const alg of pair.algs) {
        const check = checks.get(alg)!;
        const sig = signWith(alg, pair.signKey, INPUT);
        const at = `${pair.name} ${alg}`;
        expect(check(INPUT, sig), `${at} valid`).toBe(true);
        expect(check(INPUT, signWith(alg, other.signKey, INPUT)), `${at} wrong key`).toBe(false);
        expect(check(flip(INPUT, 7), sig), `${at} tampered input`).toBe(false);
        expect(check(INPUT, flip(sig, 3)), `${at} tampered signature`).toBe(false);
        expect(check(INPUT, flip(sig, sig.length - 1)), `${at} last byte`).toBe(false);
        expect(check(INPUT, sig.subarray(0, sig.length - 1)), `${at} one byte short`).toBe(false);
        expect(check(INPUT, Buffer.concat([sig, Buffer.from([0])])), `${at} one byte long`).toBe(false);
        expect(check(INPUT, Buffer.alloc(0)), `${at} empty`).toBe(false);
        expect(check(INPUT, Buffer.alloc(sig.length)), `${at} zeroes`).toBe(false);
      }
    }
  });

  it('a signature made with another alg of the same key never verifies (RS ↔ PS, hash sizes, HS sizes)', () => {
    for (const pair of pairs) {
      const checks = compileSignatureChecks(pair.verifyKey, pair.algs);
      for (const signed of pair.algs)
        for (const checked of pair.algs) {
          // EdDSA and Ed25519 name one algorithm (RFC 9864): the same signature.
          if (signed === checked || (pair.name === 'Ed25519' && signed !== checked)) continue;
          const sig = signWith(signed, pair.signKey, INPUT);
          expect(checks.get(checked)!(INPUT, sig), `${pair.name}: ${signed} as ${checked}`).toBe(false);
        }
    }
  });

  it('PS*: only a salt as long as the hash (RFC 7518 §3.5), where node alone would accept any', () => {
    const pair = pairs.find((p) => p.name === 'RSA 2048')!;
    const check = compileSignatureChecks(pair.verifyKey, ['PS256']).get('PS256')!;
    for (const saltLength of [0, 20, 64]) {
      const sig = sign('sha256', INPUT, {
        key: pair.signKey as KeyObject,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength,
      });
      // The control: the signature is a real PSS signature that node verifies with an automatic salt length.
      const auto = { key: pair.verifyKey as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING };
      expect(verify('sha256', INPUT, auto, sig), `salt ${saltLength} is a PSS signature`).toBe(true);
      expect(check(INPUT, sig), `salt ${saltLength}`).toBe(false);
    }
  });

  it('ES*: a DER-encoded signature of the right key is refused (JWS uses r‖s)', () => {
    for (const pair of pairs.filter((p) => p.name.startsWith('EC'))) {
      const alg = pair.algs[0]!;
      const der = toDer(signWith(alg, pair.signKey, INPUT));
      // The control: the DER form is valid for node's default encoding.
      expect(
        verify(hashOf(alg), INPUT, pair.verifyKey as KeyObject, der),
        `${pair.name} DER is valid DER`,
      ).toBe(true);
      expect(compileSignatureChecks(pair.verifyKey, [alg]).get(alg)!(INPUT, der), pair.name).toBe(false);
    }
  });

  it('weak or unfit keys get no check at all', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    const x25519 = generateKeyPairSync('x25519');
    const ed448 = generateKeyPairSync('ed448');
    const secp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const cases: [string, KeyObject | Uint8Array][] = [
      ['RSA 1024 (below 2048 bits)', small.publicKey],
      ['an RSA private key', small.privateKey],
      ['an EC private key', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey],
      ['an id-RSASSA-PSS key (import re-encodes it as RSA)', pss.publicKey],
      ['X25519', x25519.publicKey],
      ['Ed448', ed448.publicKey],
      ['secp256k1', secp256k1.publicKey],
      ['a 31-byte HS secret', new Uint8Array(31)],
    ];
    for (const [name, key] of cases) expect(compileSignatureChecks(key, SIGNING_ALGS).size, name).toBe(0);
  });

  it('an HS secret of 32 bytes has no HS384/HS512 check (RFC 7518 §3.2)', () => {
    expect([...compileSignatureChecks(new Uint8Array(32), ['HS256', 'HS384', 'HS512']).keys()]).toEqual([
      'HS256',
    ]);
  });
});

describe('compileSignatureChecks agrees with jose', () => {
  type Corruption = 'none' | 'signature bit' | 'payload char' | 'header char' | 'truncate' | 'other token';
  const corruptions: Corruption[] = [
    'none',
    'signature bit',
    'payload char',
    'header char',
    'truncate',
    'other token',
  ];
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

  /** Change one character of a segment to another base64url character. */
  const swapChar = (segment: string, at: number, by: number) => {
    const i = at % segment.length;
    const next = B64[(B64.indexOf(segment[i]!) + 1 + (by % 63)) % 64]!;
    return segment.slice(0, i) + next + segment.slice(i + 1);
  };

  it.each(SIGNING_ALGS.map((alg) => [alg]))(
    '%s: random valid and corrupted tokens get the same verdict from both',
    async (alg) => {
      const pair = pairs.find((p) => p.algs.includes(alg))!;
      const check = compileSignatureChecks(pair.verifyKey, [alg]).get(alg)!;
      const make = (payload: string) =>
        new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg }).sign(pair.signKey);
      const spare = await make('{"sub":"someone else"}');
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.json({ maxDepth: 2 }),
          fc.constantFrom(...corruptions),
          fc.nat(),
          fc.nat(),
          async (payload, corruption, at, by) => {
            const [h, p, s] = (await make(payload)).split('.') as [string, string, string];
            let token = `${h}.${p}.${s}`;
            const sig = Buffer.from(s, 'base64url');
            if (corruption === 'signature bit') token = `${h}.${p}.${flip(sig, at).toString('base64url')}`;
            if (corruption === 'payload char') token = `${h}.${swapChar(p, at, by)}.${s}`;
            if (corruption === 'header char') token = `${swapChar(h, at, by)}.${p}.${s}`;
            if (corruption === 'truncate')
              token = `${h}.${p}.${sig.subarray(0, at % sig.length).toString('base64url')}`;
            if (corruption === 'other token') token = `${h}.${p}.${spare.split('.')[2]}`;
            const [h2, p2, s2] = token.split('.') as [string, string, string];
            const ours = check(Buffer.from(`${h2}.${p2}`, 'latin1'), Buffer.from(s2, 'base64url'));
            const theirs = await compactVerify(token, pair.verifyKey, { algorithms: [alg] }).then(
              () => true,
              () => false,
            );
            expect(ours).toBe(theirs);
            if (corruption === 'none') expect(ours).toBe(true);
            if (ours) accepted++;
          },
        ),
        { numRuns: 60 },
      );
      // The property saw both verdicts: a suite where everything fails (or passes) would agree vacuously.
      expect(accepted).toBeGreaterThan(0);
    },
  );
});
