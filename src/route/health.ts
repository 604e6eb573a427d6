// Active health checks: GET http://<upstream><path> every interval, with healthy/unhealthy thresholds.
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import { systemTimers, type Timer, type Timers } from '../lib/timers.js';
import type { RouteMetrics } from './route-metrics.js';

/** `routing.health` from the config (durations in milliseconds). */
export interface HealthOptions {
  readonly enabled: boolean;
  readonly path: string;
  readonly interval: number;
  readonly timeout: number;
  readonly healthy_threshold: number;
  readonly unhealthy_threshold: number;
}

/** The health of one upstream, as shown in /admin/routes. */
export interface UpstreamHealth {
  readonly upstream: string;
  readonly healthy: boolean;
  /** False until the first check has finished (an unchecked upstream is not chosen). */
  readonly checked: boolean;
  readonly consecutiveSuccesses: number;
  readonly consecutiveFailures: number;
  readonly lastCheckAt: number | undefined;
  readonly lastStatus: number | undefined;
  readonly lastError: string | undefined;
}

/** The active checks of the table's upstreams; isHealthy is a memory lookup. */
export interface HealthChecker {
  /** True when the upstream may be chosen: checks disabled, or its last transition was to healthy. */
  isHealthy(upstream: string): boolean;
  /**
   * Track exactly these upstreams: new ones are checked at once, removed ones forgotten (and their metrics). Resolves
   * once every listed upstream has had its first check. Does nothing after close().
   */
  setUpstreams(upstreams: readonly string[]): Promise<void>;
  /** Check every upstream once (resolves when done), then keep checking every interval. */
  start(): Promise<void>;
  /** Run one round of checks now (tests, and an operator's "check again"). */
  checkNow(): Promise<void>;
  close(): Promise<void>;
  snapshot(): readonly UpstreamHealth[];
}

type Outcome = 'ok' | 'http_error' | 'timeout' | 'network';

/** Health probes in flight at once, per router. */
export const PROBE_CONCURRENCY = 64;

type State = { -readonly [K in keyof UpstreamHealth]: UpstreamHealth[K] };

