// buildAdminApp: the admin listener's Hono app; every route behind the admin bearer token.
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createAdminAuth } from './admin-auth.js';
import { adminErrorResponse, createErrorHandler } from './admin-errors.js';
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

/** Build the admin app; callers mount it on the admin listener only when an admin token is configured. Every error
 *  body comes from ADMIN_REASONS (src/http/admin-errors.ts), through one onError. */
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
  app.notFound((c) => adminErrorResponse(c, 'no_such_admin_route'));
  app.onError(createErrorHandler(options.log, 'admin route failed', true));
  return app;
}
