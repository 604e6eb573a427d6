// Admin key routes: list keys per issuer, force a refresh, forget cached JWKS keys.
import { Hono } from 'hono';
import type { AdminKeyStore } from '../keys/issuer-key-store.js';
import { adminErrorResponse } from './admin-errors.js';

/** Routes under /admin/keys over the serving key stores (read per call): GET /, POST /refresh, DELETE /,
 *  DELETE /:kid (404 no_such_key when no store had it). Key material is never shown. */
export function createKeyAdminRoutes(stores: () => ReadonlyMap<string, AdminKeyStore>): Hono {
  const app = new Hono();
  const all = () => [...stores().values()];
  app.get('/', (c) => c.json({ issuers: all().map((store) => ({ ...store.status(), keys: store.list() })) }));
  app.post('/refresh', async (c) => {
    await Promise.allSettled(all().map((store) => store.refresh()));
    return c.json({ issuers: all().map((store) => store.status()) });
  });
  app.delete('/', (c) => c.json({ forgotten: all().reduce((n, store) => n + store.forget(), 0) }));
  app.delete('/:kid', (c) => {
    const forgotten = all().reduce((n, store) => n + store.forget(c.req.param('kid')), 0);
    return forgotten > 0
      ? c.json({ forgotten })
      : adminErrorResponse(c, 'no_such_key', undefined, { forgotten });
  });
  return app;
}
