// Keys of per-subject state (rate-limit buckets, sticky routing): a subject is its issuer's, never a bare `sub`.
import type { VerifiedToken } from '../verify/verify-token.js';

/**
 * The key of the subject a verified token names — the issuer that verified it (config name and the token's `iss`)
 * and `sub` — or of the client IP when there is no token or no string `sub`. JSON of a tagged array: injective for any
 * characters in names, `iss` or `sub`, so two issuers' equal `sub`s (or a `sub` spelled like an IP) never share a key.
 */
export function subjectKey(token: VerifiedToken | undefined, clientIp: string | undefined): string {
  const sub = token?.claims['sub'];
  if (token && typeof sub === 'string') {
    const iss = token.claims['iss'];
    return JSON.stringify(['sub', token.issuer.name, typeof iss === 'string' ? iss : null, sub]);
  }
  return clientIpKey(clientIp);
}

/** The key of a client IP (`unknown` when the proxy sent none): tagged so no subject key can equal it. */
export function clientIpKey(clientIp: string | undefined): string {
  return JSON.stringify(['ip', clientIp ?? 'unknown']);
}
