// The config file schema (zod): every key, its type and its default. Parsed once by parse.ts.
import { z } from 'zod';
import { SIGNING_ALGS } from '../lib/jws-algs.js';
import { duration } from './duration-schema.js';
import { revocationSchema } from './schema-revocation.js';
import { keyTemplate, routingSchema } from './schema-routing.js';

const stringList = z
  .union([z.string().min(1), z.array(z.string().min(1))])
  .transform((v) => (Array.isArray(v) ? v : [v]));

const alg = z.enum(SIGNING_ALGS, {
  message: `expected one of ${SIGNING_ALGS.join(', ')} ("none" is never allowed)`,
});

const hsSecret = z.union([
  z.string(),
  z.strictObject({
    secret: z.string().optional().describe('The secret itself (usually "${VAR}"); or file.'),
    file: z.string().optional().describe('A file holding the secret (one trailing newline is dropped).'),
    encoding: z
      .enum(['utf8', 'base64', 'base64url', 'hex'])
      .default('utf8')
      .describe('How the secret text is decoded to bytes.'),
    kid: z.string().optional().describe('Only tokens whose kid header is this value use this secret.'),
    algorithms: z
      .array(z.enum(['HS256', 'HS384', 'HS512']))
      .optional()
      .describe('HS algorithms this secret may verify (default: what its length allows, RFC 7518 §3.2).'),
  }),
]);

const staticKey = z.strictObject({
  pem: z.string().optional().describe('A PEM public key.'),
  jwk: z.record(z.string(), z.unknown()).optional().describe('A public JWK.'),
  file: z
    .string()
    .optional()
    .describe(
      'A file holding a PEM key, a JWK or a JWKS (every key in it, each bound to its alg; keygen writes one).',
    ),
  kid: z.string().optional().describe('Only tokens whose kid header is this value use this key.'),
  algorithms: z
    .array(alg)
    .optional()
    .describe('Algorithms this key may verify (default: what its type allows).'),
});

const jwksOptions = z
  .strictObject({
    ttl: duration
      .default(300_000)
      .describe('How long a fetched key set is used when the IdP sends no Cache-Control max-age.'),
    min_ttl: duration.default(30_000),
    max_ttl: duration.default(86_400_000),
    refresh_ahead: z.number().min(0.1).max(0.95).default(0.8),
    stale_if_error: duration
      .default(3_600_000)
      .describe('How long the last good key set keeps verifying while the IdP is failing.'),
    timeout: duration.default(3_000).describe('Timeout of one JWKS or discovery fetch.'),
    retries: z.number().int().min(0).max(10).default(2),
    retry_backoff: duration.default(200),
    unknown_kid_cooldown: duration.default(5_000),
    failure_backoff: duration.refine((ms) => ms >= 100, 'expected at least 100ms').default(1_000),
    request_wait: duration.default(500),
    max_bytes: z.number().int().positive().default(1_048_576),
  })
  .prefault({});

