// Config-time checks of an issuer's static keys and HS secrets: the import the key store does, run once at start,
// so a key keyway would skip (weak, ROCA, unusable with the issuer's algs) fails the config instead of vanishing.
import type { HsSecret, SigningAlg, StaticKeyConfig } from '../config/types.js';
import type { ConfigProblem } from '../errors.js';
import { importHsSecret, importVerificationKey, isKeyRejection, type SkipReason } from './key-import.js';

/** What to tell the operator per skip reason: what is wrong and what to do. */
const FIX: Readonly<Record<SkipReason, string>> = {
  symmetric_key: 'a symmetric (oct) key; put HMAC secrets under hs_secrets',
  private_material: 'private key material; configure the public key only',
  use_not_sig: 'its "use" is not "sig"; configure a signing key',
  key_ops_no_verify: 'its "key_ops" lack "verify"; configure a signing key',
  unknown_kty: 'a key type keyway does not verify (RSA, EC and OKP only)',
  unknown_crv: 'a curve keyway does not verify (P-256, P-384, P-521 and Ed25519 only)',
  rsa_too_small: 'an RSA modulus under 2048 bits (RFC 7518 §3.3); use a key of 2048 bits or more',
  rsa_weak_exponent:
    'an RSA public exponent that is even or outside 2^16 < e < 2^256 (FIPS 186-5); regenerate it with e = 65537',
  rsa_roca:
    'an RSA modulus with the ROCA fingerprint (CVE-2017-15361, Infineon RSALib), which can be factored; replace the key with one generated elsewhere',
  alg_not_for_kty: 'its "alg" or "algorithms" do not suit its key type',
  no_allowed_alg: "none of the algorithms it can verify is in the issuer's algorithms",
  invalid_key: 'not a valid public key (PEM SPKI/PKCS#1 or a public JWK)',
  invalid_kid: 'its "kid" is not a string',
};

/**
 * Problems of the static key at `at` (`issuers[0].keys[1]`), as config messages naming the key and the fix; empty
 * when the key store would load it.
 */
export function staticKeyProblems(
  key: StaticKeyConfig,
  issuerAlgorithms: readonly SigningAlg[],
  at: string,
): ConfigProblem[] {
  const input = {
    jwk: key.jwk,
    pem: key.pem,
    kid: key.kid,
    issuerAlgorithms,
    keyAlgorithms: key.algorithms,
  };
  const result = importVerificationKey(input, 'static');
  return isKeyRejection(result)
    ? [{ path: at, code: 'refused_key', message: `key refused (${result.why}): ${FIX[result.why]}` }]
    : [];
}

/** Problems of the HS secret at `at`: one none of whose algorithms the issuer allows would never verify a token. */
export function hsSecretProblems(
  secret: HsSecret,
  index: number,
  issuerAlgorithms: readonly SigningAlg[],
  at: string,
): ConfigProblem[] {
  const result = importHsSecret(secret, index, issuerAlgorithms);
  return isKeyRejection(result)
    ? [{ path: at, code: 'refused_key', message: `secret refused (${result.why}): ${FIX[result.why]}` }]
    : [];
}
