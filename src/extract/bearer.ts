// The Authorization bearer grammar (RFC 6750 §2.1): `Bearer <token68>`, scheme case-insensitive (RFC 9110 §11.1).
import { KeywayError } from '../errors.js';

/** token68 characters (RFC 9110 §11.2): A–Z a–z 0–9 - . _ ~ + / (then `=` padding only). */
const TOKEN68 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/')
  TOKEN68[c.charCodeAt(0)] = 1;

/**
 * The token of `Bearer <token68>` (`^bearer +([A-Za-z0-9\-._~+/]+=*) *$`, scheme in any case), or undefined when the
 * value is not exactly that. One pass over the characters: this runs on every request.
 */
export function matchBearer(value: string): string | undefined {
  if (value.length < 8 || value.slice(0, 6).toLowerCase() !== 'bearer' || value.charCodeAt(6) !== 32)
    return undefined;
  let start = 7;
  while (value.charCodeAt(start) === 32) start++;
  let end = start;
  while (end < value.length && TOKEN68[value.charCodeAt(end)] === 1) end++;
  if (end === start) return undefined;
  let stop = end;
  while (stop < value.length && value.charCodeAt(stop) === 61 /* = */) stop++;
  let tail = stop;
  while (tail < value.length && value.charCodeAt(tail) === 32) tail++;
  return tail === value.length ? value.slice(start, stop) : undefined;
}
// Any whitespace after the scheme name counts here, so `Bearer<TAB>token` is a malformed Bearer, not another scheme.
const SCHEME = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s|$)/;

/**
 * Parse an Authorization header value. Returns the token, or undefined when another scheme (e.g. Basic) is used.
 * Throws KeywayError('malformed_token') for a Bearer credential that breaks the grammar, including several
 * Authorization headers (they arrive joined with ", ").
 */
export function parseBearer(value: string): string | undefined {
  const token = matchBearer(value);
  if (token !== undefined) return token;
  // Another scheme (Basic, …) is not our token; any Bearer part that failed the grammar above is malformed.
  for (const part of value.split(',')) {
    const scheme = SCHEME.exec(part.trim())?.[1];
    if (scheme?.toLowerCase() === 'bearer') {
      throw new KeywayError('malformed_token', 'Authorization header is not a single "Bearer <token>"');
    }
  }
  return undefined;
}
