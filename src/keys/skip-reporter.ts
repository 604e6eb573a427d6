// Report skipped keys once per (origin, kid, why): one warn line and one keyway_keys_skipped_total increment each.
import type { Deps } from '../deps.js';
import type { KeyRejection } from './key-import.js';

/** Reports rejections, remembering which were already reported so a refresh every minute does not spam. */
export type SkipReporter = (origin: 'jwks' | 'static' | 'hs', rejections: readonly KeyRejection[]) => void;

const MAX_REMEMBERED = 1024;

/** Create the reporter for one issuer. */
export function createSkipReporter(issuer: string, deps: Pick<Deps, 'log' | 'metrics'>): SkipReporter {
  const seen = new Set<string>();
  return function reportSkipped(origin, rejections) {
    for (const { why, kid } of rejections) {
      const key = `${origin}\u0000${kid ?? ''}\u0000${why}`;
      if (seen.has(key)) continue;
      // A hostile JWKS could vary kids forever; forget everything rather than grow without bound.
      if (seen.size >= MAX_REMEMBERED) seen.clear();
      seen.add(key);
      deps.metrics.keysSkipped.inc({ issuer, why });
      deps.log.warn({ issuer, origin, kid: kid?.slice(0, 128), why }, 'key skipped');
    }
  };
}
