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
    secret: z.string().optional(),
    file: z.string().optional(),
    encoding: z.enum(['utf8', 'base64', 'base64url', 'hex']).default('utf8'),
    kid: z.string().optional(),
    algorithms: z.array(z.enum(['HS256', 'HS384', 'HS512'])).optional(),
  }),
]);

const staticKey = z.strictObject({
  pem: z.string().optional(),
  jwk: z.record(z.string(), z.unknown()).optional(),
  file: z.string().optional(),
  kid: z.string().optional(),
  algorithms: z.array(alg).optional(),
});

const jwksOptions = z
  .strictObject({
    ttl: duration.default(300_000),
    min_ttl: duration.default(30_000),
    max_ttl: duration.default(86_400_000),
    refresh_ahead: z.number().min(0.1).max(0.95).default(0.8),
    stale_if_error: duration.default(3_600_000),
    timeout: duration.default(3_000),
    retries: z.number().int().min(0).max(10).default(2),
    retry_backoff: duration.default(200),
    unknown_kid_cooldown: duration.default(5_000),
    failure_backoff: duration.refine((ms) => ms >= 100, 'expected at least 100ms').default(1_000),
    request_wait: duration.default(500),
    max_bytes: z.number().int().positive().default(1_048_576),
  })
  .prefault({});

export const issuerSchema = z.strictObject({
  name: z.string().min(1).optional(),
  issuer: z.string().min(1).optional(),
  jwks_uri: z.url().optional(),
  discovery: z.boolean().default(false),
  hs_secrets: z.array(hsSecret).default([]),
  keys: z.array(staticKey).default([]),
  audiences: stringList.default([]),
  /** Accepted JWS `typ` headers (RFC 8725 §3.11), e.g. `at+jwt` (RFC 9068); unset: any or none. */
  typ: z
    .union([
      z.string().min(1),
      z.array(z.string().min(1)).min(1, 'expected a media type like "at+jwt", or a non-empty list of them'),
    ])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .optional(),
  algorithms: z.array(alg).min(1).optional(),
  leeway: duration.default(30_000),
  /** /readyz fails while this issuer has no usable keys (default: only when no issuer has any). */
  required: z.boolean().default(false),
  max_token_age: duration.optional(),
  require_exp: z.boolean().default(true),
  required_claims: z.array(z.string().min(1)).default([]),
  allow_insecure_http: z.boolean().default(false),
  ca_file: z.string().optional(),
  jwks: jwksOptions,
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
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a name of letters, digits, "_", "." or "-"'),
  match: z
    .strictObject({
      hosts: stringList.default([]),
      paths: stringList.default([]),
      methods: stringList.default([]),
    })
    .prefault({}),
  issuers: z.array(z.string().min(1)).optional(),
  /** Narrows the accepted issuers' `audiences` for this policy (checked at start: each must be one they accept). */
  audiences: stringList.optional(),
  token_sources: z.array(tokenSource).min(1).default(['bearer']),
  anonymous: z.boolean().default(false),
  required_claims: z.array(z.string().min(1)).default([]),
  claims: z
    .record(z.string().min(1), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1))
    .default({}),
  scopes: z.array(z.string().min(1)).default([]),
  headers: z
    .record(z.string().regex(HEADER_NAME), z.string().min(1), {
      // zod reports a bad key as "Invalid key in record": say what a key must be.
      error: (issue) =>
        issue.code === 'invalid_key' ? 'expected a header name of letters, digits and "-" only' : undefined,
    })
    .default({}),
  max_header_value_bytes: z.number().int().min(16).max(8192).default(1024),
  routing: z
    .strictObject({
      instance_key: keyTemplate.optional(),
      version_key: keyTemplate.optional(),
      on_no_upstream: z.enum(['deny', 'last_known']).default('deny'),
    })
    .prefault({}),
  revocation_fail: z.enum(['closed', 'open']).optional(),
  rate_limit: z
    .strictObject({
      requests: z.number().int().positive(),
      per: duration,
      by: z.enum(['subject', 'client_ip']).default('subject'),
    })
    .optional(),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('0.0.0.0'),
      port: z.number().int().min(0).max(65535).default(8081),
      request_timeout: duration.default(10_000),
      keep_alive_timeout: duration.default(65_000),
      max_header_bytes: z.number().int().min(1024).max(1_048_576).default(32_768),
      shutdown_timeout: duration.default(10_000),
      metrics_on_admin: z.boolean().default(false),
      watch_config: z.boolean().default(true),
      /** A loopback-only demo may use a secret published in keyway's repository (refused otherwise; logged loudly). */
      allow_published_secrets: z.boolean().default(false),
      /** Host names (or `*.domain`, or `*`) that may read /healthz, /readyz and /metrics here, besides IP literals,
       *  single-label and private-suffix names and the machine's hostname (DNS rebinding guard). */
      allowed_hosts: z
        .array(
          z
            .string()
            .regex(
              /^(\*|(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)$/,
              'expected a host name, "*.domain" or "*" (no port, no scheme)',
            ),
        )
        .default([]),
      /** The proxy sends it in X-Keyway-Proxy-Secret on every auth subrequest; /auth without it: 401 proxy_secret_mismatch. */
      proxy_secret: adminToken.optional(),
      /** Also accepted while a rotation is under way (the proxies still send it); remove once they send the new one. */
      proxy_secret_previous: adminToken.optional(),
      /** The one header holding the client address (Fly-Client-IP on Fly); default: the first X-Forwarded-For entry. */
      client_ip_header: z
        .string()
        .regex(HEADER_NAME, 'expected a header name of letters, digits and "-" only')
        .optional(),
    })
    .refine((server) => server.proxy_secret_previous === undefined || server.proxy_secret !== undefined, {
      path: ['proxy_secret_previous'],
      message: 'expected server.proxy_secret too (the new secret; this one is the one being retired)',
    })
    .prefault({}),
  admin: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8082),
      token: adminToken.optional(),
      token_file: z.string().optional(),
      /** Also accepted for GET /metrics on the admin listener (metrics_on_admin): a scraper needs no admin powers. */
      metrics_token: adminToken.optional(),
    })
    .prefault({}),
  limits: z
    .strictObject({
      max_token_bytes: z.number().int().min(256).max(1_048_576).default(16_384),
      max_concurrent_jwks_fetches: z.number().int().min(1).max(64).default(4),
      verified_cache_size: z.number().int().min(0).max(1_000_000).default(10_000),
      /** The verified-token cache's heap budget (estimated bytes): large tokens must not grow it past the VM. */
      verified_cache_bytes: z.number().int().min(0).max(4_294_967_296).default(33_554_432),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** Decision lines for allowed requests: every one, 1 in `allow_sample`, or none. Denies are always logged. */
      allow_lines: z.enum(['all', 'sampled', 'off']).default('sampled'),
      allow_sample: z.number().int().min(1).max(1_000_000).default(100),
    })
    .prefault({}),
  issuers: z.array(issuerSchema).default([]),
  policies: z.array(policySchema).default([]),
  default_policy: z.string().optional(),
  routing: routingSchema,
  revocation: revocationSchema,
});

/** The config file as written, after defaults and duration parsing (durations are milliseconds). */
export type ConfigInput = z.infer<typeof configSchema>;
export type IssuerConfig = z.infer<typeof issuerSchema>;
export type PolicyConfig = z.infer<typeof policySchema>;
