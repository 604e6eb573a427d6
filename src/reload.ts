// createReloader: re-read the config, build and start a new runtime, swap it in — or keep the current one and say why.
import { Counter, Gauge } from 'prom-client';
import type { Config } from './config/types.js';
import type { Deps } from './deps.js';
import { ConfigError, formatConfigIssue } from './errors.js';
import { retentionOf } from './revocation/retention.js';
import { createRuntime, type Runtime, runtimeParts } from './runtime.js';

/** What a reload did: `ok` with notes (settings needing a restart), or refused with the problems. */
export interface ReloadResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
}

/** The running runtime, read on every request and replaced by a reload. */
export interface RuntimeCell {
  get(): Runtime;
  set(runtime: Runtime): void;
}

export interface Reloader {
  /** Single-flight: a call during a reload queues one more (calls meanwhile share it), so no change is missed. */
  reload(): Promise<ReloadResult>;
  /** Resolves when no reload is running (shutdown waits for it). */
  idle(): Promise<unknown>;
  /** Refuse every later reload (shutdown): a runtime built after close() would never be closed. */
  stop(): void;
}

/**
 * Sections a reload cannot change: the sockets are bound (server, admin), the logger is built (log), and the
 * revocation store keeps its mirror and connections for the life of the process (revocation).
 */
function restartOnlyChanges(before: Config, after: Config): string[] {
  const sections = ['server', 'admin', 'log', 'revocation'] as const;
  const changed: string[] = sections.filter(
    (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]),
  );
  if (before.limits.max_concurrent_jwks_fetches !== after.limits.max_concurrent_jwks_fetches)
    changed.push('limits.max_concurrent_jwks_fetches');
  return changed;
}

/**
 * A new router (the routing section changed) that could not read its table must not replace one that had a table:
 * with the table's Redis down, every routed request would get no_upstream. Throws to refuse the reload.
 */
function refuseRouterWithoutTable(previous: Runtime, next: Runtime): void {
  if (next.router === previous.router || !next.router.enabled) return;
  const before = previous.router.snapshot().source;
  const after = next.router.snapshot().source;
  if (after === undefined || after.loaded || !before?.loaded) return;
  throw new ConfigError(previous.deps.config.source, [
    {
      path: 'routing',
      code: 'unreadable_file',
      message: `the new route table could not be read from ${after.kind} ${after.location} (${after.lastError ?? 'no table yet'}); keeping the running config`,
    },
  ]);
}

/**
 * The revocation store keeps entries for the largest verify leeway it started with: a reload may not raise an
 * issuer's leeway past it, or a revoked token would be accepted again for the difference. Throws ConfigError.
 */
function refuseLongerLeeway(started: Config, next: Config): void {
  const kept = retentionOf(started).leeway * 1000;
  const problems = next.issuers
    .map((issuer, i) => [issuer, i] as const)
    .filter(([issuer]) => issuer.leeway > kept)
    .map(([, i]) => ({
      path: `issuers[${i}].leeway`,
      code: 'restart_required' as const,
      message: `larger than the ${kept / 1000}s revocation entries are kept past exp; restart to raise it`,
    }));
  if (problems.length > 0) throw new ConfigError(next.source, problems);
}

function reloadCounter(deps: Deps): Counter<'outcome'> {
  const existing = deps.metrics.registry.getSingleMetric('keyway_config_reloads_total');
  return (
    (existing as Counter<'outcome'> | undefined) ??
    new Counter({
      name: 'keyway_config_reloads_total',
      help: 'Config reloads (SIGHUP or POST /admin/reload) by outcome (ok|refused).',
      labelNames: ['outcome'],
      registers: [deps.metrics.registry],
    })
  );
}

/**
 * keyway_config_last_reload_successful (1 after the start config and every swap, 0 after a refused reload: the running
 * config is not the one on disk) and keyway_config_last_reload_success_timestamp_seconds, as Prometheus itself names them.
 */
function lastReloadGauges(deps: Deps): { ok(): void; refused(): void } {
  const registry = deps.metrics.registry;
  const gauge = (name: string, help: string) =>
    (registry.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help, registers: [registry] });
  const successful = gauge(
    'keyway_config_last_reload_successful',
    'Whether the last config load (start or reload) succeeded: 0 means a reload was refused and the old config runs.',
  );
  const at = gauge(
    'keyway_config_last_reload_success_timestamp_seconds',
    'Unix time of the last successful config load (start or reload).',
  );
  const ok = () => {
    successful.set(1);
    at.set(Math.floor(deps.clock() / 1000));
  };
  ok();
  return { ok, refused: () => successful.set(0) };
}

