// /healthz (alive), /readyz (every gating readiness check ok, every check listed) and /metrics (Prometheus text).
import type { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { ReadinessCheck } from '../deps.js';

/** Register the probes; /metrics only when `registry` is given (it can live on the admin listener instead). */
export function mountProbes(app: Hono, checks: () => readonly ReadinessCheck[], registry?: Registry): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const results = checks().map((check) => {
      const { ok, detail, gates = true } = check.check();
      return { name: check.name, ok, detail, gates };
    });
    // Only a failing check that gates makes the instance unready; the others are listed for the operator.
    const ready = results.every((r) => r.ok || !r.gates);
    return c.json({ status: ready ? 'ready' : 'not_ready', checks: results }, ready ? 200 : 503);
  });
  if (registry) mountMetrics(app, registry);
}

/** Register GET /metrics for a registry. */
export function mountMetrics(app: Hono, registry: Registry): void {
  app.get('/metrics', async (c) =>
    c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType }),
  );
}
