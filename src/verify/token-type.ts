// The JWS `typ` an issuer requires (RFC 8725 §3.11): explicit typing keeps one kind of JWT from passing for another.
import type { Issuer } from '../config/types.js';
import { KeywayError } from '../errors.js';

/** A check of a JWS header's `typ`; throws KeywayError('bad_type'). */
export type TypeCheck = (header: Readonly<Record<string, unknown>>) => void;

/**
 * A media type as RFC 7515 §4.1.9 compares it: "application/" is implied when the value holds no "/", and media
 * types are case-insensitive (RFC 2045 §5.1), so `at+jwt`, `AT+JWT` and `application/at+jwt` are one type.
 */
export function normaliseType(value: string): string {
  const lower = value.trim().toLowerCase();
  return lower.includes('/') ? lower : `application/${lower}`;
}

/** Compile the issuer's `typ` list once; without one, every header passes (typ absent or any value). */
export function compileTypeCheck(issuer: Pick<Issuer, 'typ'>): TypeCheck {
  if (issuer.typ === undefined) return function anyType() {};
  const accepted = new Set(issuer.typ.map(normaliseType));
  const expected = issuer.typ.join(', ');
  return function checkType(header) {
    const typ = header['typ'];
    if (typ === undefined) throw new KeywayError('bad_type', `typ is missing; expected ${expected}`);
    if (typeof typ !== 'string' || !accepted.has(normaliseType(typ)))
      throw new KeywayError('bad_type', `typ is not one of ${expected}`);
  };
}
