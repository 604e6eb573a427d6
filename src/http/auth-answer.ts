// createAuthAnswerer: one /auth call in, its answer out (status, headers, body) — the same for every transport: the
// node listener's fast path (auth-listener.ts) and the hono route (auth-route.ts, app.fetch in tests).
import { KeywayError } from '../errors.js';
import { timingSafeEqualText } from '../lib/timing-safe.js';
import type { Decide } from '../pipeline/decide.js';
import { PROXY_SECRET_HEADER } from '../proxy-config/proxy-secret.js';
import { type ForwardedRequest, parseForwardedRequest } from '../request/request.js';
import { createRequestIds } from '../request/request-id.js';
import type { Decision } from '../respond/decision.js';
import { denyResponse } from '../respond/deny.js';
import type { DecisionRecorder } from '../respond/record-decision.js';

/** The server settings the decision endpoint reads (fixed for the life of the listener: `server` needs a restart). */
export interface AuthRouteSettings {
  /** server.proxy_secret: every /auth call must carry it in X-Keyway-Proxy-Secret; undefined: not required. */
  readonly proxy_secret?: string | undefined;
  /** server.proxy_secret_previous: also accepted during a rotation. */
  readonly proxy_secret_previous?: string | undefined;
  /** server.client_ip_header: the one header holding the client address; undefined: X-Forwarded-For. */
  readonly client_ip_header?: string | undefined;
}

/** One /auth call as the answerer reads it. */
export interface AuthCall {
  readonly method: string;
  /** The /auth request's own query string, without "?" ("" when none). */
  readonly query: string;
  /** The `{policy}` of /auth/{policy}, decoded; undefined for /auth. */
  readonly policy: string | undefined;
  /** Case-insensitive request header lookup; repeated headers joined with ", " (cookies with "; "). */
  header(name: string): string | undefined;
}

/** The HTTP answer; `body` undefined for an allow (no body). */
export interface AuthAnswer {
  readonly status: number;
  /** [name, value, …]: names lower-case, each once (node's writeHead takes this form as it is). */
  readonly headers: readonly string[];
  readonly body: string | undefined;
}

/** Answers at once when the decision did (a cache hit, a deny before verification), else a promise that never rejects. */
export type AuthAnswerer = (call: AuthCall) => AuthAnswer | Promise<AuthAnswer>;

/**
 * Build the answerer. With a proxy secret, a call without it (or the previous one, during a rotation; compared in
 * constant time) is denied proxy_secret_mismatch before the pipeline runs; the value is never logged or echoed.
 */
export function createAuthAnswerer(
  decide: Decide,
  record: DecisionRecorder,
  settings: AuthRouteSettings = {},
): AuthAnswerer {
  const secrets = [settings.proxy_secret, settings.proxy_secret_previous].filter((s) => s !== undefined);
  // Both compared every time (no early exit), so the answer's timing says nothing about which one matched. Called only
  // when a secret is configured (answerAuth reads the header only then).
  const fromProxy = (sent: string | undefined) =>
    sent !== undefined && secrets.map((s) => timingSafeEqualText(sent, s)).includes(true);
  /** A deny's answer without its request id: the same for every deny of one reason and scope list. */
  const buildDeny = (error: KeywayError, scopes: readonly string[]): AuthAnswer => {
    const res = denyResponse(error, scopes);
    const headers = ['content-type', 'application/json'];
    for (const name in res.headers) headers.push(name.toLowerCase(), res.headers[name]!);
    // The body is ASCII (reason codes): its length is its byte count.
    const body = JSON.stringify(res.body);
    headers.push('content-length', String(body.length));
    return { status: res.status, headers, body };
  };
  // Built once per reason and scope list (a bounded set: reasons are fixed, scope lists come from config); an answer
  // with Retry-After depends on the error and is built each time.
  const denies = new Map<string, AuthAnswer>();
  const denyAnswer = (requestId: string, error: KeywayError, scopes: readonly string[]): AuthAnswer => {
    let parts: AuthAnswer | undefined;
    if (error.retryAfter === undefined) {
      const key = scopes.length === 0 ? error.reason : `${error.reason} ${scopes.join(' ')}`;
      parts = denies.get(key);
      if (parts === undefined) {
        parts = buildDeny(error, scopes);
        denies.set(key, parts);
      }
    } else parts = buildDeny(error, scopes);
    return { status: parts.status, headers: ['x-request-id', requestId, ...parts.headers], body: parts.body };
  };
  const answer = (req: ForwardedRequest, decision: Decision): AuthAnswer => {
    if (decision.kind === 'allow') {
      // decision.wire never names these three (config refuses them as policy headers: reserved_header).
      const headers = ['x-request-id', req.requestId, 'cache-control', 'no-store', 'content-length', '0'];
      return { status: 200, headers: headers.concat(decision.wire), body: undefined };
    }
    return denyAnswer(req.requestId, decision.error, decision.scopes);
  };
  const newId = createRequestIds();
  return function answerAuth(call) {
    const started = performance.now();
    const req = parseForwardedRequest(call, newId, settings.client_ip_header);
    const finish = (decision: Decision) => {
      record(req, decision, (performance.now() - started) / 1e3);
      return answer(req, decision);
    };
    if (secrets.length > 0 && !fromProxy(call.header(PROXY_SECRET_HEADER))) {
      return finish({
        kind: 'deny',
        policy: undefined,
        error: new KeywayError('proxy_secret_mismatch'),
        subject: undefined,
        scopes: [],
      });
    }
    const decision = decide(req, call.policy);
    // A cache hit decides without a promise: the answer then goes out without an await.
    return decision instanceof Promise ? decision.then(finish) : finish(decision);
  };
}
