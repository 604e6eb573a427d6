// checkClaims: registered-claim checks (RFC 7519 §4.1) with leeway, on a signature-verified payload.
import type { Issuer } from '../config/types.js';
import { KeywayError } from '../errors.js';
import { readClaim } from '../lib/claim-path.js';

type Claims = Readonly<Record<string, unknown>>;

function numericDate(claims: Claims, name: string): number | undefined {
  const v = claims[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new KeywayError('malformed_token', `${name} is not a NumericDate`);
  return v;
}

function optionalString(claims: Claims, name: string): void {
  const v = claims[name];
  if (v !== undefined && typeof v !== 'string')
    throw new KeywayError('malformed_token', `${name} is not a string`);
}

function audienceOf(claims: Claims): readonly string[] | undefined {
  const aud = claims['aud'];
  if (aud === undefined) return undefined;
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud as string[];
  throw new KeywayError('malformed_token', 'aud is neither a string nor an array of strings');
}

/**
 * Check exp, nbf, iat, max_token_age, the lifetime cap, aud, claim types and the issuer's required claims at `nowMs`.
 * Throws KeywayError: expired, lifetime_too_long, not_yet_valid, issued_in_future, token_too_old, bad_audience, missing_claim,
 * malformed_token (a registered claim of the wrong type).
 */
export function checkClaims(claims: Claims, issuer: Issuer, nowMs: number, maxLifetimeMs: number): void {
  const now = Math.floor(nowMs / 1000);
  const leeway = Math.floor(issuer.leeway / 1000);
  const exp = numericDate(claims, 'exp');
  const nbf = numericDate(claims, 'nbf');
  const iat = numericDate(claims, 'iat');
  optionalString(claims, 'sub');
  optionalString(claims, 'jti');
  optionalString(claims, 'iss');
  const aud = audienceOf(claims);

  if (exp === undefined && issuer.require_exp) throw new KeywayError('missing_claim', 'exp is required');
  if (exp !== undefined && exp <= now - leeway) throw new KeywayError('expired');
  if (nbf !== undefined && nbf > now + leeway) throw new KeywayError('not_yet_valid');
  if (iat !== undefined && iat > now + leeway) throw new KeywayError('issued_in_future');
  if (issuer.max_token_age !== undefined) {
    if (iat === undefined) throw new KeywayError('missing_claim', 'iat is required by max_token_age');
    if (now - iat - leeway > Math.floor(issuer.max_token_age / 1000)) throw new KeywayError('token_too_old');
  }
  // A subject revocation is kept for max_token_lifetime (+ leeway) past its `before`: a token living longer could
  // outlast it and come back. exp − iat are both the issuer's clock (no skew to allow for); the leeway is already
  // spent once on exp itself, so counting it here too let a revoked token back for one leeway after its entry went.
  const lifetimeLimit = Math.floor(maxLifetimeMs / 1000) + (iat === undefined ? leeway : 0);
  if (exp !== undefined && exp - (iat ?? now) > lifetimeLimit) {
    throw new KeywayError('lifetime_too_long');
  }
  if (issuer.audiences.length > 0) {
    if (!aud?.some((a) => issuer.audiences.includes(a))) throw new KeywayError('bad_audience');
  }
  for (const name of issuer.required_claims) {
    if (readClaim(claims, name) === undefined)
      throw new KeywayError('missing_claim', `claim ${name} is required`);
  }
}
