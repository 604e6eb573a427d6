// createAdminGroups: every admin route group (keys, revocations, routes, explain) and /admin/status.
import { Hono } from 'hono';
import type { ReloadResult } from '../reload.js';
import type { Runtime } from '../runtime.js';
import { VERSION } from '../version.js';
import type { AdminRoutes } from './admin-app.js';
import { adminErrorResponse } from './admin-errors.js';
import { createExplainAdminRoutes } from './admin-explain.js';
import { createKeyAdminRoutes } from './admin-keys.js';
import { createRevocationAdminRoutes } from './admin-revocations.js';
import { createRouteAdminRoutes } from './admin-routes.js';

/** The running runtime's parts the admin API works on, plus the reload it can trigger. */
export type AdminParts = Pick<Runtime, 'deps' | 'stores' | 'revocation' | 'router' | 'verify' | 'decide'> & {
  /** Re-read the config and swap (POST /admin/reload). */
  readonly reload: () => Promise<ReloadResult>;
};

/** Build the admin route groups mounted by buildAdminApp. */
export function createAdminGroups(parts: AdminParts): AdminRoutes[] {
  const { deps, stores, revocation, router, verify, decide, reload } = parts;
  const status = new Hono();
  status.get('/', (c) =>
    c.json({
      version: VERSION,
      issuers: [...stores.values()].map((s) => s.status()),
      revocation: revocation.stats(),
      routing: { enabled: router.enabled },
      policies: deps.config.policies.map((p) => p.name),
      dev_mode: deps.config.devMode,
    }),
  );
  // Revoking a presented token requires that it verifies against a configured issuer (any policy's issuers).
  const verifyForRevoke = async (token: string) => {
    const verified = await verify(token, undefined);
    const { jti, exp, sub } = verified.claims;
    return {
      jti: typeof jti === 'string' ? jti : undefined,
      exp: typeof exp === 'number' ? exp : undefined,
      sub: typeof sub === 'string' ? sub : undefined,
    };
  };
  const reloadRoute = new Hono();
  reloadRoute.post('/', async (c) => {
    const result = await reload();
    const body = { reloaded: result.ok, problems: result.problems };
    return result.ok ? c.json(body) : adminErrorResponse(c, 'reload_refused', undefined, body);
  });
  return [
    { path: 'status', app: status },
    { path: 'reload', app: reloadRoute },
    { path: 'keys', app: createKeyAdminRoutes(stores) },
    { path: 'revocations', app: createRevocationAdminRoutes(revocation, deps, verifyForRevoke) },
    { path: 'routes', app: createRouteAdminRoutes(router) },
    { path: 'explain', app: createExplainAdminRoutes({ decide, stores, deps }) },
  ];
}