/** Build the reloader; `loadConfig` re-reads the file/env (without it every reload is refused); `onSwap` runs after a swap. */
export function createReloader(
  cell: RuntimeCell,
  deps: Deps,
  loadConfig: (() => Config) | undefined,
  onSwap: () => void,
): Reloader {
  const started = deps.config;
  const reloads = reloadCounter(deps);
  const lastReload = lastReloadGauges(deps);
  let running: Promise<ReloadResult> | undefined;
  let stopped = false;

  async function swap(): Promise<ReloadResult> {
    if (!loadConfig) return { ok: false, problems: ['no config source to reload from'] };
    if (stopped) return { ok: false, problems: ['shutting down'] };
    let next: Runtime | undefined;
    let previous: Runtime | undefined;
    let changed: string[];
    let source: string;
    try {
      const config = loadConfig();
      source = config.source;
      changed = restartOnlyChanges(started, config);
      refuseLongerLeeway(started, config);
      previous = cell.get();
      // The revocation store (its mirror, its Redis connections) lives as long as the process: always handed over.
      // Its section stays the started one everywhere (max_token_lifetime must match the retention the store applies).
      const effective: Config = { ...config, revocation: started.revocation };
      next = createRuntime({ ...deps, config: effective }, { revocation: previous.revocation, previous });
      await next.start(true);
      if (stopped) throw new Error('shutting down');
      refuseRouterWithoutTable(previous, next);
    } catch (err) {
      // What was taken over from the running runtime stays with it.
      await next?.close(previous ? runtimeParts(previous) : undefined);
      reloads.inc({ outcome: 'refused' });
      lastReload.refused();
      const problems =
        err instanceof ConfigError
          ? err.issues.map((i) => `${i.source}: ${formatConfigIssue(i)}`)
          : [(err as Error).message];
      deps.log.error({ problems }, 'config reload refused: keeping the current config');
      return { ok: false, problems };
    }
    // Swapped: from here on the new runtime serves, whatever closing the old one does.
    cell.set(next);
    onSwap();
    forgetRemovedIssuers(previous, next);
    await previous
      .close(runtimeParts(next))
      .catch((err: unknown) => deps.log.warn({ err }, 'closing the previous runtime failed'));
    // After close: a closed router's checks no longer report, so its removed series stay removed.
    forgetRemovedUpstreams(previous, next);
    reloads.inc({ outcome: 'ok' });
    lastReload.ok();
    deps.log.info({ source, restart_needed_for: changed }, 'config reloaded');
    return { ok: true, problems: changed.map((key) => `${key} changed: takes effect after a restart`) };
  }

  /** An upstream the new router no longer tracks must not keep reporting its last health. */
  function forgetRemovedUpstreams(before: Runtime, after: Runtime): void {
    if (before.router === after.router) return;
    const kept = new Set(after.router.snapshot().upstreams.map((u) => u.upstream));
    const healthy = deps.metrics.registry.getSingleMetric('keyway_upstream_healthy') as Gauge | undefined;
    for (const { upstream } of before.router.snapshot().upstreams)
      if (!kept.has(upstream)) healthy?.remove({ upstream });
  }

  /** An issuer the new config no longer has must not keep reporting its last key count and age. */
  function forgetRemovedIssuers(before: Runtime, after: Runtime): void {
    for (const issuer of before.stores.keys()) {
      if (after.stores.has(issuer)) continue;
      deps.metrics.keysLoaded.remove({ issuer });
      deps.metrics.keyAgeSeconds.remove({ issuer });
    }
  }

  let queued: Promise<ReloadResult> | undefined;
  function reload(): Promise<ReloadResult> {
    if (!running) {
      running = swap().finally(() => {
        running = undefined;
      });
      return running;
    }
    // A trigger during a reload may carry a change the running one has not read (a second save): run once more
    // after it; every trigger meanwhile shares that one.
    queued ??= running.then(() => {
      queued = undefined;
      return reload();
    });
    return queued;
  }

  return {
    reload,
    idle: () => queued ?? running ?? Promise.resolve(),
    stop() {
      stopped = true;
    },
  };
}