export const issuerSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .optional()
    .describe('What policies refer to (default: the issuer value, else "default").'),
  issuer: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The token iss that selects this issuer; omit to accept tokens whose iss no other issuer claims.',
    ),
  jwks_uri: z.url().optional().describe('The IdP JWKS URL (https, or http on loopback); or discovery: true.'),
  discovery: z
    .boolean()
    .default(false)
    .describe('Find jwks_uri by OIDC discovery of issuer (/.well-known/openid-configuration).'),
  hs_secrets: z
    .array(hsSecret)
    .default([])
    .describe(
      'Shared HMAC secrets (HS256/384/512): a string or { secret | file, encoding, kid, algorithms }; list the new one first to rotate.',
    ),
  keys: z.array(staticKey).default([]).describe('Static public keys: { pem }, { jwk } or { file }.'),
  audiences: stringList
    .default([])
    .describe('When set, the token aud must contain one of these (a string or a list).'),
  typ: z
    .union([
      z.string().min(1),
      z.array(z.string().min(1)).min(1, 'expected a media type like "at+jwt", or a non-empty list of them'),
    ])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .optional()
    .describe(
      'Accepted JWS typ headers (RFC 8725 §3.11), e.g. "at+jwt" (RFC 9068); a string or a list. Unset: any or none.',
    ),
  algorithms: z
    .array(alg)
    .min(1)
    .optional()
    .describe(
      'Accepted algorithms (default: every one the key sources can verify); "none" is never allowed.',
    ),
  leeway: duration.default(30_000).describe('Clock skew allowed on exp, nbf and iat.'),
  required: z
    .boolean()
    .default(false)
    .describe('/readyz fails while this issuer has no usable keys (default: only when no issuer has any).'),
  max_token_age: duration.optional().describe('Refuse tokens whose iat is older than this (requires iat).'),
  require_exp: z
    .boolean()
    .default(true)
    .describe('false accepts tokens without exp (they never expire: revoke them by jti).'),
  required_claims: z
    .array(z.string().min(1))
    .default([])
    .describe('Claims every token from this issuer must carry.'),
  allow_insecure_http: z
    .boolean()
    .default(false)
    .describe('Allow plain http JWKS and discovery URLs for non-loopback hosts.'),
  ca_file: z
    .string()
    .optional()
    .describe('A PEM CA bundle for the JWKS and discovery fetches (a private CA).'),
  jwks: jwksOptions.describe('JWKS fetching and caching: TTLs, stale-if-error, timeouts, retries.'),
});

/** An admin bearer token: at least 16 visible ASCII characters (what an Authorization header can carry intact). */
export const adminToken = z
  .string()
  .min(16, 'expected at least 16 characters')
  .regex(
    /^[\x21-\x7e]+$/,
    'expected visible ASCII characters only (no spaces): it is sent as a bearer token',
  );

