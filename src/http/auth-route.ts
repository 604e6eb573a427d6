// The /auth and /auth/{policy} routes on the hono app: what app.fetch answers (tests, and any /auth URL the node
// listener's fast path leaves to hono); the answer itself comes from auth-answer.ts.
import type { Context, Hono } from 'hono';
import type { AuthAnswer, AuthAnswerer } from './auth-answer.js';
import { type IncomingHeaders, incomingHeaderReader } from './incoming-headers.js';

/** The answer as a Fetch Response (a plain-object init: @hono/node-server's fast path, no Headers copy or sort). */
function toResponse(answer: AuthAnswer): Response {
  const headers: Record<string, string> = {};
  for (let i = 0; i < answer.headers.length; i += 2) headers[answer.headers[i]!] = answer.headers[i + 1]!;
  return new Response(answer.body ?? null, { status: answer.status, headers });
}

/** Register the decision routes for every method (Traefik may preserve the client's method). */
export function mountAuthRoutes(app: Hono, answerAuth: AuthAnswerer): void {
  const handle = (c: Context): Response | Promise<Response> => {
    const url = c.req.url;
    const q = url.indexOf('?');
    // node-server's IncomingMessage when served on a socket; app.request() in tests has none: the Fetch Request.
    const incoming = (c.env as { incoming?: IncomingHeaders } | undefined)?.incoming;
    const answer = answerAuth({
      method: c.req.method,
      query: q === -1 ? '' : url.slice(q + 1),
      policy: c.req.param('policy'),
      header: incoming ? incomingHeaderReader(incoming) : (name: string) => c.req.header(name),
    });
    return answer instanceof Promise ? answer.then(toResponse) : toResponse(answer);
  };
  app.all('/auth', handle);
  app.all('/auth/:policy', handle);
}
