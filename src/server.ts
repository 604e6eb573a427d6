// startServer: build the process part and the first generation from a Config, listen on the main and admin ports,
// and drain on close().
import { unwatchFile, watchFile } from 'node:fs';
import { createServer, type Server, type ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { buildApp } from './app.js';
import { publishedSecretPaths } from './config/published-secrets.js';
import type { Config } from './config/types.js';
import type { Deps } from './deps.js';
import { createDeps } from './deps-create.js';
import { createGeneration, type Generation } from './generation.js';
import { buildAdminApp } from './http/admin-app.js';
import { createAdminGroups } from './http/admin-groups.js';
import { type AuthAnswerer, createAuthAnswerer } from './http/auth-answer.js';
import { createAuthListener } from './http/auth-listener.js';
import { type ConnectionTracker, type DrainableServer, trackConnections } from './http/drain.js';
import type { Timer } from './lib/timers.js';
import { createProcess } from './process.js';
import { createReloader, type ReloadResult } from './reload.js';
import { createDecisionRecorder } from './respond/record-decision.js';
import { VERSION } from './version.js';

export type { ReloadResult };

export interface RunningServer {
  readonly port: number;
  readonly adminPort: number | undefined;
  readonly deps: Deps;
  /** The config it started with (a reload changes what serves, not this). */
  readonly config: Config;
  /** Re-read the config and swap every part atomically, or keep the current one and say why (SIGHUP, /admin/reload). */
  reload(): Promise<ReloadResult>;
  /** Stop accepting, finish in-flight requests (up to server.shutdown_timeout), stop background work. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly deps?: Partial<Deps>;
  /** Where a reload reads the config again (main passes the file/env loader); without it reload is refused. */
  readonly loadConfig?: () => Config;
  /** The config file to watch: a change reloads (with server.watch_config, the default). */
  readonly watchFile?: string;
  /** Extra routes on the main app (the dev issuer's JWKS). */
  readonly extra?: (app: Hono) => void;
}

type NodeServer = Server & DrainableServer;

interface Listener {
  readonly server: NodeServer;
  readonly connections: ConnectionTracker;
}

/**
 * Listen on host:port; rejects (and closes the server) when the address cannot be bound (EADDRINUSE, EACCES, …).
 * Requests go to hono through @hono/node-server's listener; with `fast`, /auth calls are answered on node's request
 * itself (auth-listener.ts) and only the rest reach hono.
 */
function listen(
  fetchHandler: (req: Request, env: unknown) => Response | Promise<Response>,
  host: string,
  port: number,
  config: Config,
  fast?: { readonly answerAuth: AuthAnswerer; readonly log: Deps['log'] },
): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const hono = getRequestListener(fetchHandler, { hostname: host });
    const options: ServerOptions = {
      maxHeaderSize: config.server.max_header_bytes,
      requestTimeout: config.server.request_timeout,
      headersTimeout: Math.min(config.server.request_timeout, 60_000),
      // Node enforces both timeouts only when this timer fires (30 s by default), so a 10 s request_timeout
      // really meant up to 40 s of a held socket; check every second (or faster for shorter timeouts).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, config.server.request_timeout)),
      keepAliveTimeout: config.server.keep_alive_timeout,
    };
    const server: NodeServer = createServer(
      options,
      fast ? createAuthListener(fast.answerAuth, hono, fast.log) : hono,
    );
    const connections = trackConnections(server);
    const failed = (err: NodeJS.ErrnoException) => {
      // http.Server's close also clears its connection-checking interval, which would otherwise keep running.
      server.close();
      reject(new ListenError(host, port, err));
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve({ server, connections });
    });
  });
}

/** A listener that could not bind: fatal at start (a process serving nothing must not look alive). */
export class ListenError extends Error {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    super(`cannot listen on ${host}:${port}: ${cause.code ?? cause.message}`, { cause });
    this.name = 'ListenError';
  }
}

