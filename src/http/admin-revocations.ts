// Admin revocation routes under /admin/revocations: POST / (jti+exp | token | sub[+iss]+before), GET / (paged), DELETE /:jti.
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { KeywayError } from '../errors.js';
import {
  applyRevokeRequest,
  parseJtiParam,
  parseRevokeBody,
  type TokenResolver,
} from '../revocation/admin/revoke-request.js';
import { AdminInputError } from '../revocation/admin-input-error.js';
import type { RevocationGuard } from '../revocation/guard.js';
import { adminBodyLimit } from './admin-body-limit.js';

const MAX_BODY_BYTES = 128 * 1024;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1_000;

/** The one error → response map of these routes: 400 for bad input, 503 when the store is down, else rethrow (500). */
function failure(c: Context, err: unknown): Response {
  if (err instanceof AdminInputError)
    return c.json({ error: 'bad_request', reason: err.reason, detail: err.message }, 400);
  if (err instanceof KeywayError && err.reason === 'revocation_unavailable')
    return c.json({ error: 'revocation_unavailable', reason: err.reason, detail: err.message }, 503);
  throw err;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_LIMIT;
  const limit = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    throw new AdminInputError('invalid_limit', `limit: expected an integer from 1 to ${MAX_LIMIT}`);
  return limit;
}

/** Build the routes; `verifyForRevoke` must verify a presented token (signature and claims) before its jti is revoked.
 * A write answers 201 only after the store acknowledged it; 503 means nothing was written (each write is atomic). */
export function createRevocationAdminRoutes(
  guard: RevocationGuard,
  deps: Deps,
  verifyForRevoke: TokenResolver,
): Hono {
  const app = new Hono();
  app.post('/', adminBodyLimit(MAX_BODY_BYTES), async function revoke(c) {
    try {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new AdminInputError('invalid_json', 'expected a JSON body (Content-Type: application/json)');
      }
      const request = parseRevokeBody(body);
      const now = Math.floor(deps.clock() / 1000);
      const revoked = await applyRevokeRequest(request, guard, verifyForRevoke, now);
      return c.json({ revoked }, 201);
    } catch (err) {
      return failure(c, err);
    }
  });
  app.get('/', async function listRevocations(c) {
    try {
      const page = await guard.list(c.req.query('cursor'), parseLimit(c.req.query('limit')));
      return c.json({ items: page.items, next: page.next ?? null });
    } catch (err) {
      return failure(c, err);
    }
  });
  app.delete('/:jti', async function unrevoke(c) {
    try {
      const jti = parseJtiParam(c.req.param('jti'));
      const removed = await guard.unrevokeJti(jti);
      if (!removed)
        return c.json(
          { error: 'not_found', reason: 'not_revoked', detail: 'no revocation for this jti' },
          404,
        );
      return c.json({ jti, removed });
    } catch (err) {
      return failure(c, err);
    }
  });
  return app;
}
