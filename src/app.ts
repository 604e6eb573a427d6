// buildApp: the main listener's Hono app (decision + probes); never listens.
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ReadinessCheck } from './deps.js';
import { adminErrorResponse, createErrorHandler } from './http/admin-errors.js';
import type { AuthAnswerer } from './http/auth-answer.js';
import { mountAuthRoutes } from './http/auth-route.js';
import { createHostCheck } from './http/probe-hosts.js';
import { mountProbes } from './http/probes.js';

export interface AppParts {
  /** The /auth answerer (createAuthAnswerer): the same one the node listener's fast path uses. */
  readonly answerAuth: AuthAnswerer;
  readonly readiness: () => readonly ReadinessCheck[];
  /** The server section's settings for the probes (allowed_hosts): pass config.server. */
  readonly server: { readonly allowed_hosts?: readonly string[] };
  /** Serve /metrics here (undefined when server.metrics_on_admin moves it to the admin listener). */
  readonly registry: Registry | undefined;
  /** Where an unexpected error outside the pipeline is logged (the pipeline logs its own). */
  readonly log: Logger;
  /** Extra routes, e.g. the dev issuer's JWKS. */
  readonly extra?: (app: Hono) => void;
}

/** Build the main app. Unknown paths answer 404 JSON; an unexpected throw answers 500 internal_error (a bug). */
export function buildApp(parts: AppParts): Hono {
  const app = new Hono();
  mountAuthRoutes(app, parts.answerAuth);
  mountProbes(app, parts.readiness, parts.registry, createHostCheck(parts.server.allowed_hosts));
  parts.extra?.(app);
  app.notFound((c) => adminErrorResponse(c, 'no_such_route'));
  app.onError(createErrorHandler(parts.log, 'unhandled error', false));
  return app;
}
