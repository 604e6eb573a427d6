// The headers keyway can emit on a 2xx: the proxies copy exactly these and strip client-sent copies of them.
import type { Config } from '../config/types.js';
import { FIXED_HEADERS } from '../lib/fixed-headers.js';

/** Every header any policy can emit: the fixed ones, then each policy's `headers` names (deduplicated case-insensitively). */
export function emittedHeaders(config: Pick<Config, 'policies'>): readonly string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of [...FIXED_HEADERS, ...config.policies.flatMap((p) => Object.keys(p.headers))]) {
    if (seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    out.push(name);
  }
  return out;
}
