// createReloader: load → check restart-only sections → build a generation → await its first loads → swap → sweep.
import { Counter, Gauge } from 'prom-client';
import type { Config } from './config/types.js';
import { ConfigError, formatConfigIssue } from './errors.js';
import { createGeneration, type Generation } from './generation.js';
import { sectionKey } from './lib/section-key.js';
import type { KeywayProcess } from './process.js';

/** What a reload did: `ok` with notes (settings needing a restart), or refused with the problems. */
export interface ReloadResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
}

/** The generation that serves: read on every request (and by the admin API), replaced by a reload. */
export interface GenerationCell {
  get(): Generation;
  set(generation: Generation): void;
}

export interface Reloader {
  /** Single-flight: a call during a reload queues one more (calls meanwhile share it), so no change is missed. */
  reload(): Promise<ReloadResult>;
  /** Resolves when no reload is running (shutdown waits for it). */
  idle(): Promise<unknown>;
  /** Refuse every later reload (shutdown): parts built after the process closed would never be closed. */
  stop(): void;
}

/**
 * Sections a reload cannot change: the sockets are bound (server, admin), the logger is built (log), and the
 * revocation store keeps its mirror and connections for the life of the process (revocation; its derived retention
 * follows the issuers' leeways and is checked by refuseLongerLeeway instead).
 */
function restartOnlyChanges(before: Config, after: Config): string[] {
  const sections = ['server', 'admin', 'log', 'revocation'] as const;
  const keyOf = (config: Config, section: (typeof sections)[number]) =>
    sectionKey(section === 'revocation' ? { ...config.revocation, retention: undefined } : config[section]);
  const changed: string[] = sections.filter((section) => keyOf(before, section) !== keyOf(after, section));
  if (before.limits.max_concurrent_jwks_fetches !== after.limits.max_concurrent_jwks_fetches)
    changed.push('limits.max_concurrent_jwks_fetches');
  return changed;
}

/**
 * A new router (the routing section changed) that could not read its table must not replace one that had a table:
 * with the table's Redis down, every routed request would get no_upstream. Throws to refuse the reload.
 */
function refuseRouterWithoutTable(previous: Generation, next: Generation): void {
  if (next.router === previous.router || !next.router.enabled) return;
  const before = previous.router.snapshot().source;
  const after = next.router.snapshot().source;
  if (after === undefined || after.loaded || !before?.loaded) return;
  throw new ConfigError(previous.config.source, [
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
  const kept = started.revocation.retention.leeway * 1000;
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

/**
 * keyway_config_reloads_total, keyway_config_last_reload_successful (1 after the start config and every swap, 0
 * after a refused reload: the running config is not the one on disk) and
 * keyway_config_last_reload_success_timestamp_seconds, as Prometheus itself names them. Registered once.
 */
function reloadMetrics(proc: KeywayProcess): { ok(): void; refused(): void } {
  const { registry } = proc.deps.metrics;
  const reloads = new Counter({
    name: 'keyway_config_reloads_total',
    help: 'Config reloads (SIGHUP or POST /admin/reload) by outcome (ok|refused).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const successful = new Gauge({
    name: 'keyway_config_last_reload_successful',
    help: 'Whether the last config load (start or reload) succeeded: 0 means a reload was refused and the old config runs.',
    registers: [registry],
  });
  const at = new Gauge({
    name: 'keyway_config_last_reload_success_timestamp_seconds',
    help: 'Unix time of the last successful config load (start or reload).',
    registers: [registry],
  });
  const loaded = () => {
    successful.set(1);
    at.set(Math.floor(proc.deps.clock() / 1000));
  };
  loaded();
  return {
    ok() {
      reloads.inc({ outcome: 'ok' });
      loaded();
    },
    refused() {
      reloads.inc({ outcome: 'refused' });
      successful.set(0);
    },
  };
}

/** Build the reloader of `proc`; `loadConfig` re-reads the file/env (without it every reload is refused). */
export function createReloader(
  cell: GenerationCell,
  proc: KeywayProcess,
  loadConfig: (() => Config) | undefined,
): Reloader {
  const { log } = proc.deps;
  const metrics = reloadMetrics(proc);
  let running: Promise<ReloadResult> | undefined;
  let stopped = false;

  async function swap(): Promise<ReloadResult> {
    if (!loadConfig) return { ok: false, problems: ['no config source to reload from'] };
    if (stopped) return { ok: false, problems: ['shutting down'] };
    let next: Generation;
    let changed: string[];
    let source: string;
    try {
      const config = loadConfig();
      source = config.source;
      changed = restartOnlyChanges(proc.started, config);
      refuseLongerLeeway(proc.started, config);
      next = createGeneration(proc, config);
      await next.start(true);
      if (stopped) throw new Error('shutting down');
      refuseRouterWithoutTable(cell.get(), next);
    } catch (err) {
      // The running generation keeps its parts; whatever was built for the refused one is released.
      await proc.sweep(cell.get().poolKeys);
      metrics.refused();
      const problems =
        err instanceof ConfigError
          ? err.issues.map((i) => `${i.source}: ${formatConfigIssue(i)}`)
          : [(err as Error).message];
      log.error({ problems }, 'config reload refused: keeping the current config');
      return { ok: false, problems };
    }
    // Swapped: from here on the new generation serves; the parts only the old one used are released.
    cell.set(next);
    await proc.sweep(next.poolKeys);
    metrics.ok();
    log.info({ source, restart_needed_for: changed }, 'config reloaded');
    return { ok: true, problems: changed.map((key) => `${key} changed: takes effect after a restart`) };
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