/** Create a checker; with `enabled: false` every upstream is always healthy and nothing is probed. */
export function createHealthChecker(
  options: HealthOptions,
  deps: {
    readonly fetch: typeof fetch;
    readonly clock: Clock;
    readonly log: Logger;
    readonly metrics: RouteMetrics;
    /** The check interval's timer (Deps.timers; system timers when absent). */
    readonly timers?: Timers;
  },
): HealthChecker {
  const timers = deps.timers ?? systemTimers;
  const states = new Map<string, State>();
  // The running check of each upstream: asking again joins it (a table waiting for a first check must wait for it).
  const inFlight = new Map<string, Promise<void>>();
  let timer: Timer | undefined;
  let started = false;
  let closed = false;

  const probe = (upstream: string): Promise<void> => {
    const running = inFlight.get(upstream);
    if (running) return running;
    const check = probeOnce(upstream).finally(() => inFlight.delete(upstream));
    inFlight.set(upstream, check);
    return check;
  };

  const probeOnce = async (upstream: string): Promise<void> => {
    let outcome: Outcome = 'ok';
    let status: number | undefined;
    let error: string | undefined;
    // The timeout on Deps.timers (not AbortSignal.timeout), so a test advances it instead of waiting it out.
    const abort = new AbortController();
    const deadline = timers.setTimeout(
      () => abort.abort(new DOMException(`no answer within ${options.timeout} ms`, 'TimeoutError')),
      options.timeout,
    );
    deadline.unref();
    try {
      const res = await deps.fetch(`http://${upstream}${options.path}`, {
        signal: abort.signal,
        redirect: 'manual',
        headers: { 'user-agent': 'keyway-health-check' },
      });
      status = res.status;
      await res.body?.cancel();
      if (status < 200 || status >= 400) {
        outcome = 'http_error';
        error = `HTTP ${status}`;
      }
    } catch (err) {
      const name = (err as Error).name;
      outcome = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network';
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      error =
        outcome === 'timeout' ? `no answer within ${options.timeout} ms` : (cause ?? (err as Error).message);
    } finally {
      timers.clear(deadline);
    }
    const state = states.get(upstream);
    if (!state || closed) return; // removed from the table, or the checker closed, while the check ran
    record(state, outcome, status, error);
  };

  const record = (
    state: State,
    outcome: Outcome,
    status: number | undefined,
    error: string | undefined,
  ): void => {
    const ok = outcome === 'ok';
    const was = state.checked ? state.healthy : undefined;
    state.lastCheckAt = deps.clock();
    state.lastStatus = status;
    state.lastError = error;
    state.consecutiveSuccesses = ok ? state.consecutiveSuccesses + 1 : 0;
    state.consecutiveFailures = ok ? 0 : state.consecutiveFailures + 1;
    if (!state.checked)
      state.healthy = ok; // the first result decides at once
    else if (ok && state.consecutiveSuccesses >= options.healthy_threshold) state.healthy = true;
    else if (!ok && state.consecutiveFailures >= options.unhealthy_threshold) state.healthy = false;
    state.checked = true;
    deps.metrics.healthChecks.inc({ upstream: state.upstream, outcome });
    deps.metrics.upstreamHealthy.set({ upstream: state.upstream }, state.healthy ? 1 : 0);
    if (was !== state.healthy) {
      const line = { upstream: state.upstream, healthy: state.healthy, status, err: error };
      if (state.healthy) deps.log.info(line, 'upstream is healthy');
      else deps.log.warn(line, 'upstream is unhealthy');
    }
  };

  const fresh = (upstream: string): State => ({
    upstream,
    healthy: !options.enabled,
    checked: !options.enabled,
    consecutiveSuccesses: 0,
    consecutiveFailures: 0,
    lastCheckAt: undefined,
    lastStatus: undefined,
    lastError: undefined,
  });

  // At most PROBE_CONCURRENCY probes at once (each one's timeout starts when it is sent): a table of thousands of
  // upstreams must not open thousands of connections at once and time them all out against keyway's own queue.
  const probeAll = async (upstreams: readonly string[]): Promise<void> => {
    let next = 0;
    const worker = async () => {
      while (next < upstreams.length) await probe(upstreams[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, upstreams.length) }, worker));
  };
  const checkAll = (): Promise<void> => probeAll([...states.keys()]);

  return {
    isHealthy: (upstream) => states.get(upstream)?.healthy ?? !options.enabled,
    async setUpstreams(upstreams) {
      if (closed) return;
      const wanted = new Set(upstreams);
      for (const upstream of states.keys()) {
        if (wanted.has(upstream)) continue;
        states.delete(upstream);
        deps.metrics.upstreamHealthy.remove({ upstream });
        for (const outcome of ['ok', 'http_error', 'timeout', 'network'])
          deps.metrics.healthChecks.remove({ upstream, outcome });
      }
      const added = upstreams.filter((u) => !states.has(u));
      for (const upstream of added) {
        states.set(upstream, fresh(upstream));
        if (!options.enabled) deps.metrics.upstreamHealthy.set({ upstream }, 1);
      }
      // Resolves once every listed upstream has had a first check (new ones, and ones whose first check is running).
      if (started && options.enabled) await probeAll(upstreams.filter((u) => !states.get(u)?.checked));
    },
    async start() {
      started = true;
      if (!options.enabled) return;
      await checkAll();
      timer = timers.setInterval(() => void checkAll(), options.interval);
      timer.unref();
    },
    checkNow: () => (options.enabled ? checkAll() : Promise.resolve()),
    async close() {
      started = false;
      closed = true;
      timers.clear(timer);
    },
    snapshot: () => [...states.values()].map((s) => ({ ...s })),
  };
}
