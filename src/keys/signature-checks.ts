// compileSignatureChecks: one node:crypto signature check per (key, alg), compiled once when the key is loaded.
import {
  constants,
  createHmac,
  createSecretKey,
  type KeyObject,
  timingSafeEqual,
  type VerifyKeyObjectInput,
  verify,
} from 'node:crypto';
import type { SigningAlg } from '../config/types.js';

/**
 * True when `signature` (the decoded third JWS segment) is a valid signature of `signingInput` (the ASCII bytes of
 * `header.payload`, RFC 7515 §5.2 step 8). Never throws.
 */
export type SignatureCheck = (signingInput: Uint8Array, signature: Uint8Array) => boolean;

const HASH = { '256': 'sha256', '384': 'sha384', '512': 'sha512' } as const;
type Bits = keyof typeof HASH;
/** RFC 7518 §3.4: the curve and the hash are fixed by the alg; the signature is r‖s, each the curve's size. */
const EC_CURVES: Readonly<Record<string, { readonly curve: string; readonly size: number }>> = {
  ES256: { curve: 'prime256v1', size: 32 },
  ES384: { curve: 'secp384r1', size: 48 },
  ES512: { curve: 'secp521r1', size: 66 },
};
/** RFC 7518 §3.3 (and jose's own rule): smaller RSA keys never verify anything. */
const MIN_RSA_BITS = 2048;

/** Run a node:crypto verification; an OpenSSL error (a malformed signature it cannot parse) is a failed check. */
function safely(check: SignatureCheck): SignatureCheck {
  return (input, signature) => {
    try {
      return check(input, signature);
    } catch {
      return false;
    }
  };
}

/** The check for one alg, or undefined when the key's type, size or curve does not fit it (alg confusion). */
function checkFor(key: KeyObject | Uint8Array, alg: SigningAlg): SignatureCheck | undefined {
  const bits = alg.slice(2) as Bits;
  if (key instanceof Uint8Array) {
    const hash = HASH[bits];
    // RFC 7518 §3.2: an HMAC key is at least the hash size; the config refuses shorter secrets for the alg too.
    if (!alg.startsWith('HS') || !hash || key.byteLength < Number(bits) / 8) return undefined;
    const secret = createSecretKey(key);
    const size = Number(bits) / 8;
    // The MAC length is public (fixed by the alg): only the comparison of its bytes must take constant time.
    return (input, signature) =>
      signature.byteLength === size &&
      timingSafeEqual(createHmac(hash, secret).update(input).digest(), signature);
  }
  if (key.type !== 'public') return undefined;
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (alg.startsWith('RS') || alg.startsWith('PS')) {
    const modulus = details.modulusLength ?? 0;
    const hash = HASH[bits];
    if (type !== 'rsa' || modulus < MIN_RSA_BITS || !hash) return undefined;
    const size = Math.ceil(modulus / 8);
    // RFC 7518 §3.5: PSS with MGF1 over the same hash and a salt as long as the hash (node's default would accept any).
    // PKCS#1 v1.5 is node's default padding for an RSA KeyObject: passed bare, verify skips parsing an options object.
    const input: VerifyKeyObjectInput | KeyObject = alg.startsWith('PS')
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(bits) / 8 }
      : key;
    return safely((data, signature) => signature.byteLength === size && verify(hash, data, input, signature));
  }
  const ec = EC_CURVES[alg];
  if (ec) {
    const hash = HASH[bits];
    if (type !== 'ec' || details.namedCurve !== ec.curve || !hash) return undefined;
    // JWS ECDSA signatures are IEEE P1363 (r‖s); a DER-encoded one has another length and is refused unread.
    const input: VerifyKeyObjectInput = { key, dsaEncoding: 'ieee-p1363' };
    return safely(
      (data, signature) => signature.byteLength === 2 * ec.size && verify(hash, data, input, signature),
    );
  }
  if (alg === 'EdDSA' || alg === 'Ed25519') {
    if (type !== 'ed25519') return undefined;
    return safely((data, signature) => signature.byteLength === 64 && verify(null, data, key, signature));
  }
  return undefined;
}

/**
 * Compile the checks for each of `algs` that the key's type allows: RS* and PS* for an RSA public key of at least 2048
 * bits, the one ES* of an EC key's curve, EdDSA/Ed25519 for an Ed25519 key, HS* for a secret at least as long as the
 * hash. An alg outside the returned map is never verified with this key.
 */
export function compileSignatureChecks(
  key: KeyObject | Uint8Array,
  algs: Iterable<SigningAlg>,
): ReadonlyMap<SigningAlg, SignatureCheck> {
  const checks = new Map<SigningAlg, SignatureCheck>();
  for (const alg of algs) {
    const check = checkFor(key, alg);
    if (check) checks.set(alg, check);
  }
  return checks;
}
