// GET /admin/routes: the route table with each upstream's health (read-only).
import { Hono } from 'hono';
import type { Router } from '../route/router.js';

/** The `routes` admin group: `GET /` answers the serving router's snapshot (read per call) as JSON. */
export function createRouteAdminRoutes(router: () => Router): Hono {
  const app = new Hono();
  app.get('/', (c) => c.json(router().snapshot()));
  return app;
}
