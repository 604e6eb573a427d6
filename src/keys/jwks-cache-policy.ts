// How long a fetched JWKS stays fresh: Cache-Control max-age within [min_ttl, max_ttl], else the configured ttl.

/** The TTL bounds of one issuer (issuer.jwks, milliseconds). */
export interface TtlOptions {
  readonly ttl: number;
  readonly min_ttl: number;
  readonly max_ttl: number;
}

/** TTL in ms: `no-store`/`no-cache` → min_ttl; `max-age=N` → N s clamped to [min_ttl, max_ttl]; otherwise ttl. */
export function ttlFromCacheControl(header: string | null, options: TtlOptions): number {
  if (!header) return options.ttl;
  let maxAge: number | undefined;
  for (const directive of header.split(',')) {
    const [rawName, rawValue] = directive.split('=', 2);
    const name = rawName?.trim().toLowerCase();
    if (name === 'no-store' || name === 'no-cache') return options.min_ttl;
    if (name === 'max-age' && rawValue !== undefined) {
      // RFC 9111 §1.2.2: delta-seconds, possibly quoted by lenient servers.
      const value = rawValue.trim().replace(/^"(.*)"$/, '$1');
      if (/^\d+$/.test(value)) maxAge = Number(value) * 1000;
    }
  }
  if (maxAge === undefined) return options.ttl;
  return Math.min(options.max_ttl, Math.max(options.min_ttl, maxAge));
}
