// createRequestIds: request ids for calls that bring none — UUID-shaped, unique, without a random draw per request.
import { randomBytes } from 'node:crypto';

/**
 * A generator of ids shaped like a UUID (8-4-4-4-12 lower-case hex): the first 80 bits are drawn at random once per
 * generator (per process), the last 48 count up. Ids of one process never repeat (2^48 of them), and two processes
 * share a prefix with probability ~2^-80: unique across every instance, as a correlation id needs. They are not
 * secrets and not unpredictable — nothing may rely on guessing one being hard (nothing in keyway does).
 */
export function createRequestIds(): () => string {
  const hex = randomBytes(10).toString('hex');
  const prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-`;
  let next = 0;
  return () => {
    const n = next++;
    return prefix + n.toString(16).padStart(12, '0');
  };
}
