// Admin bearer auth: `Authorization: Bearer <admin token>`, compared in constant time.
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqualText } from '../lib/timing-safe.js';
import { AdminError } from './admin-errors.js';

// The scheme is case-insensitive (RFC 9110 §11.1); a token is visible ASCII (the config refuses any other).
const BEARER = /^Bearer ([\x21-\x7e]+)$/i;

/** Middleware that lets through only a request carrying one of `tokens` (each compared in constant time); throws
 *  AdminError('admin_token_required') otherwise (401 with the admin challenge). */
export function createAdminAuth(...tokens: readonly string[]): MiddlewareHandler {
  return async function adminAuth(c, next) {
    const match = BEARER.exec(c.req.header('authorization') ?? '');
    // Every token is compared (no early exit), so timing does not tell which one was close.
    const ok = match !== null && tokens.map((t) => timingSafeEqualText(match[1]!, t)).includes(true);
    if (!ok) throw new AdminError('admin_token_required');
    await next();
  };
}
