// The Authorization bearer grammar (RFC 6750 §2.1): `Bearer <token68>`, scheme case-insensitive (RFC 9110 §11.1).
import { KeywayError } from '../errors.js';

const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
// Any whitespace after the scheme name counts here, so `Bearer<TAB>token` is a malformed Bearer, not another scheme.
const SCHEME = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s|$)/;

/**
 * Parse an Authorization header value. Returns the token, or undefined when another scheme (e.g. Basic) is used.
 * Throws KeywayError('malformed_token') for a Bearer credential that breaks the grammar, including several
 * Authorization headers (they arrive joined with ", ").
 */
export function parseBearer(value: string): string | undefined {
  const match = BEARER.exec(value);
  if (match) return match[1];
  // Another scheme (Basic, …) is not our token; any Bearer part that failed the grammar above is malformed.
  for (const part of value.split(',')) {
    const scheme = SCHEME.exec(part.trim())?.[1];
    if (scheme?.toLowerCase() === 'bearer') {
      throw new KeywayError('malformed_token', 'Authorization header is not a single "Bearer <token>"');
    }
  }
  return undefined;
}