// A header source is letters, digits and "-" only: nginx drops other names by default and the Caddy config keyway
// prints deletes them before forward_auth (they alias other headers for CGI-style backends), so keyway would never
// see such a token.
const TOKEN_SOURCE = /^(bearer|header:[0-9A-Za-z-]+|cookie:[!#$%&'*+.^_`|~0-9A-Za-z-]+|query:[^&=#\s]+)$/;
const tokenSource = z
  .string()
  .regex(
    TOKEN_SOURCE,
    'expected "bearer", "header:<Name>" (letters, digits and "-"), "cookie:<name>" or "query:<param>"',
  );

// Letters, digits and "-" only: the other token characters ("_", ".", "~", …) make a name that CGI/WSGI/PHP-style
// backends read as the dash form (a client could forge X_User for X-User), and that the proxy configs cannot name.
const HEADER_NAME = /^[0-9A-Za-z-]+$/;

export const policySchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'expected a name of letters, digits, "_", "." or "-"')
    .describe('The policy name: /auth/{name} selects it directly; default_policy refers to it.'),
  match: z
    .strictObject({
      hosts: stringList
        .default([])
        .describe('Forwarded hosts: exact (port optional) or "*.domain" (one label).'),
      paths: stringList
        .default([])
        .describe('Path prefixes at a segment boundary: /api matches /api and /api/x, not /apix.'),
      methods: stringList.default([]).describe('HTTP methods (any when empty).'),
    })
    .prefault({})
    .describe(
      'Which requests this policy covers (all given conditions must hold; empty matches everything). The first matching policy in file order wins.',
    ),
  issuers: z
    .array(z.string().min(1))
    .optional()
    .describe('Names of the issuers whose tokens this policy accepts (default: every issuer).'),
  audiences: stringList
    .optional()
    .describe(
      "Narrows the accepted issuers' audiences for this policy (checked at start: each must be one they accept).",
    ),
  token_sources: z
    .array(tokenSource)
    .min(1)
    .default(['bearer'])
    .describe(
      'Where the token is read: "bearer", "header:<Name>", "cookie:<name>", "query:<param>"; sources that disagree are malformed_token.',
    ),
  anonymous: z
    .boolean()
    .default(false)
    .describe('Allow requests without a token (without identity); a presented token is still verified.'),
  required_claims: z.array(z.string().min(1)).default([]).describe('Claims the token must carry.'),
  claims: z
    .record(z.string().min(1), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1))
    .default({})
    .describe(
      'Claim allowlists: a scalar claim must be in the list, an array claim must share a value with it ("org.roles" paths allowed).',
    ),
  scopes: z
    .array(z.string().min(1))
    .default([])
    .describe('Scopes the token must all hold (from scope, space-separated, or scp).'),
  headers: z
    .record(z.string().regex(HEADER_NAME), z.string().min(1), {
      // zod reports a bad key as "Invalid key in record": say what a key must be.
      error: (issue) =>
        issue.code === 'invalid_key' ? 'expected a header name of letters, digits and "-" only' : undefined,
    })
    .default({})
    .describe('Response header → claim path (dots for nested claims), passed to the backend on allow.'),
  max_header_value_bytes: z
    .number()
    .int()
    .min(16)
    .max(8192)
    .default(1024)
    .describe(
      'Longest value of an identity or claim header, in bytes: a longer value is sent empty, never truncated.',
    ),
  routing: z
    .strictObject({
      instance_key: keyTemplate.optional(),
      version_key: keyTemplate.optional(),
      on_no_upstream: z
        .enum(['deny', 'last_known'])
        .default('deny')
        .describe('With no healthy upstream: deny (503), or use the last one known.'),
    })
    .prefault({})
    .describe('Routing keys and the answer when no upstream is found, for this policy.'),
  revocation_fail: z
    .enum(['closed', 'open'])
    .optional()
    .describe('Overrides revocation.fail for this policy.'),
  rate_limit: z
    .strictObject({
      requests: z.number().int().positive().describe('Requests allowed per period.'),
      per: duration.describe('The period.'),
      by: z
        .enum(['subject', 'client_ip'])
        .default('subject')
        .describe('subject (issuer + sub; the client IP without a token) or client_ip.'),
    })
    .optional()
    .describe('Requests allowed per period, per instance, by subject or client IP (429 beyond).'),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('0.0.0.0').describe('Address the main listener binds.'),
      port: z
        .number()
        .int()
        .min(0)
        .max(65535)
        .default(8081)
        .describe('Port of the main listener (env PORT overrides).'),
      request_timeout: duration
        .default(10_000)
        .describe('Time a client has to send a whole request (headers and body): bounds slow clients.'),
      keep_alive_timeout: duration
        .default(65_000)
        .describe('How long an idle keep-alive connection stays open.'),
      max_header_bytes: z
        .number()
        .int()
        .min(1024)
        .max(1_048_576)
        .default(32_768)
        .describe('Largest request head accepted (larger: 431).'),
      shutdown_timeout: duration
        .default(10_000)
        .describe('On SIGTERM: how long in-flight requests may take before the rest are closed.'),
      metrics_on_admin: z
        .boolean()
        .default(false)
        .describe('Serve /metrics on the admin listener instead of the main one (needs admin.token).'),
      watch_config: z
        .boolean()
        .default(true)
        .describe('Reload when the KEYWAY_CONFIG file changes (SIGHUP reloads too).'),
      allow_published_secrets: z
        .boolean()
        .default(false)
        .describe(
          "A loopback-only demo may use a secret published in keyway's repository (refused otherwise; logged loudly).",
        ),
      allowed_hosts: z
        .array(
          z
            .string()
            .regex(
              /^(\*|(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)$/,
              'expected a host name, "*.domain" or "*" (no port, no scheme)',
            ),
        )
        .default([])
        .describe(
          'Host names (or "*.domain", or "*") that may read /healthz, /readyz and /metrics here, besides IP literals, single-label and private-suffix names and the machine\'s hostname (DNS rebinding guard).',
        ),
      proxy_secret: adminToken
        .optional()
        .describe(
          'The proxy sends it in X-Keyway-Proxy-Secret on every auth subrequest; /auth without it: 401 proxy_secret_mismatch. At least 16 visible ASCII characters (env KEYWAY_PROXY_SECRET overrides).',
        ),
      proxy_secret_previous: adminToken
        .optional()
        .describe(
          'Also accepted while a rotation is under way (the proxies still send it); remove once they send the new one.',
        ),
      client_ip_header: z
        .string()
        .regex(HEADER_NAME, 'expected a header name of letters, digits and "-" only')
        .optional()
        .describe(
          'The one header holding the client address (Fly-Client-IP on Fly); default: the first X-Forwarded-For entry.',
        ),
    })
    .refine((server) => server.proxy_secret_previous === undefined || server.proxy_secret !== undefined, {
      path: ['proxy_secret_previous'],
      params: { code: 'requires' },
      message: 'expected server.proxy_secret too (the new secret; this one is the one being retired)',
    })
    .prefault({})
    .describe('The main listener (the proxy calls /auth here; /healthz, /readyz, /metrics).'),
  admin: z
    .strictObject({
      host: z
        .string()
        .default('127.0.0.1')
        .describe('Address the admin listener binds (env ADMIN_HOST overrides).'),
      port: z
        .number()
        .int()
        .min(0)
        .max(65535)
        .default(8082)
        .describe('Port of the admin listener (env ADMIN_PORT overrides).'),
      token: adminToken
        .optional()
        .describe(
          'The admin bearer token, at least 16 visible ASCII characters (env KEYWAY_ADMIN_TOKEN overrides); or token_file.',
        ),
      token_file: z
        .string()
        .optional()
        .describe('A file holding the admin token (surrounding whitespace ignored); not with token.'),
      metrics_token: adminToken
        .optional()
        .describe(
          'Also accepted for GET /metrics on the admin listener (metrics_on_admin): a scraper needs no admin powers.',
        ),
    })
    .prefault({})
    .describe('The admin listener (revocations, keys, routes, explain): off without token or token_file.'),
  limits: z
    .strictObject({
      max_token_bytes: z
        .number()
        .int()
        .min(256)
        .max(1_048_576)
        .default(16_384)
        .describe('Longest token accepted, in bytes (longer: 401 token_too_large).'),
      max_concurrent_jwks_fetches: z
        .number()
        .int()
        .min(1)
        .max(64)
        .default(4)
        .describe('JWKS and discovery fetches in flight at once, across issuers.'),
      verified_cache_size: z
        .number()
        .int()
        .min(0)
        .max(1_000_000)
        .default(10_000)
        .describe('Tokens whose signature verified, remembered by SHA-256 (0: off).'),
      verified_cache_bytes: z
        .number()
        .int()
        .min(0)
        .max(4_294_967_296)
        .default(33_554_432)
        .describe(
          "The verified-token cache's heap budget (estimated bytes): large tokens must not grow it past the VM.",
        ),
    })
    .prefault({})
    .describe('Size limits and caches.'),
  log: z
    .strictObject({
      level: z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info')
        .describe('Log level (env LOG_LEVEL overrides).'),
      allow_lines: z
        .enum(['all', 'sampled', 'off'])
        .default('sampled')
        .describe(
          'Decision lines for allowed requests: every one, 1 in allow_sample, or none. Denies are always logged.',
        ),
      allow_sample: z
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .default(100)
        .describe('With allow_lines: sampled, the first allow, then 1 in this many.'),
    })
    .prefault({})
    .describe('Logging (JSON lines on stdout; tokens and secrets are never logged).'),
  issuers: z
    .array(issuerSchema)
    .default([])
    .describe(
      'Token issuers: where keys come from (JWKS, discovery, static keys, HS secrets) and the claim checks.',
    ),
  policies: z
    .array(policySchema)
    .default([])
    .describe('Access policies, matched in file order by forwarded host, path and method.'),
  default_policy: z
    .string()
    .optional()
    .describe('The policy used when none matches (otherwise 403 no_policy).'),
  routing: routingSchema.describe(
    'Upstream selection: routing-key templates, the route table (file or Redis), allowlist, health checks.',
  ),
  revocation: revocationSchema.describe(
    'The revocation store: in memory (one instance), or Redis (URL, Sentinel or Cluster) shared by every instance.',
  ),
});

/** The config file as written, after defaults and duration parsing (durations are milliseconds). */
export type ConfigInput = z.infer<typeof configSchema>;
export type IssuerConfig = z.infer<typeof issuerSchema>;
export type PolicyConfig = z.infer<typeof policySchema>;
