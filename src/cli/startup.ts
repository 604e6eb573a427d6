// resolveStartup: everything `serve` checks before it listens, in one pass — the config source (or dev mode), the
// config itself, and the files and connections it names — shared by `serve` and `check-config` so they cannot disagree.
import { readFileSync } from 'node:fs';
import { quickStartVariables } from '../config/env-input.js';
import { listenHostProblems } from '../config/listen-hosts.js';
import {
  attributeProblems,
  type ConfigInput,
  checkLoadedConfig,
  type Env,
  readConfigInput,
} from '../config/load.js';
import { type ParsedSections, parseSections } from '../config/parse-sections.js';
import type { Config, ConfigIo } from '../config/types.js';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { snapshotDirProblem } from '../revocation/snapshot-file.js';
import { routingRedisProblem } from '../route/redis-connect.js';
import { tableRules } from '../route/table.js';
import { checkTableFile } from '../route/table-file.js';
import { createDevIssuer, type DevIssuer } from './dev-issuer.js';

export interface StartupOptions {
  /** `keyway dev`: run the embedded dev issuer whatever the config says (never under NODE_ENV=production). */
  readonly forceDev?: boolean;
  readonly io?: ConfigIo;
  /**
   * Dev mode for a command beside a running dev server (`explain`): the dev issuer's keys are the server's, read from
   * its JWKS URL (the same PORT), not a key of this process's own.
   */
  readonly devKeysFromServer?: boolean;
}

/** What serve starts: the config and, in dev mode, the embedded issuer; or every problem, as one ConfigError. */
export type Startup =
  | {
      readonly ok: true;
      readonly config: Config;
      readonly input: ConfigInput;
      /** Set in dev mode. */
      readonly dev: DevIssuer | undefined;
      /** Why dev mode runs: no config source at all, or `keyway dev`. */
      readonly devReason: 'no_config' | 'forced' | undefined;
      /** Re-read and check the config (a reload), in the same mode; throws ConfigError. */
      readonly reload: () => Config;
    }
  | { readonly ok: false; readonly error: ConfigError };

const nodeIo: ConfigIo = { readFile: (path) => readFileSync(path, 'utf8') };

/** Resolve what `serve` would start for `env`; never throws (problems are in the result). */
export async function resolveStartup(env: Env, options: StartupOptions = {}): Promise<Startup> {
  const io = options.io ?? nodeIo;
  const input = readConfigInput(env, io);
  const devReason = options.forceDev ? 'forced' : input.kind === 'none' ? 'no_config' : undefined;
  const problems: ConfigProblem[] = [];
  if (devReason !== undefined && env['NODE_ENV'] === 'production')
    problems.push(productionRefusal(devReason));
  if (devReason === undefined && input.problems.length === 0) {
    const empty = emptySourceProblem(input, env);
    if (empty) problems.push(empty);
  }
  let dev: DevIssuer | undefined;
  let extra: Record<string, unknown> | undefined;
  let source = input.source;
  if (devReason !== undefined && problems.length === 0) {
    dev = await createDevIssuer(parseSections(input.doc).raw.server.port || 8081);
    extra = options.devKeysFromServer ? withoutStaticKeys(dev.configInput) : dev.configInput;
    // Dev mode listens on loopback unless HOST (or server.host) says otherwise: its /auth is not for the network.
    const server = (input.doc as { server?: unknown } | undefined)?.server;
    const given = typeof server === 'object' && server !== null ? server : {};
    extra = { ...extra, server: { host: '127.0.0.1', ...given } };
    source = input.kind === 'none' ? 'embedded dev issuer' : `${input.source} + embedded dev issuer`;
  }
  const checked = checkLoadedConfig(input, io, extra, source);
  problems.push(...checked.problems);
  // The files and connections the config names are checked even when other parts have problems: one pass.
  problems.push(...attributeProblems(startProblems(checked.sections, io), input.origins));
  problems.push(...attributeProblems(await listenHostProblems(checked.sections), input.origins));
  if (problems.length > 0 || checked.config === undefined)
    return { ok: false, error: new ConfigError(input.source, problems) };
  const config: Config = dev ? { ...checked.config, devMode: true } : checked.config;
  const reload = (): Config => {
    const again = readConfigInput(env, io);
    const result = checkLoadedConfig(again, io, extra, source);
    if (result.config === undefined) throw new ConfigError(again.source, result.problems);
    return dev ? { ...result.config, devMode: true } : result.config;
  };
  return { ok: true, config, input, dev, devReason, reload };
}

