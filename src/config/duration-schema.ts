// The zod type for durations in config: seconds as a number, or "500ms" / "30s" / "5m" / "12h" / "7d" → milliseconds.
import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';

/** A duration, parsed to milliseconds; anything else is a config error (without the value: it may be a secret
 * put in the wrong place through ${VAR}). */
export const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like "30s", "500ms", "5m", "12h", "7d" or a number of seconds (got a ${typeof value})`,
    });
    return z.NEVER;
  }
  return ms;
});
