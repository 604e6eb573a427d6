// suggestKey: the nearest valid key for an unknown one, from the schema's keys at that level (edit distance) and the
// spellings other gateways use for the same setting.

/**
 * Names other products (Traefik, Caddy, Kong, oauth2-proxy, Envoy) or a singular/plural slip give a keyway key, by
 * the keyway key they mean; a rename only applies when its target is valid at the level of the unknown key.
 */
const RENAMES: Readonly<Record<string, readonly string[]>> = {
  jwks_uri: [
    'jwks_url',
    'jwks_endpoint',
    'jwks',
    'jwk_set_uri',
    'jwks_uri',
    'remote_jwks',
    'jwksuri',
    'jwksurl',
  ],
  issuer: ['iss', 'issuer_url', 'issuer_uri', 'oidc_issuer_url', 'authority'],
  audiences: ['aud', 'audience', 'client_id', 'allowed_audiences'],
  algorithms: ['alg', 'algs', 'algorithm', 'signing_algs', 'allowed_algorithms'],
  hs_secrets: ['secret', 'secrets', 'hs_secret', 'hmac_secret', 'shared_secret', 'signing_key'],
  keys: ['public_key', 'public_keys', 'key'],
  paths: ['path', 'prefix', 'path_prefix', 'pathprefix', 'uri'],
  hosts: ['host', 'domain', 'domains', 'hostname', 'hostnames'],
  methods: ['method', 'verbs'],
  scopes: ['scope', 'required_scopes'],
  token_sources: ['token_source', 'token_lookup', 'from', 'lookup'],
  redis_url: ['url', 'redis', 'redis_uri', 'uri'],
  table_file: ['routes_file', 'route_file', 'file', 'table'],
  default_upstreams: ['default_upstream', 'upstream', 'upstreams'],
  leeway: ['clock_skew', 'skew', 'clock_tolerance'],
};

/** Levenshtein distance (insert, delete, substitute), with an adjacent swap counted as one. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/** Lower case with "-", " " and camelCase humps as "_": `jwksUrl`, `jwks-url` and `JWKS_URL` all read `jwks_url`. */
function normalise(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s]+/g, '_')
    .toLowerCase();
}

/**
 * The valid key an unknown `key` most likely means, or undefined when none is close: a known rename whose target is
 * valid here, else the valid key at the smallest edit distance (at most a third of the key's length, at least 1).
 */
export function suggestKey(key: string, valid: readonly string[]): string | undefined {
  const k = normalise(key);
  if (valid.includes(k)) return k;
  for (const [target, aliases] of Object.entries(RENAMES))
    if (aliases.includes(k) && valid.includes(target)) return target;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(k.length / 3));
  for (const candidate of valid) {
    const d = editDistance(k, candidate);
    if (d < bestDistance || (d === bestDistance && best === undefined)) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined) return best;
  // A prefix either way (`max_token` → `max_token_bytes`, `warning` → `warn`): exactly one valid key.
  const starts = valid.filter(
    (v) => Math.min(k.length, v.length) >= 3 && (v.startsWith(k) || k.startsWith(v)),
  );
  return starts.length === 1 ? starts[0] : undefined;
}
