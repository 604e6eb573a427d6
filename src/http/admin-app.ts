// buildAdminApp: the admin listener's Hono app; every route behind the admin bearer token.
import { Hono } from 'hono';
import { createAdminAuth } from './admin-auth.js';

/** A group of admin routes mounted under `/admin/<path>` (e.g. "revocations", "keys", "routes"). */
export interface AdminRoutes {
  readonly path: string;
  readonly app: Hono;
}

/** Build the admin app; callers mount it on the admin listener only when an admin token is configured. */
export function buildAdminApp(
  adminToken: string,
  groups: readonly AdminRoutes[],
  extra?: (app: Hono) => void,
): Hono {
  const app = new Hono();
  app.use('/admin/*', createAdminAuth(adminToken));
  for (const group of groups) app.route(`/admin/${group.path}`, group.app);
  extra?.(app);
  app.notFound((c) => c.json({ error: 'not_found', reason: 'no_such_admin_route' }, 404));
  app.onError((err, c) =>
    c.json({ error: 'internal_error', reason: 'internal_error', detail: err.name }, 500),
  );
  return app;
}