/**
 * The problems `serve` would meet building its parts before it listens — the same functions the route table source,
 * the route table's Redis connector and the revocation snapshot keeper call — so check-config reports them too.
 */
export function startProblems(sections: ParsedSections, io: ConfigIo = nodeIo): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { raw, failed, unreadable } = sections;
  const { routing, revocation } = raw;
  // A section with other problems is checked on its readable part: its files are reported in the same pass.
  if (!unreadable.has('routing') && routing.table_file !== undefined)
    problems.push(...checkTableFile(routing.table_file, tableRules(routing), (p) => io.readFile(p)));
  const snapshot =
    revocation.snapshot_file === undefined || unreadable.has('revocation')
      ? undefined
      : snapshotDirProblem(revocation.snapshot_file);
  if (snapshot) problems.push(snapshot);
  // Whether a Redis is configured is judged on complete sections only (a removed bad redis_url is not "none").
  if (failed.has('routing') || failed.has('revocation')) return problems;
  const redis = routingRedisProblem(raw);
  if (redis) problems.push(redis);
  return problems;
}

/** The dev issuer config with only its JWKS URL (the running dev server's key), not this process's own key. */
function withoutStaticKeys(input: DevIssuer['configInput']): Record<string, unknown> {
  const issuers = input.issuers.map((i) => {
    const { keys: _own, ...rest } = i as Record<string, unknown>;
    return rest;
  });
  return { ...input, issuers };
}

/** NODE_ENV=production never runs the embedded dev issuer: a deployment that lost its config must not trust one. */
function productionRefusal(reason: 'no_config' | 'forced'): ConfigProblem {
  if (reason === 'forced')
    return {
      path: '(root)',
      code: 'no_config',
      source: 'NODE_ENV',
      message:
        '`keyway dev` (the embedded dev issuer) is refused when NODE_ENV=production: run `keyway serve` with a config, or unset NODE_ENV on a development machine',
    };
  return {
    path: '(root)',
    code: 'no_config',
    source: 'environment',
    message:
      'no config source, and the embedded dev issuer is refused when NODE_ENV=production: set KEYWAY_CONFIG (a file), ' +
      'KEYWAY_CONFIG_YAML (the YAML itself) or the quick start (KEYWAY_ISSUER, KEYWAY_JWKS_URL or KEYWAY_HS_SECRET)',
  };
}

const listed = (v: unknown) => Array.isArray(v) && v.length > 0;

/** A config source that configures no issuer and no policy accepts nothing: a mistake, not a request for dev mode. */
function emptySourceProblem(input: ConfigInput, env: Env): ConfigProblem | undefined {
  const doc = (input.doc ?? {}) as { issuers?: unknown; policies?: unknown };
  if (typeof doc !== 'object' || Array.isArray(doc) || listed(doc.issuers) || listed(doc.policies))
    return undefined;
  if (input.kind === 'quick-start') {
    const set = quickStartVariables(env);
    return {
      path: '(root)',
      code: 'no_issuers',
      source: set[0] ?? 'environment',
      message: `${set.join(', ')} set but no issuer: set KEYWAY_ISSUER (OIDC discovery), KEYWAY_JWKS_URL or KEYWAY_HS_SECRET (or KEYWAY_HS_SECRET_FILE) too, or unset them for dev mode`,
    };
  }
  return {
    path: 'issuers',
    code: 'no_issuers',
    message:
      'no issuers and no policies: this config accepts nothing. Add an issuer (jwks_uri, discovery, hs_secrets or keys) and a policy, ' +
      'or run `keyway dev` to try keyway with its embedded dev issuer',
  };
}
