// buildAdminApp: the admin listener's Hono app; every route behind the admin bearer token.
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createAdminAuth } from './admin-auth.js';
import { mountMetrics } from './probes.js';

/** A group of admin routes mounted under `/admin/<path>` (e.g. "revocations", "keys", "routes"). */
export interface AdminRoutes {
  readonly path: string;
  readonly app: Hono;
}

/** What the admin app needs besides its routes. */
export interface AdminAppOptions {
  readonly adminToken: string;
  /** Serve GET /metrics here, for the admin token or `metricsToken` (a scraper need not hold revocation powers). */
  readonly metrics?: { readonly registry: Registry; readonly metricsToken: string | undefined };
  /** Where an unexpected error in an admin route is logged (it is answered 500 without details). */
  readonly log?: Logger;
}

/** Build the admin app; callers mount it on the admin listener only when an admin token is configured. */
export function buildAdminApp(options: AdminAppOptions, groups: readonly AdminRoutes[]): Hono {
  const app = new Hono();
  app.use('/admin/*', createAdminAuth(options.adminToken));
  for (const group of groups) app.route(`/admin/${group.path}`, group.app);
  if (options.metrics) {
    const { registry, metricsToken } = options.metrics;
    const tokens = metricsToken === undefined ? [options.adminToken] : [options.adminToken, metricsToken];
    app.use('/metrics', createAdminAuth(...tokens));
    mountMetrics(app, registry);
  }
  app.notFound((c) => c.json({ error: 'not_found', reason: 'no_such_admin_route' }, 404));
  app.onError((err, c) => {
    options.log?.error({ err, path: c.req.path }, 'admin route failed');
    return c.json({ error: 'internal_error', reason: 'internal_error', detail: err.name }, 500);
  });
  return app;
}
