// denyResponse: status, RFC 6750 challenge, X-Auth-Reason and the JSON body for a deny decision.
import { type KeywayError, REASONS } from '../errors.js';

export interface DenyResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: string; readonly reason: string };
}

const ERROR_BY_STATUS: Readonly<Record<number, string>> = {
  401: 'unauthorized',
  403: 'forbidden',
  429: 'too_many_requests',
  500: 'internal_error',
  503: 'service_unavailable',
};

/** The RFC 6750 §3 challenge: no `error` attribute when no token was sent (§3.1); `scope` on insufficient_scope. */
export function bearerChallenge(error: KeywayError, scopes: readonly string[]): string {
  const info = REASONS[error.reason];
  if (info.bearerError === null) return 'Bearer realm="keyway"';
  let challenge = `Bearer realm="keyway", error="${info.bearerError}", error_description="${error.reason}"`;
  if (error.reason === 'insufficient_scope' && scopes.length > 0)
    challenge += `, scope="${scopes.join(' ')}"`;
  return challenge;
}

/** Build the deny response for an error (the detail message never reaches the client: it may name internals). */
export function denyResponse(error: KeywayError, scopes: readonly string[]): DenyResponse {
  const info = REASONS[error.reason];
  const headers: Record<string, string> = { 'X-Auth-Reason': error.reason, 'Cache-Control': 'no-store' };
  if (info.status === 401 || info.status === 403)
    headers['WWW-Authenticate'] = bearerChallenge(error, scopes);
  if (info.status === 429) headers['Retry-After'] = String(Math.max(1, error.retryAfter ?? 1));
  // RFC 9110 §10.2.3: a 503 says when to retry only when keyway knows (a key fetch still running).
  else if (info.status === 503 && error.retryAfter !== undefined)
    headers['Retry-After'] = String(Math.max(1, error.retryAfter));
  return {
    status: info.status,
    headers,
    body: { error: info.bearerError ?? ERROR_BY_STATUS[info.status] ?? 'denied', reason: error.reason },
  };
}
