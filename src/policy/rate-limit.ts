// createRateLimiter: a per-instance token bucket per key (issuer + subject, or client IP), bounded in memory.
import { KeywayError } from '../errors.js';
import type { Clock } from '../lib/clock.js';

export type RateLimiter = (key: string) => void;

const MAX_BUCKETS = 100_000;

/**
 * `requests` per `perMs` with bursts up to `requests`; the limiter throws KeywayError('rate_limited') with
 * retryAfter seconds when a key's bucket is empty. The least recently refilled buckets are evicted past 100k keys.
 */
export function createRateLimiter(requests: number, perMs: number, clock: Clock): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = requests / perMs;
  return function takeToken(key) {
    const now = clock();
    const bucket = buckets.get(key) ?? { tokens: requests, at: now };
    bucket.tokens = Math.min(requests, bucket.tokens + (now - bucket.at) * ratePerMs);
    bucket.at = now;
    buckets.delete(key);
    buckets.set(key, bucket);
    if (buckets.size > MAX_BUCKETS) buckets.delete(buckets.keys().next().value as string);
    if (bucket.tokens < 1) {
      throw new KeywayError('rate_limited', undefined, {
        retryAfter: Math.ceil((1 - bucket.tokens) / ratePerMs / 1000),
      });
    }
    bucket.tokens -= 1;
  };
}
