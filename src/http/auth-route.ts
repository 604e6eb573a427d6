// The /auth and /auth/{policy} decision endpoint: ForwardedRequest in, 200 + headers or a deny out.
import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { Decide } from '../pipeline/decide.js';
import { parseForwardedRequest } from '../pipeline/request.js';
import { denyResponse } from '../respond/deny.js';
import type { DecisionRecorder } from '../respond/record-decision.js';

/** Register the decision routes for every method (Traefik may preserve the client's method). */
export function mountAuthRoutes(app: Hono, decide: Decide, record: DecisionRecorder): void {
  const handle = async (c: Context) => {
    const started = process.hrtime.bigint();
    const url = c.req.url;
    const q = url.indexOf('?');
    const req = parseForwardedRequest(
      { method: c.req.method, query: q === -1 ? '' : url.slice(q + 1), header: (name) => c.req.header(name) },
      randomUUID,
    );
    const decision = await decide(req, c.req.param('policy'));
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
