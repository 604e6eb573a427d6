// The zod type for durations in config: seconds as a number, or "500ms" / "30s" / "5m" / "12h" / "7d" → milliseconds.
import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';

/** A duration, parsed to milliseconds; anything else is a config error naming the value. */
export const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like "30s" or a number of seconds, got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return ms;
});
