// parseJws: strict compact JWS parsing before any key is touched (RFC 7515 §7.1, RFC 8725 §3.1/§3.11).

import { isUtf8 } from 'node:buffer';
import { KeywayError } from '../errors.js';
import { SIGNING_ALGS } from '../lib/jws-algs.js';
import { parseStrictJsonObject } from '../lib/strict-json.js';

/** A syntactically valid, not yet verified JWS JWT. */
export interface ParsedJws {
  readonly alg: string;
  readonly kid: string | undefined;
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  /** The bytes the signature covers: the ASCII of `header.payload` (RFC 7515 §5.2 step 8). */
  readonly signingInput: Uint8Array;
  /** The decoded signature (canonical base64url, non-empty). */
  readonly signature: Uint8Array;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const MAX_KID = 256;

/**
 * The bytes of an unpadded, canonical base64url segment (RFC 4648 §3.5: unused trailing bits are zero), else
 * undefined. Decoders ignore those bits, so without this check one signature has several spellings (malleable).
 */
function decodeBase64url(segment: string): Buffer | undefined {
  // A length of 4n+1 can't be produced by any byte string.
  const rest = segment.length % 4;
  if (rest === 1 || !SEGMENT.test(segment)) return undefined;
  // The last character of a 4n+2 (4n+3) segment carries 4 (2) unused low bits: they must be zero.
  if (rest !== 0 && (B64URL.indexOf(segment[segment.length - 1]!) & (rest === 2 ? 0xf : 0x3)) !== 0)
    return undefined;
  return Buffer.from(segment, 'base64url');
}

function decodeSegment(segment: string, what: string): Record<string, unknown> {
  const bytes = decodeBase64url(segment);
  if (!bytes) throw new KeywayError('malformed_token', `${what} is not canonical unpadded base64url`);
  // RFC 7515 §5.2 steps 3 and 8: the header and payload are UTF-8; invalid bytes are refused, never replaced (checked
  // first, so toString cannot substitute U+FFFD; a leading BOM is kept, as the fatal TextDecoder kept it).
  if (!isUtf8(bytes)) throw new KeywayError('malformed_token', `${what} is not valid UTF-8`);
  const text = bytes.toString('utf8');
  const json = parseStrictJsonObject(text);
  if (!json)
    throw new KeywayError('malformed_token', `${what} is not a JSON object (or has duplicate names)`);
  return json;
}

/**
 * Decoded protected headers by segment: every token of one key carries the same header segment, so it is decoded and
 * parsed once. Only headers that parsed are kept (a frozen object, read-only for everyone), at most
 * MAX_HEADERS: past that the map starts over, so a flood of distinct headers costs the parse it would have anyway.
 */
const headers = new Map<string, Readonly<Record<string, unknown>>>();
const MAX_HEADERS = 256;

function decodeHeader(segment: string): Readonly<Record<string, unknown>> {
  const known = headers.get(segment);
  if (known !== undefined) return known;
  const header = Object.freeze(decodeSegment(segment, 'header'));
  if (headers.size >= MAX_HEADERS) headers.clear();
  headers.set(segment, header);
  return header;
}

/**
 * Parse a compact JWS JWT. Throws KeywayError: `token_too_large` past maxBytes; `malformed_token` for anything but
 * three non-empty base64url segments with JSON object header and payload, a `crit` or `b64` header, a non-string
 * kid; `alg_not_allowed` for a missing alg, `none` in any spelling or any alg keyway does not implement.
 */
export function parseJws(token: string, maxBytes: number): ParsedJws {
  if (token.length > maxBytes) throw new KeywayError('token_too_large');
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new KeywayError(
      'malformed_token',
      parts.length === 5 ? 'JWE tokens are not accepted' : 'expected 3 segments',
    );
  }
  const [h, p, s] = parts as [string, string, string];
  const header = decodeHeader(h);
  // Before the empty-signature check, so an unsecured JWS (`alg: none` in any spelling, " none", "NONE\u0000", …)
  // is named for what it is: any alg outside the signing algs keyway implements is refused here, by exact match.
  const alg = header['alg'];
  if (typeof alg !== 'string' || !(SIGNING_ALGS as readonly string[]).includes(alg)) {
    throw new KeywayError('alg_not_allowed', 'alg is missing, "none" or not a supported JWS signing alg');
  }
  if (s === '') throw new KeywayError('malformed_token', 'empty signature');
  if ('crit' in header || 'b64' in header) {
    throw new KeywayError('malformed_token', 'crit/b64 header extensions are not supported');
  }
  const kid = header['kid'];
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID)) {
    throw new KeywayError('malformed_token', 'kid must be a non-empty string of at most 256 characters');
  }
  const signature = decodeBase64url(s);
  if (!signature) throw new KeywayError('malformed_token', 'signature is not canonical base64url');
  const claims = decodeSegment(p, 'payload');
  // Every character is base64url or the dot (checked above): latin1 is its ASCII.
  const signingInput = Buffer.from(token.slice(0, h.length + 1 + p.length), 'latin1');
  return { alg, kid, header, claims, signingInput, signature };
}
