// RSA keys with the ROCA structure (CVE-2017-15361): primes k·M + (65537^a mod M), M the primorial RSALib uses.
import { checkPrimeSync, createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { registerPrivateJwk } from './audit.js';

const GENERATOR = 65537n;

function firstPrimes(count: number): bigint[] {
  const out: bigint[] = [];
  for (let n = 2; out.length < count; n++) if (out.every((p) => n % Number(p) !== 0)) out.push(BigInt(n));
  return out;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error('not invertible');
  return ((s0 % m) + m) % m;
}

const randomBelow = (bits: number): bigint => BigInt(`0x${randomBytes(Math.ceil(bits / 8)).toString('hex')}`);
const bitLength = (n: bigint): number => n.toString(2).length;
const b64u = (n: bigint): string => {
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
};

/** A prime of `bits` bits shaped like RSALib's: k·M + (65537^a mod M). */
function rocaPrime(bits: number, m: bigint): bigint {
  const kBits = bits - bitLength(m) + 1;
  for (;;) {
    const p = randomBelow(kBits) * m + modPow(GENERATOR, randomBelow(62), m);
    // The top two bits set, so that p·q has exactly twice the bits (as RSA key generation ensures).
    if (bitLength(p) !== bits || p >> BigInt(bits - 2) !== 3n || (p - 1n) % GENERATOR === 0n) continue;
    if (checkPrimeSync(p, { checks: 32 })) return p;
  }
}

export interface RocaKeyPair {
  readonly publicJwk: Record<string, string>;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly n: bigint;
}

/**
 * An RSA key pair whose modulus has the ROCA fingerprint, with RSALib's M for the size (the primorial of the first
 * 39, 71, 126 or 225 primes, Nemec et al., CCS 2017). The private key signs tokens a vulnerable JWKS would accept.
 */
export function createRocaKeyPair(kid: string, bits = 2048): RocaKeyPair {
  const count = bits < 992 ? 39 : bits < 1952 ? 71 : bits < 3936 ? 126 : 225;
  const m = firstPrimes(count).reduce((a, b) => a * b, 1n);
  const p = rocaPrime(bits / 2, m);
  let q = rocaPrime(bits / 2, m);
  while (q === p) q = rocaPrime(bits / 2, m);
  const n = p * q;
  const d = modInverse(GENERATOR, (p - 1n) * (q - 1n));
  const jwk = {
    kty: 'RSA',
    n: b64u(n),
    e: b64u(GENERATOR),
    d: b64u(d),
    p: b64u(p),
    q: b64u(q),
    dp: b64u(d % (p - 1n)),
    dq: b64u(d % (q - 1n)),
    qi: b64u(modInverse(q, p)),
  };
  registerPrivateJwk(jwk, `ROCA-structured RSA key ${kid}`);
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  return { publicJwk: { kty: 'RSA', n: jwk.n, e: jwk.e, kid }, privateKey, publicKey, n };
}
