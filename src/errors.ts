// The one error hierarchy: every deny carries a stable reason code, mapped to status and RFC 6750 attributes here.

/** RFC 6750 §3.1 error attribute, or null when the challenge must not carry one (no token was sent). */
export type BearerError = 'invalid_token' | 'insufficient_scope' | 'invalid_request' | null;

/** The pipeline stage a reason comes from, as `keyway explain` reports it (token problems are all `verify`). */
export type Stage = 'match' | 'extract' | 'verify' | 'revoke' | 'authorize' | 'route' | 'internal';

export interface ReasonInfo {
  readonly stage: Stage;
  readonly status: 401 | 403 | 429 | 500 | 503;
  readonly bearerError: BearerError;
  readonly description: string;
}

/** Every reason code keyway can answer with. Stable: used in responses, logs and metric labels. */
export const REASONS = {
  missing_token: { stage: 'extract', status: 401, bearerError: null, description: 'No token was presented.' },
  malformed_token: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token is not a well-formed compact JWS JWT.',
  },
  token_too_large: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token is larger than limits.max_token_bytes.',
  },
  alg_not_allowed: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token alg is not allowed for this issuer or key.',
  },
  unknown_key: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description: 'No key of the issuer matches the token kid/alg.',
  },
  bad_signature: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description: 'The signature does not verify.',
  },
  expired: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token has expired (exp).',
  },
  not_yet_valid: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token is not valid yet (nbf).',
  },
  issued_in_future: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token iat is in the future.',
  },
  token_too_old: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token is older than max_token_age (iat).',
  },
  lifetime_too_long: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description:
      'exp − iat exceeds revocation.max_token_lifetime (without iat: exp − now exceeds it + leeway).',
  },
  bad_issuer: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token iss is missing or not accepted by this policy.',
  },
  bad_audience: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token aud is not accepted by the issuer or by this policy.',
  },
  bad_type: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token typ header is missing or not one the issuer accepts (RFC 8725 §3.11).',
  },
  missing_claim: {
    stage: 'verify',
    status: 401,
    bearerError: 'invalid_token',
    description: 'A required claim is missing or has the wrong type.',
  },
  claim_mismatch: {
    stage: 'authorize',
    status: 403,
    bearerError: 'insufficient_scope',
    description: 'A claim value is not in the policy allowlist.',
  },
  insufficient_scope: {
    stage: 'authorize',
    status: 403,
    bearerError: 'insufficient_scope',
    description: 'The token lacks a scope the policy requires.',
  },
  proxy_secret_mismatch: {
    stage: 'verify',
    status: 401,
    bearerError: null,
    description:
      'The auth subrequest lacks the proxy secret (server.proxy_secret, header X-Keyway-Proxy-Secret) or carries another: it did not come from the proxy.',
  },
  no_policy: {
    stage: 'match',
    status: 403,
    bearerError: null,
    description: 'No policy matches the forwarded request.',
  },
  ambiguous_request: {
    stage: 'verify',
    status: 403,
    bearerError: null,
    description:
      'The forwarded request has readings that select different policies (literal path, method override), several forwarded hosts, URIs or methods, or an undecodable path.',
  },
  revoked: {
    stage: 'revoke',
    status: 401,
    bearerError: 'invalid_token',
    description: 'The token (or its subject) was revoked.',
  },
  rate_limited: {
    stage: 'authorize',
    status: 429,
    bearerError: null,
    description: 'Too many requests for this policy key.',
  },
  keys_unavailable: {
    stage: 'verify',
    status: 503,
    bearerError: null,
    description:
      'The issuer keys could not be loaded (IdP unreachable past stale_if_error), or the JWKS cannot tell whether the kid exists (fetch failing or still running).',
  },
  revocation_unavailable: {
    stage: 'revoke',
    status: 503,
    bearerError: null,
    description: 'The revocation mirror is not fresh and the fail mode is closed.',
  },
  no_upstream: {
    stage: 'route',
    status: 503,
    bearerError: null,
    description: 'No healthy upstream for the routing keys.',
  },
  internal_error: {
    stage: 'internal',
    status: 500,
    bearerError: null,
    description: 'An unexpected internal error (a bug).',
  },
} as const satisfies Record<string, ReasonInfo>;

export type Reason = keyof typeof REASONS;

export const REASON_CODES = Object.keys(REASONS) as readonly Reason[];

/** The base error: a stable reason plus a detail for logs (never a token or secret). */
export class KeywayError extends Error {
  readonly reason: Reason;
  /** Seconds the client should wait: always sent on a 429, on a 503 only when set (a key fetch still running). */
  readonly retryAfter: number | undefined;

  constructor(reason: Reason, detail?: string, options?: { cause?: unknown; retryAfter?: number }) {
    // A deny is an answer, not a fault: no stack is captured (capturing one costs more than the rest of a
    // missing_token decision). An internal error keeps the stack of its `cause`.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(
      detail ?? REASONS[reason].description,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    Error.stackTraceLimit = limit;
    this.name = 'KeywayError';
    this.reason = reason;
    this.retryAfter = options?.retryAfter;
  }
}

