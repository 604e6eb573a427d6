// The process edge: load config (or the embedded dev issuer), start, print the dev banner, drain on SIGTERM/SIGINT.

import { readFileSync } from 'node:fs';
import { createDevIssuer } from './cli/dev-issuer.js';
import { type Env, isEmptyOfIssuers, loadConfig, loadConfigInput, parseWith } from './config/load.js';
import { parseConfig } from './config/parse.js';
import type { Config } from './config/types.js';
import { devBanner } from './dev-banner.js';
import { ConfigError } from './errors.js';
import { type RunningServer, startServer } from './server.js';

export { startServer };

/** `keyway serve` / `npm start`: run until SIGTERM/SIGINT, then drain and exit (bounded by shutdown_timeout). */
export async function runServe(env: Env, options: { forceDev?: boolean } = {}): Promise<void> {
  const { doc, source } = loadConfigInput(env);
  const dev = options.forceDev || isEmptyOfIssuers(doc);
  if (dev && !options.forceDev && env['NODE_ENV'] === 'production') {
    // A production deployment that lost its config must not quietly accept tokens of a throwaway key.
    throw new ConfigError(source, [
      'issuers: none configured; the embedded dev issuer is refused when NODE_ENV=production (run `keyway dev` to force it)',
    ]);
  }
  const config: Config = parseConfig(doc, source, { readFile: (p) => readFileSync(p, 'utf8') });
  let server: RunningServer;
  try {
    server = await start(env, config, dev);
  } catch (err) {
    // startServer closed what it had opened; should anything still hold the event loop, exit anyway (non-zero).
    setTimeout(() => process.exit(1), 2_000).unref();
    throw err;
  }
  watchSignals(server);
}

/** Start the server for `config` (with the embedded dev issuer when `dev`); throws when a listener cannot bind. */
async function start(env: Env, config: Config, dev: boolean): Promise<RunningServer> {
  if (dev) {
    const issuer = await createDevIssuer(config.server.port || 8081);
    const load = (): Config => {
      const input = loadConfigInput(env);
      return {
        ...parseWith(input.doc, issuer.configInput, `${input.source} + embedded dev issuer`),
        devMode: true,
      };
    };
    const server = await startServer(load(), {
      extra: issuer.mount,
      loadConfig: load,
      watchFile: env['KEYWAY_CONFIG'],
    });
    process.stdout.write(devBanner(server.port, issuer.issuer, await issuer.mint()));
    return server;
  }
  return startServer(config, {
    loadConfig: () => loadConfig(env),
    watchFile: env['KEYWAY_CONFIG'],
  });
}

/** SIGHUP reloads; SIGTERM/SIGINT drain and exit (0, or 1 when the drain overruns shutdown_timeout by 2 s). */
function watchSignals(server: RunningServer): void {
  const { config } = server.deps;
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
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
