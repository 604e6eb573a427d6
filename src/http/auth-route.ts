// The /auth and /auth/{policy} decision endpoint: ForwardedRequest in, 200 + headers or a deny out.
import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { KeywayError } from '../errors.js';
import { timingSafeEqualText } from '../lib/timing-safe.js';
import type { Decide } from '../pipeline/decide.js';
import { PROXY_SECRET_HEADER } from '../proxy-config/proxy-secret.js';
import { type ForwardedRequest, parseForwardedRequest } from '../request/request.js';
import type { Decision } from '../respond/decision.js';
import { denyResponse } from '../respond/deny.js';
import type { DecisionRecorder } from '../respond/record-decision.js';
import { type IncomingHeaders, incomingHeaderReader } from './incoming-headers.js';

/** The server settings the decision endpoint reads (fixed for the life of the listener: `server` needs a restart). */
export interface AuthRouteSettings {
  /** server.proxy_secret: every /auth call must carry it in X-Keyway-Proxy-Secret; undefined: not required. */
  readonly proxy_secret?: string | undefined;
  /** server.proxy_secret_previous: also accepted during a rotation. */
  readonly proxy_secret_previous?: string | undefined;
  /** server.client_ip_header: the one header holding the client address; undefined: X-Forwarded-For. */
  readonly client_ip_header?: string | undefined;
}

/**
 * Register the decision routes for every method (Traefik may preserve the client's method). With a proxy secret, a
 * call without it (or the previous one, during a rotation; compared in constant time) is denied
 * proxy_secret_mismatch before the pipeline runs; the value is never logged or echoed.
 */
export function mountAuthRoutes(
  app: Hono,
  decide: Decide,
  record: DecisionRecorder,
  settings: AuthRouteSettings = {},
): void {
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
  const respond = (req: ForwardedRequest, decision: Decision): Response => {
    if (decision.kind === 'allow') {
      const headers: Record<string, string> = { 'x-request-id': req.requestId, 'cache-control': 'no-store' };
      for (const name in decision.headers) headers[lower(name)] = decision.headers[name]!;
      // A plain-object init is @hono/node-server's fast path: written with writeHead, no Headers copy or sort.
      return new Response(null, { status: 200, headers });
    }
    const res = denyResponse(decision.error, decision.scopes);
    const headers: Record<string, string> = {
      'x-request-id': req.requestId,
      'content-type': 'application/json',
    };
    for (const name in res.headers) headers[lower(name)] = res.headers[name]!;
    return new Response(JSON.stringify(res.body), { status: res.status, headers });
  };
  const handle = (c: Context): Response | Promise<Response> => {
    const started = process.hrtime.bigint();
    const url = c.req.url;
    const q = url.indexOf('?');
    // node-server's IncomingMessage when served on a socket; app.request() in tests has none: the Fetch Request.
    const incoming = (c.env as { incoming?: IncomingHeaders } | undefined)?.incoming;
    const header = incoming ? incomingHeaderReader(incoming) : (name: string) => c.req.header(name);
    const req = parseForwardedRequest(
      { method: c.req.method, query: q === -1 ? '' : url.slice(q + 1), header },
      randomUUID,
      settings.client_ip_header,
    );
    const finish = (decision: Decision) => {
      record(req, decision, Number(process.hrtime.bigint() - started) / 1e9);
      return respond(req, decision);
    };
    if (!fromProxy(header(PROXY_SECRET_HEADER))) {
      return finish({
        kind: 'deny',
        policy: undefined,
        error: new KeywayError('proxy_secret_mismatch'),
        subject: undefined,
        scopes: [],
      });
    }
    const decision = decide(req, c.req.param('policy'));
    // A cache hit decides without a promise: the answer then goes out without an await.
    return decision instanceof Promise ? decision.then(finish) : finish(decision);
  };
  app.all('/auth', handle);
  app.all('/auth/:policy', handle);
}
