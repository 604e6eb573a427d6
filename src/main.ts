// The process edge: resolve the config (or the embedded dev issuer), start, print the dev banner, drain on SIGTERM/SIGINT.

import { resolveStartup } from './cli/startup.js';
import type { Env } from './config/load.js';
import { writeDevBanner } from './dev-banner.js';
import { type RunningServer, startServer } from './server.js';

export { startServer };

/** `keyway serve` / `npm start`: run until SIGTERM/SIGINT, then drain and exit (bounded by shutdown_timeout). */
export async function runServe(env: Env, options: { forceDev?: boolean } = {}): Promise<void> {
  // The same checks as `keyway check-config`, all at once: a config problem fails here, before anything starts.
  const startup = await resolveStartup(env, options);
  if (!startup.ok) throw startup.error;
  let server: RunningServer;
  try {
    server = await startServer(startup.config, {
      extra: startup.dev?.mount,
      loadConfig: startup.reload,
      watchFile: env['KEYWAY_CONFIG'],
    });
  } catch (err) {
    // startServer closed what it had opened; should anything still hold the event loop, exit anyway (non-zero).
    setTimeout(() => process.exit(1), 2_000).unref();
    throw err;
  }
  const banner = startup.dev
    ? await writeDevBanner(server.port, startup.dev, startup.devReason ?? 'no_config', process.stdout)
    : undefined;
  watchSignals(server, () => banner?.remove());
}

/** SIGHUP reloads; SIGTERM/SIGINT drain and exit (0, or 1 when the drain overruns shutdown_timeout by 2 s). */
function watchSignals(server: RunningServer, cleanup: () => void): void {
  const { config } = server;
  // SIGHUP (and a change of the config file): re-read the config and swap atomically, or keep it and log why.
  process.on('SIGHUP', () => void server.reload());
  let stopping = false;
  const stop = (signal: string) => {
    // A second signal (an impatient supervisor, a double Ctrl-C) must not kill requests that are being drained.
    if (stopping) return server.deps.log.info({ signal }, 'already shutting down: still draining');
    stopping = true;
    server.deps.log.info({ signal }, 'shutting down: draining in-flight requests');
    const hardStop = setTimeout(() => {
      server.deps.log.error(
        { after_ms: config.server.shutdown_timeout + 2_000 },
        'shutdown did not finish in time: exiting anyway',
      );
      process.exit(1);
    }, config.server.shutdown_timeout + 2_000);
    hardStop.unref();
    void server.close().then(() => {
      cleanup();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
