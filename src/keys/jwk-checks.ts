// Checks on a JWK's members before import (RFC 7517 §4, RFC 7518 §6): public, signing-only, known type and curve.
import { SIGNING_ALGS, type SigningAlg } from '../lib/jws-algs.js';
import type { SkipReason } from './key-algs.js';

/** Private (or symmetric) members: a JWK carrying any of them is refused, never reduced to its public half. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'] as const;
const CURVES: Readonly<Record<string, readonly string[]>> = {
  EC: ['P-256', 'P-384', 'P-521'],
  OKP: ['Ed25519'],
};

/** The JWK reduced to its public key members (x5c/x5u/x5t are dropped: never fetched, never key material). */
export interface CheckedJwk {
  readonly publicJwk: Record<string, string>;
  readonly kid: string | undefined;
  /** The JWK's own `alg`, when present. */
  readonly alg: SigningAlg | undefined;
}

/** Check one JWK from a JWKS or config; returns the public members to import, or why the key is skipped. */
export function checkJwk(jwk: Readonly<Record<string, unknown>>): CheckedJwk | { readonly why: SkipReason } {
  const { kty, kid, use, key_ops, alg } = jwk;
  if (kid !== undefined && typeof kid !== 'string') return { why: 'invalid_kid' };
  if (kty === 'oct') return { why: 'symmetric_key' };
  if (PRIVATE_MEMBERS.some((m) => jwk[m] !== undefined)) return { why: 'private_material' };
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return { why: 'unknown_kty' };
  if (use !== undefined && use !== 'sig') return { why: 'use_not_sig' };
  if (key_ops !== undefined && !(Array.isArray(key_ops) && key_ops.includes('verify'))) {
    return { why: 'key_ops_no_verify' };
  }
  if (alg !== undefined && !isSigningAlg(alg)) return { why: 'alg_not_for_kty' };
  const publicJwk = publicMembers(kty, jwk);
  if (!publicJwk) return { why: 'invalid_key' };
  const curves = CURVES[kty];
  if (curves && !curves.includes(publicJwk['crv'] ?? '')) return { why: 'unknown_crv' };
  return { publicJwk, kid, alg };
}

/** RFC 7638 §3.2 required members per kty, all strings; undefined when one is missing. */
function publicMembers(
  kty: 'RSA' | 'EC' | 'OKP',
  jwk: Readonly<Record<string, unknown>>,
): Record<string, string> | undefined {
  const names = kty === 'RSA' ? ['e', 'n'] : kty === 'EC' ? ['crv', 'x', 'y'] : ['crv', 'x'];
  const out: Record<string, string> = { kty };
  for (const name of names) {
    const value = jwk[name];
    if (typeof value !== 'string' || value === '') return undefined;
    out[name] = value;
  }
  return out;
}

function isSigningAlg(alg: unknown): alg is SigningAlg {
  return typeof alg === 'string' && (SIGNING_ALGS as readonly string[]).includes(alg);
}
