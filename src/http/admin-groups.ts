// createAdminGroups: every admin route group (keys, revocations, routes, explain) and /admin/status.
import { Hono } from 'hono';
import type { Deps } from '../deps.js';
import type { Generation } from '../generation.js';
import type { ReloadResult } from '../reload.js';
import { knownIssuersOf } from '../revocation/admin/revoke-request.js';
import type { RevocationGuard } from '../revocation/guard.js';
import { VERSION } from '../version.js';
import type { AdminRoutes } from './admin-app.js';
import { adminErrorResponse } from './admin-errors.js';
import { createExplainAdminRoutes } from './admin-explain.js';
import { createKeyAdminRoutes } from './admin-keys.js';
import { createRevocationAdminRoutes } from './admin-revocations.js';
import { createRouteAdminRoutes } from './admin-routes.js';

/** What the admin API works on: the serving generation (read per call), the process's guard, and the reload. */
export interface AdminParts {
  /** The generation that serves now: every call reads it, so the admin app is built once and follows reloads. */
  readonly current: () => Generation;
  readonly revocation: RevocationGuard;
  readonly deps: Deps;
  /** Re-read the config and swap (POST /admin/reload). */
  readonly reload: () => Promise<ReloadResult>;
}

/** Build the admin route groups mounted by buildAdminApp. */
export function createAdminGroups(parts: AdminParts): AdminRoutes[] {
  const { current, revocation, deps, reload } = parts;
  const status = new Hono();
  status.get('/', (c) => {
    const { stores, router, config } = current();
    return c.json({
      version: VERSION,
      issuers: [...stores.values()].map((s) => s.status()),
      revocation: revocation.stats(),
      routing: { enabled: router.enabled },
      policies: config.policies.map((p) => p.name),
      dev_mode: config.devMode,
    });
  });
  // Revoking a presented token requires that it verifies against a configured issuer (any policy's issuers).
  const verifyForRevoke = async (token: string) => {
    const verified = await current().verify(token, undefined);
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
    { path: 'keys', app: createKeyAdminRoutes(() => current().stores) },
    {
      path: 'revocations',
      app: createRevocationAdminRoutes(revocation, deps, verifyForRevoke, () =>
        knownIssuersOf(current().config),
      ),
    },
    { path: 'routes', app: createRouteAdminRoutes(() => current().router) },
    {
      path: 'explain',
      app: createExplainAdminRoutes(() => {
        const { decide, stores, config } = current();
        return { decide, stores, config, clock: deps.clock };
      }),
    },
  ];
}