/** Stable codes of config problems: tests and tools branch on these, never on the message. */
export const CONFIG_ISSUE_CODES = [
  /** The config text is not YAML (line, column and the snippet are in the message). */
  'invalid_yaml',
  /** A `${VAR}` in the file names an unset environment variable (and has no `:-default`). */
  'unset_variable',
  /** A file the config names (the config itself, a key, a secret, a CA bundle, the route table) cannot be read. */
  'unreadable_file',
  /** Two sources that would each define the whole config are set (KEYWAY_CONFIG and KEYWAY_CONFIG_YAML). */
  'conflicting_sources',
  /** No config source at all where one is required (NODE_ENV=production never runs the embedded dev issuer). */
  'no_config',
  /** A config source that configures no issuer and no policy: it would accept nothing. */
  'no_issuers',
  /** A key the schema does not know (the message suggests the nearest valid one). */
  'unknown_key',
  /** A required key is absent. */
  'missing_key',
  /** A value of the wrong type (a string where a number is expected, …). */
  'invalid_type',
  /** A value of the right type that is not allowed (out of range, not one of the options, malformed). */
  'invalid_value',
  /** A name that refers to nothing (a policy's issuer, default_policy). */
  'unknown_reference',
  /** A name given twice where names must be unique. */
  'duplicate',
  /** Keys that exclude each other are both set. */
  'conflict',
  /** A key that needs another key which is not set. */
  'requires',
  /** A fetch URL keyway refuses (plain http to a non-loopback host, not a URL). */
  'insecure_url',
  /** A key or secret the key store would refuse (too short, weak, private material, unusable with the algs). */
  'refused_key',
  /** A secret value published in keyway's repository. */
  'published_secret',
  /** A match rule that can never match a request (not normalised, trailing dot). */
  'never_matches',
  /** A header name keyway sets itself or the proxies overwrite. */
  'reserved_header',
  /** A path keyway must write to (the snapshot file's directory) is not writable. */
  'unwritable_path',
  /** The route table file is invalid (its own key paths are in `path`). */
  'invalid_route_table',
  /** A reload changes something only a restart may change. */
  'restart_required',
] as const;

export type ConfigIssueCode = (typeof CONFIG_ISSUE_CODES)[number];

/** One config problem as produced by a check: the key path, a stable code and what to do (`source` when known). */
export interface ConfigProblem {
  /** The key path as users write it (`policies[2].audiences`), or `(root)`. */
  readonly path: string;
  readonly code: ConfigIssueCode;
  /** What is wrong and what was expected or how to fix it; never a secret value. */
  readonly message: string;
  /** Where the value came from when not the config source itself (an environment variable, the route table file). */
  readonly source?: string;
}

/** A config problem with its source: the file path, `KEYWAY_CONFIG_YAML`, or the environment variable. */
export interface ConfigIssue extends ConfigProblem {
  readonly source: string;
}

/** Render issues for a human: grouped by source, one `path: message` line each (continuation lines indented). */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  const bySource = new Map<string, ConfigIssue[]>();
  for (const issue of issues) bySource.set(issue.source, [...(bySource.get(issue.source) ?? []), issue]);
  return [...bySource]
    .map(
      ([source, list]) =>
        `invalid config ${source}:\n${list.map((i) => `  - ${formatConfigIssue(i).replaceAll('\n', '\n    ')}`).join('\n')}`,
    )
    .join('\n');
}

/** One issue as `path: message` (the `(root)` path is left out). */
export function formatConfigIssue(issue: ConfigProblem): string {
  return issue.path === '(root)' ? issue.message : `${issue.path}: ${issue.message}`;
}

/** Raised for invalid configuration: every problem found, each naming its source, the key path and a fix. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  /** `source` applies to every problem that does not name its own. */
  constructor(source: string, problems: readonly ConfigProblem[]) {
    const issues = problems.map((p) => ({ ...p, source: p.source ?? source }));
    super(formatConfigIssues(issues));
    this.name = 'ConfigError';
    this.issues = issues;
  }

  /** The source of the first issue (the config file, KEYWAY_CONFIG_YAML or an environment variable). */
  get source(): string {
    return this.issues[0]?.source ?? 'config';
  }

  /** The issue codes, in order (what tests assert). */
  get codes(): readonly ConfigIssueCode[] {
    return this.issues.map((i) => i.code);
  }
}

/** Narrow an unknown throwable to a KeywayError, wrapping anything else as internal_error. */
export function toKeywayError(err: unknown): KeywayError {
  if (err instanceof KeywayError) return err;
  return new KeywayError('internal_error', err instanceof Error ? err.message : 'unknown error', {
    cause: err,
  });
}
