// keyway's process part and first generation (createProcess + createGeneration: key stores, revocation guard, router,
// pipeline — the production wiring) built from a config object behind the real app, for app.request() tests.
import type { Hono } from 'hono';
import { buildApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import type { Deps } from '../../src/deps.js';
import { createGeneration, type Generation } from '../../src/generation.js';
import { createAuthAnswerer } from '../../src/http/auth-answer.js';
import type { Clock } from '../../src/lib/clock.js';
import type { Timers } from '../../src/lib/timers.js';
import { createProcess, type KeywayProcess } from '../../src/process.js';
import { createDecisionRecorder } from '../../src/respond/record-decision.js';
import type { RevocationGuard } from '../../src/revocation/guard.js';
import type { Router } from '../../src/route/router.js';
import { recordResponse, trackRegistry } from './audit.js';
import type { LogCapture } from './log-capture.js';
import { createTestDeps } from './test-deps.js';

export interface TestKeyway {
  readonly app: Hono;
  readonly config: Config;
  readonly deps: Deps;
  readonly logs: LogCapture;
  /** The parts: key stores, the revocation guard (in memory unless the config names a Redis), the router. */
  readonly runtime: TestRuntime;
  /** GET /auth (or /auth/{policy}) with the given headers. */
  auth(headers: Record<string, string>, path?: string): Promise<Response>;
  /** Stop background work (key refreshes, the guard's sync, health checks). */
  close(): Promise<void>;
}

/** The generation's parts plus the process's guard, started and closed together. */
export interface TestRuntime extends Omit<Generation, 'start'> {
  readonly process: KeywayProcess;
  readonly revocation: RevocationGuard;
  /** deps.clock (with the generation's parts, what explain runs on). */
  readonly clock: Clock;
  /** Start the generation's parts and the guard; `awaitKeys` waits for the first key and revocation loads. */
  start(awaitKeys: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface TestKeywayOptions {
  readonly clock?: Clock;
  /** Timers for the runtime's background work (a FakeTime's, to advance instead of sleeping). */
  readonly timers?: Timers;
  /** Fault injection: this router instead of the one the config describes. */
  readonly router?: Router;
  /** Start nothing (key stores, guard, router): to test what keyway answers before its first key load. */
  readonly noStart?: boolean;
  /** Files the config refers to (ca_file, key files, secret files); default: every file reads as "". */
  readonly readFile?: (path: string) => string;
}

/**
 * Tests read the decision line of the request they sent: unless the config says otherwise, every allow is logged
 * (production samples them: log.allow_lines, tested in test/unit/respond/record-decision.test.ts).
 */
function withEveryAllowLogged(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const log = (input as { log?: Record<string, unknown> }).log ?? {};
  return 'allow_lines' in log ? input : { ...input, log: { ...log, allow_lines: 'all' } };
}

/** Build the runtime for `input` and start it as the server does (first key and revocation loads awaited). */
export async function createTestKeyway(input: unknown, options: TestKeywayOptions = {}): Promise<TestKeyway> {
  const config = parseConfig(withEveryAllowLogged(input), 'test', {
    readFile: options.readFile ?? (() => ''),
  });
  const deps = createTestDeps(config, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.timers ? { timers: options.timers } : {}),
  });
  const logs = deps.logs;
  const router = options.router;
  const proc = createProcess(config, deps, router ? { createRouter: () => router } : {});
  const generation = createGeneration(proc, config);
  const runtime: TestRuntime = {
    ...generation,
    process: proc,
    revocation: proc.revocation,
    clock: deps.clock,
    async start(awaitKeys) {
      // The route table and key loads (the generation) and the revocation load (the process) side by side.
      const keys = generation.start(awaitKeys);
      const loaded = proc.start();
      await keys;
      if (awaitKeys) await loaded;
    },
    close: () => proc.close(),
  };
  if (!options.noStart) await runtime.start(true);
  const app = buildApp({
    answerAuth: createAuthAnswerer(runtime.decide, createDecisionRecorder(config.log, deps), config.server),
    readiness: () => runtime.readiness,
    server: config.server,
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
    runtime,
    auth: async (headers, path = '/auth') => app.request(path, { headers }),
    close: () => runtime.close(),
  };
}
