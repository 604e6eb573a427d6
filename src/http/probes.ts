// /healthz (alive), /readyz (every gating readiness check ok, every check listed) and /metrics (Prometheus text).
import type { Hono, MiddlewareHandler } from 'hono';
import type { Registry } from 'prom-client';
import type { ReadinessCheck } from '../deps.js';
import { AdminError } from './admin-errors.js';

/** Whether a request's Host header may read the probes (see createHostCheck); default: every Host. */
export type HostCheck = (host: string | undefined) => boolean;

/**
 * Register the probes; /metrics only when `registry` is given (it can live on the admin listener instead). A request
 * whose Host fails `isAllowedHost` gets 421 host_not_allowed: a web page rebinding its own name to this address
 * (DNS rebinding) must not read readiness details or metrics.
 */
export function mountProbes(
  app: Hono,
  checks: () => readonly ReadinessCheck[],
  registry?: Registry,
  isAllowedHost: HostCheck = () => true,
): void {
  const hostGuard: MiddlewareHandler = async (c, next) => {
    if (isAllowedHost(c.req.header('host'))) return next();
    throw new AdminError('host_not_allowed');
  };
  app.get('/healthz', hostGuard, (c) => c.json({ status: 'ok' }));
  app.get('/readyz', hostGuard, (c) => {
    const results = checks().map((check) => {
      const { ok, detail, gates = true } = check.check();
      return { name: check.name, ok, detail, gates };
    });
    // Only a failing check that gates makes the instance unready; the others are listed for the operator.
    const ready = results.every((r) => r.ok || !r.gates);
    return c.json({ status: ready ? 'ready' : 'not_ready', checks: results }, ready ? 200 : 503);
  });
  if (registry) {
    app.use('/metrics', hostGuard);
    mountMetrics(app, registry);
  }
}

/** Register GET /metrics for a registry. */
export function mountMetrics(app: Hono, registry: Registry): void {
  app.get('/metrics', async (c) =>
    c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType }),
  );
}