/** Start keyway for `config`. Key loading and the revocation load happen in the background; /readyz reports them. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const deps = createDeps(config, options.deps);
  const published = publishedSecretPaths(config);
  // parseConfig let these through only for a loopback-only demo (server.allow_published_secrets): say so on every start.
  if (published.length > 0)
    deps.log.error(
      { keys: published },
      "INSECURE DEMO: secrets published in keyway's repository are in use (allowed on loopback only); anyone can forge tokens and admin calls for this instance",
    );
  const proc = createProcess(config, deps);
  let current: Generation;
  try {
    current = createGeneration(proc, config);
    // An invalid route table file fails start here (ConfigError naming the file and key path); a Redis table that is
    // unreachable does not: start() returns within its bound and /readyz reports it.
    await current.start(false);
  } catch (err) {
    await proc.close();
    throw err;
  }
  void proc.start();
  const metricsOnAdmin = config.server.metrics_on_admin && config.admin.token !== undefined;
  const answerAuth = createAuthAnswerer(
    (req, policy) => current.decide(req, policy),
    createDecisionRecorder(config.log, deps),
    config.server,
  );
  const app = buildApp({
    answerAuth,
    readiness: () => current.readiness,
    server: config.server,
    registry: metricsOnAdmin ? undefined : deps.metrics.registry,
    log: deps.log,
    extra: options.extra,
  });
  const reloader = createReloader(
    { get: () => current, set: (next) => (current = next) },
    proc,
    options.loadConfig,
  );
  const reload = reloader.reload;
  // Polling the file's stat (not fs.watch) also sees Kubernetes ConfigMap updates, which swap a symlink.
  const watched = options.watchFile && config.server.watch_config ? options.watchFile : undefined;
  if (watched) {
    watchFile(watched, { interval: 1_000, persistent: false }, (now, before) => {
      if (now.mtimeMs !== before.mtimeMs || now.ino !== before.ino) void reload();
    });
  }
  // Built once: it reads the serving generation per call, so a reload needs no new admin app.
  const adminApp =
    config.admin.token === undefined
      ? undefined
      : buildAdminApp(
          {
            adminToken: config.admin.token,
            metrics: metricsOnAdmin
              ? { registry: deps.metrics.registry, metricsToken: config.admin.metrics_token }
              : undefined,
            log: deps.log,
          },
          createAdminGroups({ current: () => current, revocation: proc.revocation, deps, reload }),
        );

  let main: Listener | undefined;
  let admin: Listener | undefined;
  try {
    // env carries node-server's { incoming, outgoing }: /auth reads the raw request headers from it.
    main = await listen((req, env) => app.fetch(req, env), config.server.host, config.server.port, config, {
      answerAuth,
      log: deps.log,
    });
    if (adminApp !== undefined)
      admin = await listen((req) => adminApp.fetch(req), config.admin.host, config.admin.port, config);
  } catch (err) {
    // Close everything opened so far (the other listener, Redis connections, key refresh and health timers, the file
    // watch): the caller exits non-zero, and nothing may keep the process alive serving half of keyway.
    deps.log.fatal({ err: (err as Error).message }, 'a listener could not bind: stopping');
    if (watched) unwatchFile(watched);
    reloader.stop();
    await Promise.allSettled([main?.connections.drain(0, () => {}), proc.close()]);
    throw err;
  }
  const [mainListener, adminListener] = [main, admin];
  const mainServer = mainListener.server;
  const adminServer = adminListener?.server;
  deps.log.info(
    {
      version: VERSION,
      port: (mainServer.address() as AddressInfo).port,
      admin: adminServer ? (adminServer.address() as AddressInfo).port : 'disabled',
    },
    'keyway listening',
  );
  return {
    port: (mainServer.address() as AddressInfo).port,
    adminPort: adminServer ? (adminServer.address() as AddressInfo).port : undefined,
    deps,
    config,
    reload,
    close: async () => {
      const timeout = config.server.shutdown_timeout;
      const started = Date.now();
      const late = () =>
        deps.log.warn(
          { shutdown_timeout_ms: timeout },
          'shutdown_timeout reached: closing the remaining connections',
        );
      await Promise.all([
        mainListener.connections.drain(timeout, late),
        adminListener?.connections.drain(timeout, late),
      ]);
      if (watched) unwatchFile(watched);
      reloader.stop();
      // A reload still fetching keys must not hold the exit past the budget: once stopped it discards its generation.
      const left = Math.max(0, timeout - (Date.now() - started));
      let waited: Timer | undefined;
      await Promise.race([
        reloader.idle(),
        new Promise<void>((resolve) => {
          waited = deps.timers.setTimeout(resolve, left);
        }),
      ]);
      deps.timers.clear(waited);
      await proc.close();
    },
  };
}
