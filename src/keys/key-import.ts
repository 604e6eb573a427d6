// Import one configured or fetched key (JWK, PEM, HS secret) as a VerificationKey bound to the algs it may verify.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { HsSecret, SigningAlg } from '../config/types.js';
import { checkJwk } from './jwk-checks.js';
import { algsForKeyObject, type SkipReason } from './key-algs.js';
import type { VerificationKey } from './keys.js';
import { compileSignatureChecks } from './signature-checks.js';

export type { SkipReason };

/** Why a key was refused; `kid` (when known) is safe to log, nothing else about the key is kept. */
export interface KeyRejection {
  readonly why: SkipReason;
  readonly kid: string | undefined;
}

/** One asymmetric key to import: exactly one of `jwk` or `pem`, plus the algs config allows for it. */
export interface KeyImportInput {
  readonly jwk?: Readonly<Record<string, unknown>> | undefined;
  readonly pem?: string | undefined;
  /** A configured kid; wins over the JWK's own `kid`. */
  readonly kid?: string | undefined;
  /** The issuer's `algorithms`. */
  readonly issuerAlgorithms: readonly SigningAlg[];
  /** The key's own `algorithms` (static keys); every one must suit the key type. */
  readonly keyAlgorithms?: readonly SigningAlg[] | undefined;
}

const PRIVATE_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** True when an import result is a rejection rather than a key. */
export function isKeyRejection(result: VerificationKey | KeyRejection): result is KeyRejection {
  return 'why' in result;
}

/** Import a public JWK or PEM as a VerificationKey bound to the algs its type allows; never throws. */
export function importVerificationKey(
  input: KeyImportInput,
  origin: 'jwks' | 'static',
): VerificationKey | KeyRejection {
  let kid = input.kid;
  let jwkAlg: SigningAlg | undefined;
  let key: KeyObject;
  try {
    if (input.jwk) {
      const checked = checkJwk(input.jwk);
      if ('why' in checked) return { why: checked.why, kid: kid ?? stringKid(input.jwk['kid']) };
      kid ??= checked.kid;
      jwkAlg = checked.alg;
      key = createPublicKey({ key: checked.publicJwk, format: 'jwk' });
    } else if (input.pem) {
      if (PRIVATE_PEM.test(input.pem)) return { why: 'private_material', kid };
      key = createPublicKey(input.pem);
    } else {
      return { why: 'invalid_key', kid };
    }
  } catch {
    return { why: 'invalid_key', kid };
  }
  if (key.type !== 'public') return { why: 'private_material', kid };
  const bound = algsForKeyObject(key);
  if ('why' in bound) return { why: bound.why, kid };
  const wanted = [...(jwkAlg ? [jwkAlg] : []), ...(input.keyAlgorithms ?? [])];
  if (wanted.some((alg) => !bound.algs.includes(alg))) return { why: 'alg_not_for_kty', kid };
  const algorithms = bound.algs.filter(
    (alg) =>
      input.issuerAlgorithms.includes(alg) &&
      (jwkAlg === undefined || alg === jwkAlg) &&
      (input.keyAlgorithms === undefined || input.keyAlgorithms.includes(alg)),
  );
  if (algorithms.length === 0) return { why: 'no_allowed_alg', kid };
  const checks = compileSignatureChecks(bound.key, algorithms);
  // algsForKeyObject and the checks agree on what a key type allows; a disagreement refuses the key, never widens it.
  if (checks.size !== algorithms.length) return { why: 'alg_not_for_kty', kid };
  let id: string;
  try {
    id = thumbprint(bound.key);
  } catch {
    return { why: 'invalid_key', kid };
  }
  return Object.freeze({ kid, algorithms: new Set(algorithms), key: bound.key, checks, origin, id });
}

/** Import an HS secret as a VerificationKey (origin 'hs') for its algs that the issuer allows; never throws. */
export function importHsSecret(
  secret: HsSecret,
  index: number,
  issuerAlgorithms: readonly SigningAlg[],
): VerificationKey | KeyRejection {
  const algorithms = secret.algorithms.filter((alg) => issuerAlgorithms.includes(alg));
  if (algorithms.length === 0) return { why: 'no_allowed_alg', kid: secret.kid };
  const checks = compileSignatureChecks(secret.key, algorithms);
  if (checks.size !== algorithms.length) return { why: 'alg_not_for_kty', kid: secret.kid };
  // The id names the config slot, never anything derived from the secret bytes.
  const id = secret.kid === undefined ? `hs#${index}` : `hs:${secret.kid}`;
  return Object.freeze({
    kid: secret.kid,
    algorithms: new Set(algorithms),
    key: secret.key,
    checks,
    origin: 'hs',
    id,
  });
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key. */
export function thumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const members = Object.keys(jwk)
    .filter((name) => ['crv', 'e', 'kty', 'n', 'x', 'y'].includes(name))
    .sort()
    .map((name) => `${JSON.stringify(name)}:${JSON.stringify(jwk[name as keyof typeof jwk])}`);
  return createHash('sha256')
    .update(`{${members.join(',')}}`)
    .digest('base64url');
}

function stringKid(kid: unknown): string | undefined {
  return typeof kid === 'string' ? kid : undefined;
}
