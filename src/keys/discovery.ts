// OIDC Discovery 1.0 §4: find an issuer's jwks_uri from {issuer}/.well-known/openid-configuration.

import type { ConfigProblem } from '../errors.js';
import { checkFetchUrl } from '../lib/fetch-url.js';

/** The discovery document URL for an issuer (§4.1: the well-known suffix is appended to the issuer's path). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * Read `jwks_uri` from a discovery document; undefined when the document is not an object, its `issuer` differs
 * from the configured one (§4.3), or the jwks_uri breaks the https-or-loopback rule applied to configured URLs
 * (for an https issuer: https only).
 */
export function parseDiscovery(
  body: unknown,
  issuer: string,
  allowInsecureHttp: boolean,
): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const doc = body as Record<string, unknown>;
  if (doc['issuer'] !== issuer) return undefined;
  const jwksUri = doc['jwks_uri'];
  if (typeof jwksUri !== 'string') return undefined;
  const problems: ConfigProblem[] = [];
  checkFetchUrl(jwksUri, allowInsecureHttp, 'jwks_uri', problems);
  // An https issuer's document may not send keyway to plain http (not even on loopback: a local service to probe).
  if (!allowInsecureHttp && issuer.startsWith('https:') && !jwksUri.startsWith('https:')) return undefined;
  return problems.length === 0 ? jwksUri : undefined;
}
