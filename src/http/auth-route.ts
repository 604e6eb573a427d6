// The /auth and /auth/{policy} decision endpoint: ForwardedRequest in, 200 + headers or a deny out.
import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { KeywayError } from '../errors.js';
import { timingSafeEqualText } from '../lib/timing-safe.js';
import type { Decide } from '../pipeline/decide.js';
import { PROXY_SECRET_HEADER } from '../proxy-config/proxy-secret.js';
import { parseForwardedRequest } from '../request/request.js';
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
  const handle = async (c: Context) => {
    const started = process.hrtime.bigint();
    const url = c.req.url;
    const q = url.indexOf('?');
    const req = parseForwardedRequest(
      { method: c.req.method, query: q === -1 ? '' : url.slice(q + 1), header: (name) => c.req.header(name) },
      randomUUID,
      settings.client_ip_header,
    );
    const decision: Decision = fromProxy(c.req.header(PROXY_SECRET_HEADER))
      ? await decide(req, c.req.param('policy'))
      : {
          kind: 'deny',
          policy: undefined,
          error: new KeywayError('proxy_secret_mismatch'),
          subject: undefined,
          scopes: [],
        };
    record(req, decision, Number(process.hrtime.bigint() - started) / 1e9);
    c.header('X-Request-Id', req.requestId);
    if (decision.kind === 'allow') {
      c.header('Cache-Control', 'no-store');
      for (const [name, value] of Object.entries(decision.headers)) c.header(name, value);
      return c.body(null, 200);
    }
    const res = denyResponse(decision.error, decision.scopes);
    for (const [name, value] of Object.entries(res.headers)) c.header(name, value);
    return c.json(res.body, res.status as 401);
  };
  app.all('/auth', handle);
  app.all('/auth/:policy', handle);
}
