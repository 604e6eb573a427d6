// Admin bearer auth: `Authorization: Bearer <admin token>`, compared in constant time.
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqualText } from '../lib/timing-safe.js';

const BEARER = /^Bearer ([\x21-\x7e]+)$/;

/** Middleware that answers 401 unless the request carries the admin token. */
export function createAdminAuth(adminToken: string): MiddlewareHandler {
  return async function adminAuth(c, next) {
    const match = BEARER.exec(c.req.header('authorization') ?? '');
    if (!match || !timingSafeEqualText(match[1]!, adminToken)) {
      c.header('WWW-Authenticate', 'Bearer realm="keyway-admin"');
      return c.json({ error: 'unauthorized', reason: 'admin_token_required' }, 401);
    }
    await next();
  };
}
