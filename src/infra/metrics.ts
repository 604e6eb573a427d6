// The private prom-client registry and keyway's metrics. Labels are bounded (reason codes, policy and issuer names).
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { VERSION } from '../version.js';
import { droppedLogLines } from './log.js';
import {
  createScrapeCounter,
  createScrapeHistogram,
  type ScrapeCounter,
  type ScrapeHistogram,
} from './scrape-metrics.js';

export interface Metrics {
  readonly registry: Registry;
  readonly decisions: ScrapeCounter<'result' | 'reason' | 'policy'>;
  readonly decisionSeconds: ScrapeHistogram<'result'>;
  readonly jwksFetches: Counter<'issuer' | 'outcome'>;
  readonly keysLoaded: Gauge<'issuer'>;
  readonly keyAgeSeconds: Gauge<'issuer'>;
  readonly keysSkipped: Counter<'issuer' | 'why'>;
}

/**
 * Create a fresh registry with keyway's metrics (and Node process metrics unless disabled, e.g. in tests);
 * `droppedLogLines` reads the stdout sink's drop count unless a test passes its own.
 */
export function createMetrics(
  options: { processMetrics?: boolean; droppedLogLines?: () => number } = {},
): Metrics {
  const dropped = options.droppedLogLines ?? droppedLogLines;
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'keyway_' });
  const registers = [registry];
  // Always 1: the labels say which build runs (version, Node), so a dashboard can show a mixed fleet mid-deploy.
  new Gauge({
    name: 'keyway_build_info',
    help: 'The running build: version and Node.js version as labels (always 1).',
    labelNames: ['version', 'node'],
    registers,
  }).set({ version: VERSION, node: process.versions.node }, 1);
  // Read at scrape time from the process's stdout sink (log-sink.ts): a log pipeline that cannot keep up shows here.
  new Counter({
    name: 'keyway_log_lines_dropped_total',
    help: 'Log lines dropped because standard output could not keep up (a full pipe with 8 MiB already queued).',
    registers,
    collect() {
      this.reset();
      const lines = dropped();
      if (lines > 0) this.inc(lines);
    },
  });
  return {
    registry,
    // Per request: plain numbers, rendered at scrape time (scrape-metrics.ts).
    decisions: createScrapeCounter({
      name: 'keyway_decisions_total',
      help: 'Forward-auth decisions by result (allow|deny), reason code and policy.',
      labelNames: ['result', 'reason', 'policy'],
      registry,
    }),
    decisionSeconds: createScrapeHistogram({
      name: 'keyway_decision_duration_seconds',
      help: 'Time to decide one forward-auth request.',
      labelNames: ['result'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registry,
    }),
    jwksFetches: new Counter({
      name: 'keyway_jwks_fetches_total',
      help: 'JWKS/discovery fetch attempts by issuer and outcome (ok|http_error|timeout|invalid|too_large|network|no_usable_keys).',
      labelNames: ['issuer', 'outcome'],
      registers,
    }),
    keysLoaded: new Gauge({
      name: 'keyway_keys_loaded',
      help: 'Verification keys currently usable, by issuer.',
      labelNames: ['issuer'],
      registers,
    }),
    keyAgeSeconds: new Gauge({
      name: 'keyway_jwks_age_seconds',
      help: 'Seconds since the issuer JWKS was last fetched successfully.',
      labelNames: ['issuer'],
      registers,
    }),
    keysSkipped: new Counter({
      name: 'keyway_keys_skipped_total',
      help: 'JWKS keys skipped as unusable or weak, by issuer and why.',
      labelNames: ['issuer', 'why'],
      registers,
    }),
  };
}
