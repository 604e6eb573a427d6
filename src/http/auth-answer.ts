// createAuthAnswerer: one /auth call in, its answer out (status, headers, body) — the same for every transport: the
// node listener's fast path (auth-listener.ts) and the hono route (auth-route.ts, app.fetch in tests).
import { randomUUID } from 'node:crypto';
import { KeywayError } from '../errors.js';
import { timingSafeEqualText } from '../lib/timing-safe.js';
import type { Decide } from '../pipeline/decide.js';
import { PROXY_SECRET_HEADER } from '../proxy-config/proxy-secret.js';
import { type ForwardedRequest, parseForwardedRequest } from '../request/request.js';
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

/** The HTTP answer: header names lower-case, each once; `body` undefined for an allow (no body). */
export interface AuthAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
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
  // Both compared every time (no early exit), so the answer's timing says nothing about which one matched.
  const fromProxy = (sent: string | undefined) =>
    secrets.length === 0 ||
    (sent !== undefined && secrets.map((s) => timingSafeEqualText(sent, s)).includes(true));
  // Response header names lower-cased once each (names come from config): a later copy of a name replaces an
  // earlier one, as Headers.set did, and the wire shows what a Headers object would have sent.
  const lowered = new Map<string, string>();
  const lower = (name: string) => {
    let found = lowered.get(name);
    if (found === undefined) {
      found = name.toLowerCase();
      lowered.set(name, found);
    }
    return found;
  };
  /** A deny's answer without its request id: the same for every deny of one reason and scope list. */
  const buildDeny = (error: KeywayError, scopes: readonly string[]): AuthAnswer => {
    const res = denyResponse(error, scopes);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const name in res.headers) headers[lower(name)] = res.headers[name]!;
    // The body is ASCII (reason codes): its length is its byte count.
    const body = JSON.stringify(res.body);
    headers['content-length'] = String(body.length);
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
    return {
      status: parts.status,
      headers: { 'x-request-id': requestId, ...parts.headers },
      body: parts.body,
    };
  };
  const lowerAll = (from: Readonly<Record<string, string>>) => {
    const headers: Record<string, string> = {};
    for (const name in from) headers[lower(name)] = from[name]!;
    return headers;
  };
  // An allow's headers are one frozen object per token and policy when no router adds to them (decide.ts): their
  // lower-cased form is kept beside them.
  const loweredSets = new WeakMap<object, Readonly<Record<string, string>>>();
  const allowHeaders = (from: Readonly<Record<string, string>>) => {
    if (!Object.isFrozen(from)) return lowerAll(from);
    let found = loweredSets.get(from);
    if (found === undefined) {
      found = lowerAll(from);
      loweredSets.set(from, found);
    }
    return found;
  };
  const answer = (req: ForwardedRequest, decision: Decision): AuthAnswer => {
    if (decision.kind === 'allow') {
      const headers: Record<string, string> = {
        'x-request-id': req.requestId,
        'cache-control': 'no-store',
        'content-length': '0',
        ...allowHeaders(decision.headers),
      };
      return { status: 200, headers, body: undefined };
    }
    return denyAnswer(req.requestId, decision.error, decision.scopes);
  };
  return function answerAuth(call) {
    const started = process.hrtime.bigint();
    const req = parseForwardedRequest(call, randomUUID, settings.client_ip_header);
    const finish = (decision: Decision) => {
      record(req, decision, Number(process.hrtime.bigint() - started) / 1e9);
      return answer(req, decision);
    };
    if (!fromProxy(call.header(PROXY_SECRET_HEADER))) {
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
