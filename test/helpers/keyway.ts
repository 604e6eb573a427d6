// A keyway pipeline built from a config object with real key stores, for app.request() tests (no socket).
import type { Hono } from 'hono';
import { buildApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import type { Deps } from '../../src/deps.js';
import { createLogger } from '../../src/infra/log.js';
import { createMetrics } from '../../src/infra/metrics.js';
import { type Clock, systemClock } from '../../src/lib/clock.js';
import { createDecide } from '../../src/pipeline/decide.js';
import type { RevocationCheck, UpstreamSelector } from '../../src/pipeline/decision.js';
import { compilePolicies } from '../../src/policy/compile-policies.js';
import { createDecisionRecorder } from '../../src/respond/record-decision.js';
import { createKeyStores } from '../../src/verify/issuer-key-store.js';
import { createTokenVerifier } from '../../src/verify/verify-token.js';
import { recordResponse, trackRegistry } from './audit.js';
import { createLogCapture, type LogCapture } from './log-capture.js';

export interface TestKeyway {
  readonly app: Hono;
  readonly config: Config;
  readonly deps: Deps;
  readonly logs: LogCapture;
  /** GET /auth (or /auth/{policy}) with the given headers. */
  auth(headers: Record<string, string>, path?: string): Promise<Response>;
  close(): void;
}

export interface TestKeywayOptions {
  readonly clock?: Clock;
  readonly revocation?: (deps: Deps) => RevocationCheck;
  readonly router?: (deps: Deps) => UpstreamSelector;
  /** Skip awaiting the key stores' first load (to test keys_unavailable at start). */
  readonly noStart?: boolean;
  /** Files the config refers to (ca_file, key files, secret files); default: every file reads as "". */
  readonly readFile?: (path: string) => string;
}

/** Build and start (first key load awaited) a pipeline for `input`. */
export async function createTestKeyway(input: unknown, options: TestKeywayOptions = {}): Promise<TestKeyway> {
  const config = parseConfig(input, 'test', { readFile: options.readFile ?? (() => '') });
  const logs = createLogCapture();
  const deps: Deps = {
    config,
    clock: options.clock ?? systemClock,
    log: createLogger('debug', logs),
    metrics: createMetrics({ processMetrics: false }),
    fetch: globalThis.fetch,
  };
  const stores = createKeyStores(config, deps);
  if (!options.noStart) await Promise.all([...stores.values()].map((s) => s.start()));
  const decide = createDecide({
    config,
    selectPolicy: compilePolicies(config, deps),
    verify: createTokenVerifier(config.issuers, stores, deps),
    revocation: options.revocation?.(deps),
    router: options.router?.(deps),
  });
  const app = buildApp({
    decide,
    record: createDecisionRecorder(deps),
    readiness: () =>
      [...stores.values()].map((s) => ({
        name: `keys:${s.status().issuer}`,
        check: () => ({ ok: s.status().ready, detail: '' }),
      })),
    registry: deps.metrics.registry,
    log: deps.log,
  });
  // Secrets audit: every response and the metrics text are recorded (test/helpers/audit.ts).
  const request = app.request;
  app.request = async (...args: Parameters<Hono['request']>) => {
    const res = await request(...args);
    // The request path only: a query may carry a token the test sent (input, not output).
    await recordResponse(res, String(args[0]).split('?')[0] ?? '');
    return res;
  };
  trackRegistry(deps.metrics.registry);
  return {
    app,
    config,
    deps,
    logs,
    auth: async (headers, path = '/auth') => app.request(path, { headers }),
    close: () => {
      for (const s of stores.values()) s.close();
    },
  };
}
