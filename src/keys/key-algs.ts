// Which signing algorithms a public KeyObject can verify (RFC 7518 §3, RFC 8037), and which keys are too weak.
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { SigningAlg } from '../config/types.js';
import { hasRocaFingerprint, modulusOf } from './roca.js';

/** Why a key was not loaded; a bounded set, used as the `why` label of keyway_keys_skipped_total. */
export type SkipReason =
  | 'symmetric_key'
  | 'private_material'
  | 'use_not_sig'
  | 'key_ops_no_verify'
  | 'unknown_kty'
  | 'unknown_crv'
  | 'rsa_too_small'
  | 'rsa_weak_exponent'
  | 'rsa_roca'
  | 'alg_not_for_kty'
  | 'no_allowed_alg'
  | 'invalid_key'
  | 'invalid_kid';

export const RSA_ALGS: readonly SigningAlg[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
export const PSS_ALGS: readonly SigningAlg[] = ['PS256', 'PS384', 'PS512'];
const EC_ALGS: Readonly<Record<string, SigningAlg>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};
const PSS_BY_HASH: Readonly<Record<string, SigningAlg>> = {
  sha256: 'PS256',
  sha384: 'PS384',
  sha512: 'PS512',
};
const MIN_RSA_BITS = 2048;

/** A usable public key with the algorithms its type allows, or why it is refused. */
export type KeyAlgs =
  | { readonly key: KeyObject; readonly algs: readonly SigningAlg[] }
  | { readonly why: SkipReason };

/** Bind a public KeyObject to the algs its type allows; RSA-PSS keys are re-encoded as plain RSA limited to PS*. */
export function algsForKeyObject(key: KeyObject): KeyAlgs {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss') {
    const weak = checkRsa(details.modulusLength, details.publicExponent);
    if (weak) return { why: weak };
    if (type === 'rsa') return hasRocaModulus(key) ? { why: 'rsa_roca' } : { key, algs: RSA_ALGS };
    // RFC 4055 §3.1: a PSS key's parameters restrict the hash; Node 20's WebCrypto (used by jose) cannot import
    // an id-RSASSA-PSS SPKI, so the key is re-encoded as rsaEncryption and the restriction kept in `algs`.
    const restricted = details.hashAlgorithm ? PSS_BY_HASH[details.hashAlgorithm] : undefined;
    if (details.hashAlgorithm && !restricted) return { why: 'alg_not_for_kty' };
    const plain = reencodePssAsRsa(key);
    if (!plain) return { why: 'invalid_key' };
    if (hasRocaModulus(plain)) return { why: 'rsa_roca' };
    return { key: plain, algs: restricted ? [restricted] : PSS_ALGS };
  }
  if (type === 'ec') {
    const alg = details.namedCurve ? EC_ALGS[details.namedCurve] : undefined;
    return alg ? { key, algs: [alg] } : { why: 'unknown_crv' };
  }
  if (type === 'ed25519') return { key, algs: ['EdDSA', 'Ed25519'] };
  if (type === 'ed448' || type === 'x25519' || type === 'x448') return { why: 'unknown_crv' };
  return { why: 'unknown_kty' };
}

/**
 * RSA keys below 2048 bits (RFC 7518 §3.3) are refused, and so is a public exponent outside FIPS 186-5 §5.4(e):
 * odd and 2^16 < e < 2^256. e = 3 is the exponent of Bleichenbacher's PKCS#1 v1.5 signature forgery (a lax
 * verifier anywhere downstream of the same JWKS), and a huge e turns every verification into a CPU burn.
 */
function checkRsa(bits: number | undefined, exponent: bigint | undefined): SkipReason | undefined {
  if (bits === undefined || bits < MIN_RSA_BITS) return 'rsa_too_small';
  if (exponent === undefined || exponent <= 2n ** 16n || exponent >= 2n ** 256n || exponent % 2n === 0n) {
    return 'rsa_weak_exponent';
  }
  return undefined;
}

/**
 * CVE-2017-15361: a modulus made by Infineon RSALib (TPMs, smart cards, YubiKey 4) can be factored, so it is refused.
 * `key` is a plain RSA key (Node exports no JWK for rsa-pss: those are checked after re-encoding).
 */
function hasRocaModulus(key: KeyObject): boolean {
  const n = key.export({ format: 'jwk' }).n;
  return typeof n !== 'string' || hasRocaFingerprint(modulusOf(n));
}

/** Take the RSAPublicKey out of an SPKI (SEQUENCE { AlgorithmIdentifier, BIT STRING }) and import it as PKCS#1. */
function reencodePssAsRsa(key: KeyObject): KeyObject | undefined {
  try {
    const der = key.export({ type: 'spki', format: 'der' });
    const outer = readTlv(der, 0, 0x30);
    const algId = readTlv(der, outer.start, 0x30);
    const bits = readTlv(der, algId.end, 0x03);
    if (der[bits.start] !== 0) return undefined;
    return createPublicKey({ key: der.subarray(bits.start + 1, bits.end), format: 'der', type: 'pkcs1' });
  } catch {
    return undefined;
  }
}

/** Read one DER tag-length-value at `at`; throws when the tag differs or the length runs past the buffer. */
function readTlv(der: Buffer, at: number, tag: number): { start: number; end: number } {
  if (der[at] !== tag) throw new Error('unexpected DER tag');
  let length = der[at + 1] ?? 0;
  let start = at + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (der[start + i] ?? 0);
    start += n;
  }
  if (start + length > der.length) throw new Error('truncated DER');
  return { start, end: start + length };
}
