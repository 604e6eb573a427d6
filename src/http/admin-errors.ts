// The error map of every answer that is not an /auth decision (admin API, unknown paths, probes): one table, one body.
import type { Context, ErrorHandler } from 'hono';
import type { Logger } from 'pino';
import { KeywayError } from '../errors.js';
import { AdminInputError, type AdminInputReason } from '../revocation/admin-input-error.js';

export interface AdminReasonInfo {
  readonly status: 400 | 401 | 404 | 413 | 421 | 500 | 503;
  /** The body's `error` field: the class of the problem (`bad_request`, `not_found`, …). */
  readonly error: string;
  readonly description: string;
  /** Headers every answer with this reason carries (the admin challenge). */
  readonly headers?: Readonly<Record<string, string>>;
}

const input = (description: string) => ({ status: 400, error: 'bad_request', description }) as const;

/** Every reason code outside /auth decisions. Stable: clients and `keyway revoke` branch on them. */
export const ADMIN_REASONS = {
  no_such_route: {
    status: 404,
    error: 'not_found',
    description: 'No route on the main listener has this path.',
  },
  no_such_admin_route: { status: 404, error: 'not_found', description: 'No admin route has this path.' },
  host_not_allowed: {
    status: 421,
    error: 'misdirected_request',
    description:
      'The Host header is not in server.allowed_hosts (a DNS-rebinding page must not read the probes).',
  },
  admin_token_required: {
    status: 401,
    error: 'unauthorized',
    description: 'The request lacks the admin token (Authorization: Bearer).',
    headers: { 'WWW-Authenticate': 'Bearer realm="keyway-admin"' },
  },
  body_too_large: {
    status: 413,
    error: 'bad_request',
    description: 'The request body is over the size cap.',
  },
  invalid_json: input('The body is not JSON (Content-Type: application/json).'),
  invalid_body: input('The body is not an object of the expected shape.'),
  missing_target: input('None of jti, token or sub is given.'),
  ambiguous_target: input('More than one of jti, token and sub is given.'),
  invalid_jti: input('jti is not a non-empty string without control characters.'),
  invalid_exp: input('exp is missing (with jti) or not a NumericDate.'),
  invalid_sub: input('sub is not a non-empty string without control characters.'),
  invalid_iss: input('iss is not a non-empty string without control characters.'),
  unknown_issuer: input(
    'iss is not the issuer of any configured issuer: the entry would never match a token.',
  ),
  invalid_before: input('before is not a NumericDate.'),
  invalid_reason: input('reason is not a short string without control characters.'),
  invalid_actor: input('actor is not a short string without control characters.'),
  invalid_token: input('token is not a non-empty string, or its file cannot be read.'),
  token_not_verified: input('The presented token does not verify against a configured issuer.'),
  token_without_jti: input('The presented token has no jti to revoke.'),
  invalid_cursor: input('cursor is not one a previous page returned.'),
  invalid_limit: input('limit is not an integer from 1 to 1000.'),
  reload_refused: input('The new config was refused (the running one stays); problems says why.'),
  not_revoked: { status: 404, error: 'not_found', description: 'No revocation exists for this jti.' },
  no_such_key: { status: 404, error: 'not_found', description: 'No cached key has this kid.' },
  revocation_unavailable: {
    status: 503,
    error: 'revocation_unavailable',
    description: 'The revocation store cannot be reached; nothing was written.',
  },
  internal_error: {
    status: 500,
    error: 'internal_error',
    description: 'An unexpected internal error (a bug).',
  },
} as const satisfies Record<string, AdminReasonInfo>;

export type AdminReason = keyof typeof ADMIN_REASONS;

export const ADMIN_REASON_CODES = Object.keys(ADMIN_REASONS) as readonly AdminReason[];

// Every reason the revocation input checks can throw has its row (a compile error names the one missing).
const inputReasonsCovered: Record<AdminInputReason, AdminReasonInfo> = ADMIN_REASONS;
void inputReasonsCovered;

/** An admin answer other than success: thrown by a route, answered by the admin app's one onError. */
export class AdminError extends Error {
  constructor(
    readonly reason: AdminReason,
    /** Sent as the body's `detail` (never a token or secret); absent when undefined. */
    readonly detail?: string | readonly string[],
  ) {
    super(typeof detail === 'string' ? detail : ADMIN_REASONS[reason].description);
    this.name = 'AdminError';
  }
}

/** The `{error, reason[, detail], ...extra}` answer for `reason`, with its status and headers. */
export function adminErrorResponse(
  c: Context,
  reason: AdminReason,
  detail?: string | readonly string[],
  extra: Readonly<Record<string, unknown>> = {},
): Response {
  const info: AdminReasonInfo = ADMIN_REASONS[reason];
  for (const [name, value] of Object.entries(info.headers ?? {})) c.header(name, value);
  const body = { error: info.error, reason, ...(detail === undefined ? {} : { detail }), ...extra };
  return c.json(body, info.status);
}

/** Map what a route threw to its answer: AdminError and AdminInputError by reason, a store outage to 503; else
 *  undefined (a bug: the caller logs it and answers 500). */
export function knownErrorResponse(c: Context, err: unknown): Response | undefined {
  if (err instanceof AdminError) return adminErrorResponse(c, err.reason, err.detail);
  if (err instanceof AdminInputError) return adminErrorResponse(c, err.reason, err.message);
  if (err instanceof KeywayError && err.reason === 'revocation_unavailable')
    return adminErrorResponse(c, err.reason, err.message);
  return undefined;
}

/** The one onError of an app: known errors by the table; anything else is logged as `msg` and answered 500
 *  internal_error (with the error's class name as detail when `withName`, never its message). */
export function createErrorHandler(log: Logger | undefined, msg: string, withName: boolean): ErrorHandler {
  return function onError(err, c) {
    const known = knownErrorResponse(c, err);
    if (known) return known;
    log?.error({ err, path: c.req.path }, msg);
    return adminErrorResponse(c, 'internal_error', withName ? err.name : undefined);
  };
}
