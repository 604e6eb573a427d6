// The one error hierarchy: every deny carries a stable reason code, mapped to status and RFC 6750 attributes here.

/** RFC 6750 §3.1 error attribute, or null when the challenge must not carry one (no token was sent). */
export type BearerError = 'invalid_token' | 'insufficient_scope' | 'invalid_request' | null;

export interface ReasonInfo {
  readonly status: 401 | 403 | 429 | 500 | 503;
  readonly bearerError: BearerError;
  readonly description: string;
}

/** Every reason code keyway can answer with. Stable: used in responses, logs and metric labels. */
export const REASONS = {
  missing_token: { status: 401, bearerError: null, description: 'No token was presented.' },
  malformed_token: {
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token is not a well-formed compact JWS JWT.',
  },
  token_too_large: {
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token is larger than limits.max_token_bytes.',
  },
  alg_not_allowed: {
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token alg is not allowed for this issuer or key.',
  },
  unknown_key: {
    status: 401,
    bearerError: 'invalid_token',
    description: 'No key of the issuer matches the token kid/alg.',
  },
  bad_signature: { status: 401, bearerError: 'invalid_token', description: 'The signature does not verify.' },
  expired: { status: 401, bearerError: 'invalid_token', description: 'The token has expired (exp).' },
  not_yet_valid: {
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token is not valid yet (nbf).',
  },
  issued_in_future: {
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token iat is in the future.',
  },
  token_too_old: {
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token is older than max_token_age (iat).',
  },
  lifetime_too_long: {
    status: 401,
    bearerError: 'invalid_token',
    description:
      'exp − iat exceeds revocation.max_token_lifetime (without iat: exp − now exceeds it + leeway).',
  },
  bad_issuer: {
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token iss is missing or not accepted by this policy.',
  },
  bad_audience: {
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token aud is not accepted by the issuer or by this policy.',
  },
  bad_type: {
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token typ header is missing or not one the issuer accepts (RFC 8725 §3.11).',
  },
  missing_claim: {
    status: 401,
    bearerError: 'invalid_token',
    description: 'A required claim is missing or has the wrong type.',
  },
  claim_mismatch: {
    status: 403,
    bearerError: 'insufficient_scope',
    description: 'A claim value is not in the policy allowlist.',
  },
  insufficient_scope: {
    status: 403,
    bearerError: 'insufficient_scope',
    description: 'The token lacks a scope the policy requires.',
  },
  proxy_secret_mismatch: {
    status: 401,
    bearerError: null,
    description:
      'The auth subrequest lacks the proxy secret (server.proxy_secret, header X-Keyway-Proxy-Secret) or carries another: it did not come from the proxy.',
  },
  no_policy: { status: 403, bearerError: null, description: 'No policy matches the forwarded request.' },
  ambiguous_request: {
    status: 403,
    bearerError: null,
    description:
      'The forwarded request has readings that select different policies (literal path, method override), several forwarded hosts, URIs or methods, or an undecodable path.',
  },
  revoked: {
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token (or its subject) was revoked.',
  },
  rate_limited: { status: 429, bearerError: null, description: 'Too many requests for this policy key.' },
  keys_unavailable: {
    status: 503,
    bearerError: null,
    description:
      'The issuer keys could not be loaded (IdP unreachable past stale_if_error), or the JWKS cannot tell whether the kid exists (fetch failing or still running).',
  },
  revocation_unavailable: {
    status: 503,
    bearerError: null,
    description: 'The revocation mirror is not fresh and the fail mode is closed.',
  },
  no_upstream: { status: 503, bearerError: null, description: 'No healthy upstream for the routing keys.' },
  internal_error: { status: 500, bearerError: null, description: 'An unexpected internal error (a bug).' },
} as const satisfies Record<string, ReasonInfo>;

export type Reason = keyof typeof REASONS;

export const REASON_CODES = Object.keys(REASONS) as readonly Reason[];

/** The base error: a stable reason plus a detail for logs (never a token or secret). */
export class KeywayError extends Error {
  readonly reason: Reason;
  /** Seconds the client should wait: always sent on a 429, on a 503 only when set (a key fetch still running). */
  readonly retryAfter: number | undefined;

  constructor(reason: Reason, detail?: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(
      detail ?? REASONS[reason].description,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'KeywayError';
    this.reason = reason;
    this.retryAfter = options?.retryAfter;
  }
}

/** Raised for invalid configuration: names the source, the key path and what was expected. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`invalid config ${source}:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Narrow an unknown throwable to a KeywayError, wrapping anything else as internal_error. */
export function toKeywayError(err: unknown): KeywayError {
  if (err instanceof KeywayError) return err;
  return new KeywayError('internal_error', err instanceof Error ? err.message : 'unknown error', {
    cause: err,
  });
}
