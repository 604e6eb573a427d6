// createTestDeps: the one way tests build Deps — through createDeps, with a captured logger and a private registry.
import type { Config } from '../../src/config/types.js';
import type { Deps } from '../../src/deps.js';
import { createDeps } from '../../src/deps-create.js';
import { createLogger } from '../../src/infra/log.js';
import { createMetrics } from '../../src/infra/metrics.js';
import { createLogCapture, type LogCapture } from './log-capture.js';

export type TestDeps = Deps & {
  /** Every line the logger wrote (unless `overrides.log` replaced it). */
  readonly logs: LogCapture;
};

export type TestDepsOverrides = Partial<Omit<Deps, 'config'>> & {
  /** The captured logger's level (default debug). */
  readonly level?: string;
};

/** createDeps(config) with test defaults: a captured logger and a metrics registry without process metrics; any part
 *  (clock, timers, fetch, log, metrics) can be overridden, e.g. with a FakeTime's clock and timers. */
export function createTestDeps(config: Config, overrides: TestDepsOverrides = {}): TestDeps {
  const { level = 'debug', ...parts } = overrides;
  const logs = createLogCapture();
  const deps = createDeps(config, {
    log: createLogger(level, logs),
    metrics: createMetrics({ processMetrics: false }),
    ...parts,
  });
  return { ...deps, logs };
}
