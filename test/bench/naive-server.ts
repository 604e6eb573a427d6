// The naive reference for `npm run bench`: hono + jose verifying every request (createRemoteJWKSet + jwtVerify,
// or the HS secret), no cache — what a first implementation of a forward-auth service looks like.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const jwks = createRemoteJWKSet(new URL(String(process.env['JWKS_URL'])));
const secret = new TextEncoder().encode(String(process.env['HS_SECRET']));
const issuers = new Set(String(process.env['ISSUERS']).split(','));
const app = new Hono();
app.all('/auth', async (c) => {
  const header = c.req.header('authorization') ?? '';
  if (!header.startsWith('Bearer ')) return c.body(null, 401);
  const token = header.slice(7);
  try {
    const alg = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).alg;
    const { payload } =
      alg === 'HS256'
        ? await jwtVerify(token, secret, { algorithms: ['HS256'], audience: 'api' })
        : await jwtVerify(token, jwks, { algorithms: ['RS256', 'ES256', 'EdDSA'], audience: 'api' });
    if (!issuers.has(String(payload.iss))) return c.body(null, 401);
    c.header('X-Auth-Subject', String(payload.sub));
    return c.body(null, 200);
  } catch {
    return c.body(null, 401);
  }
});
serve({ fetch: app.fetch, port: Number(process.env['PORT']), hostname: '127.0.0.1' });
