// Admin revocation routes under /admin/revocations: POST / (jti+exp | token | sub[+iss]+before), GET / (paged), DELETE /:jti.
import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import {
  applyRevokeRequest,
  type KnownIssuers,
  parseJtiParam,
  parseRevokeBody,
  type TokenResolver,
} from '../revocation/admin/revoke-request.js';
import { AdminInputError } from '../revocation/admin-input-error.js';
import type { RevocationGuard } from '../revocation/guard.js';
import { adminBodyLimit } from './admin-body-limit.js';
import { AdminError } from './admin-errors.js';

const MAX_BODY_BYTES = 128 * 1024;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1_000;

function parseLimit(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_LIMIT;
  const limit = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    throw new AdminInputError('invalid_limit', `limit: expected an integer from 1 to ${MAX_LIMIT}`);
  return limit;
}

/** Build the routes; `verifyForRevoke` must verify a presented token (signature and claims) before its jti is revoked.
 * A write answers 201 only after the store acknowledged it; 503 means nothing was written (each write is atomic).
 * Errors are thrown (AdminInputError 400, AdminError, KeywayError revocation_unavailable 503) and answered by the
 * admin app's error map (src/http/admin-errors.ts). */
export function createRevocationAdminRoutes(
  guard: RevocationGuard,
  deps: Deps,
  verifyForRevoke: TokenResolver,
  knownIssuers: () => KnownIssuers = () => undefined,
): Hono {
  const app = new Hono();
  app.post('/', adminBodyLimit(MAX_BODY_BYTES), async function revoke(c) {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new AdminInputError('invalid_json', 'expected a JSON body (Content-Type: application/json)');
    }
    const request = parseRevokeBody(body);
    const now = Math.floor(deps.clock() / 1000);
    const revoked = await applyRevokeRequest(request, guard, verifyForRevoke, now, knownIssuers());
    return c.json({ revoked }, 201);
  });
  app.get('/', async function listRevocations(c) {
    const page = await guard.list(c.req.query('cursor'), parseLimit(c.req.query('limit')));
    return c.json({ items: page.items, next: page.next ?? null });
  });
  app.delete('/:jti', async function unrevoke(c) {
    const jti = parseJtiParam(c.req.param('jti'));
    const removed = await guard.unrevokeJti(jti);
    if (!removed) throw new AdminError('not_revoked', 'no revocation for this jti');
    return c.json({ jti, removed });
  });
  return app;
}
