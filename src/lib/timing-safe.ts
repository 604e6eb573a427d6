// Constant-time comparison for admin secrets.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Compare two secrets without leaking their length or the position of the first difference. */
export function timingSafeEqualText(a: string, b: string): boolean {
  // Hash first so inputs of different lengths still take the same path (timingSafeEqual needs equal lengths).
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
